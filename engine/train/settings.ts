/**
 * Training settings: the schema (zod), defaults, and how a document's saved
 * settings combine with overrides from the UI or the CLI.
 */
import { z } from 'zod';
import type { GraphDoc } from '../graph/doc';

/** The optimizers offered to the user. */
export const OPTIMIZERS = ['sgd', 'adam', 'rmsprop'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

export const trainSettingsSchema = z.object({
  /** `sgd` is SGD with momentum (see `momentum`). */
  optimizer: z.enum(OPTIMIZERS),
  /** Step size, > 0. Typical: 0.001 for Adam/RMSprop, 0.01–0.1 for SGD. */
  learningRate: z.number().gt(0).max(10),
  /** Momentum for SGD (0 = plain SGD). Ignored by Adam and RMSprop. */
  momentum: z.number().min(0).lt(1),
  /** Images per gradient step. */
  batchSize: z.number().int().min(1).max(65_536),
  /** Passes over the training images. */
  epochs: z.number().int().min(1).max(100_000),
  /** Fraction of the training images held out for validation, chosen deterministically from `seed`. 0 = none. */
  validationSplit: z.number().min(0).max(0.9),
  /** Augmentation applied to each training batch (never to validation or test). */
  augment: z.object({
    /** Mirror half of the images left–right. */
    flip: z.boolean().optional(),
    /** Shift by up to this fraction of the width/height in each direction (0–0.5), edges replicated. */
    shift: z.number().min(0).max(0.5).optional(),
  }),
  /** Stop when the monitored loss (validation loss, or training loss without validation) has not improved for `patience` epochs. */
  earlyStopping: z.object({ patience: z.number().int().min(1).max(10_000) }).nullable(),
  /** At the end, put back the weights of the epoch with the best monitored loss. */
  restoreBest: z.boolean(),
  /** Seed of the validation split, shuffling and augmentation. */
  seed: z.number().int(),
  /**
   * Resize / convert the data to the network's Input when their shapes differ
   * (the "resize the data" fix of the compatibility check).
   */
  adaptInput: z.boolean(),
  /** Use at most this many training images (0 = all): quick runs and CI. */
  limit: z.number().int().min(0),
  /**
   * Threads that share each batch (data-parallel, engine/train/parallel):
   * 0 = automatic (one per core up to 4 when each gets at least 16 images of
   * a batch), 1 = train on one thread.
   */
  threads: z.number().int().min(0).max(64),
});

/** Every training setting, resolved. */
export type TrainSettings = z.infer<typeof trainSettingsSchema>;

export const DEFAULT_SETTINGS: TrainSettings = {
  optimizer: 'adam',
  learningRate: 0.001,
  momentum: 0.9,
  batchSize: 32,
  epochs: 5,
  validationSplit: 0.1,
  augment: {},
  earlyStopping: null,
  restoreBest: true,
  seed: 1,
  adaptInput: false,
  limit: 0,
  threads: 0,
};

/** Partial settings as the UI or CLI send them. */
export type TrainSettingsInput = Partial<TrainSettings>;

/**
 * Defaults ← the document's saved `training` ← overrides, then validated.
 * Returns the settings, or a message naming each bad field and the value received.
 */
export function resolveSettings(
  doc: Pick<GraphDoc, 'training'> | null,
  overrides: TrainSettingsInput = {},
): { ok: true; value: TrainSettings } | { ok: false; error: string } {
  const saved = doc?.training ?? {};
  const merged: Record<string, unknown> = { ...DEFAULT_SETTINGS };
  for (const src of [saved, overrides] as Record<string, unknown>[])
    for (const [k, v] of Object.entries(src)) if (v !== undefined) merged[k] = v;
  // A learning rate left at the Adam default is far too small for SGD.
  if (merged.optimizer === 'sgd' && overrides.learningRate === undefined && saved.learningRate === undefined) merged.learningRate = 0.01;
  const r = trainSettingsSchema.safeParse(merged);
  if (r.success) return { ok: true, value: r.data };
  const msg = r.error.issues
    .map((i) => {
      const key = i.path.join('.');
      const got = key.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), merged);
      return `training setting '${key}': ${i.message} (received ${JSON.stringify(got)})`;
    })
    .join('; ');
  return { ok: false, error: msg };
}
