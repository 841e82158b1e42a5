/**
 * Zod schema of the graph document (the current version; older versions are
 * migrated first, see migrate.ts). Structural only: layer parameters are
 * checked against each LayerDef's own spec in parse.ts, so there is one truth
 * per layer.
 *
 * Limits keep hostile files from hanging or exhausting the app: they are far
 * above any real network (ResNet-152 has ~500 layers) but bounded.
 */
import { z } from 'zod';
import { GRAPH_FORMAT } from './doc';

/** Most nodes a document may have. */
export const MAX_NODES = 100_000;
/** Most edges a document may have. */
export const MAX_EDGES = 400_000;
/** Longest id, type key, layer or document name. */
export const MAX_NAME = 200;
/** Longest free text (description, meta.idea…). */
export const MAX_TEXT = 20_000;
/** Most entries in one parameter list (e.g. Reshape's target shape). */
export const MAX_PARAM_LIST = 64;
/** Largest input slot index. */
export const MAX_SLOT = 1023;
/** Canvas coordinates beyond this are nonsense. */
export const MAX_COORD = 1e9;

const finite = (max: number) => z.number().finite().min(-max).max(max);
const name = z.string().min(1).max(MAX_NAME);
const text = z.string().max(MAX_TEXT);

/**
 * A parameter value: a JSON scalar or a short flat list of scalars. Nothing
 * nested, so no value can be deep enough to overflow a stack later on.
 */
const paramValue = z.union([
  z.number().finite(),
  z.string().max(MAX_NAME),
  z.boolean(),
  z.null(),
  z.array(z.union([z.number().finite(), z.string().max(MAX_NAME), z.boolean()])).max(MAX_PARAM_LIST),
]);

/** Parameter keys look like identifiers; `__proto__` and friends never pass. */
export const PARAM_KEY = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export const nodeSchema = z.object({
  id: name,
  type: z.string().min(1).max(100),
  params: z
    .record(
      z.string().refine((k) => PARAM_KEY.test(k) && !FORBIDDEN_KEYS.has(k), { message: 'is not a valid parameter name (letters, digits and _ only)' }),
      paramValue,
    )
    .default({}),
  position: z.object({ x: finite(MAX_COORD), y: finite(MAX_COORD) }).default({ x: 0, y: 0 }),
  name: name.optional(),
  frozen: z.boolean().optional(),
});

export const edgeSchema = z.object({
  id: name,
  source: name,
  target: name,
  targetIndex: z.number().int().min(0).max(MAX_SLOT).default(0),
});

const metaSchema = z.object({
  year: z.number().int().min(1900).max(3000).optional(),
  paper: text.optional(),
  paperUrl: text.optional(),
  idea: text.optional(),
  reference: text.optional(),
  tags: z.array(z.string().max(MAX_NAME)).max(100).optional(),
});

const trainingSchema = z.object({
  optimizer: z.enum(['sgd', 'adam', 'rmsprop']).optional(),
  learningRate: z.number().finite().positive().max(100).optional(),
  momentum: z.number().finite().min(0).max(1).optional(),
  batchSize: z.number().int().min(1).max(1_000_000).optional(),
  epochs: z.number().int().min(1).max(1_000_000).optional(),
  validationSplit: z.number().finite().min(0).max(0.99).optional(),
  augment: z.object({ flip: z.boolean().optional(), shift: z.number().finite().min(0).max(1).optional() }).optional(),
  earlyStopping: z.object({ patience: z.number().int().min(1).max(10_000) }).nullable().optional(),
});

export const graphDocSchema = z.object({
  format: z.literal(GRAPH_FORMAT),
  version: z.number().int().min(1),
  name: z.string().max(MAX_NAME),
  description: text.optional(),
  meta: metaSchema.optional(),
  nodes: z.array(nodeSchema).max(MAX_NODES),
  edges: z.array(edgeSchema).max(MAX_EDGES),
  training: trainingSchema.optional(),
  dataset: z.object({ spec: z.string().min(1).max(4096) }).optional(),
  weights: z.object({ path: z.string().min(1).max(4096), savedAt: z.string().max(100).optional() }).optional(),
});

export type GraphDocInput = z.input<typeof graphDocSchema>;
