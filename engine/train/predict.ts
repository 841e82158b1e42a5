/**
 * Prediction for one image: from pixels or an image file (decoded as the
 * training images were), resized to the network's Input, to the top-k classes.
 */
import { stat } from 'node:fs/promises';
import type * as tfjs from '@tensorflow/tfjs';
import type { Shape } from '../core/shape';
import { decodeImageRaw, isFit, shortReason, type Fit } from '../data/image';
import { parseSpec, type ParsedSpec } from '../data/spec';
import { toInputTensor } from './adapt';
import { withFoldedInference } from './fold';
import { detectTask, toProbabilities } from './task';
import { TrainError } from './trainer';

type TF = typeof tfjs;

/** One class in a prediction. */
export interface ClassProbability {
  /** Class index (output unit). */
  index: number;
  /** Class name, or `unit N` when the dataset's names are unknown. */
  name: string;
  /** In [0, 1]. */
  probability: number;
}

/** An image decoded to the network's input: HWC floats in [0, 1]. */
export interface DecodedImage {
  pixels: Float32Array;
  shape: [number, number, number];
}

/**
 * How the images a network was trained on were decoded, so that one image
 * given to it later is decoded the same way (engine/data/image.ts, the
 * image folders' decoder: EXIF rotation, transparency flattened onto
 * `background`, resized with `fit`).
 */
export interface DecodePolicy {
  fit: Fit;
  background: string;
}

/**
 * The policy for a model trained on `datasetSpec`: an image folder's own
 * (its `fit` option, a white background, as folder.ts decodes); for
 * everything else (MNIST-style sets, built-in shapes, an unknown dataset)
 * stretched onto black, the background of white-on-black digits.
 */
export function decodePolicyFor(datasetSpec?: string): DecodePolicy {
  let folder: ParsedSpec | null = null;
  try {
    const p = datasetSpec ? parseSpec(datasetSpec) : null;
    if (p?.kind === 'folder') folder = p;
  } catch {
    // An unreadable spec in old metadata: the default policy.
  }
  const fit = folder?.params.fit;
  return folder ? { fit: isFit(fit) ? fit : 'fill', background: '#ffffff' } : { fit: 'fill', background: '#000000' };
}

/**
 * Decode an image file or buffer (PNG, JPEG, WebP, GIF, …) to `[h, w, c]`
 * floats in [0, 1] (c = 1: greyscale, c = 3: RGB), with the folder decoder
 * and `policy` (default: stretched onto black, see {@link decodePolicyFor}).
 */
export async function decodeImage(input: string | Uint8Array, shape: Shape, policy: DecodePolicy = decodePolicyFor()): Promise<DecodedImage> {
  const [h, w, c] = shape;
  if (c !== 1 && c !== 3) throw new TrainError(`the network's Input has ${c} channels; images can be fed to 1 (grey) or 3 (colour) channels only`, 'shape');
  if (typeof input === 'string') {
    const st = await stat(input).catch(() => null);
    if (!st) throw new TrainError(`the image ${input} does not exist`, 'data');
    if (!st.isFile()) throw new TrainError(`${input} is not a file`, 'data');
  }
  let raw: Uint8Array;
  try {
    raw = await decodeImageRaw(input, [h, w, c], policy);
  } catch (e) {
    const what = typeof input === 'string' ? input : 'the image';
    throw new TrainError(`cannot read ${what} as an image: ${shortReason(e).replace(/^Input (file|buffer) /, '')}`, 'data');
  }
  const pixels = new Float32Array(raw.length);
  for (let i = 0; i < raw.length; i++) pixels[i] = raw[i] / 255;
  return { pixels, shape: [h, w, c] };
}

/**
 * Class probabilities for one image, highest first (top `k`). `pixels` is
 * HWC in [0, 1] of shape `shape`, resized/converted to the Input when it differs.
 */
export function predictPixels(tf: TF, model: tfjs.LayersModel, pixels: Float32Array, shape: Shape, classNames: string[] = [], k = 5): ClassProbability[] {
  const info = detectTask(model);
  if ('error' in info) throw new TrainError(`Cannot predict: ${info.error}.`, 'task');
  if (info.task !== 'classification') throw new TrainError('Cannot list classes: the network reconstructs images, it does not classify.', 'task');
  const probs = tf.tidy(() => {
    const x = toInputTensor(tf, pixels, shape, info.inputShape);
    return toProbabilities(tf, withFoldedInference(tf, model, () => model.apply(x, { training: false }) as tfjs.Tensor), info.outputKind).dataSync();
  });
  return topK(probs, classNames, k);
}

/** The `k` largest probabilities with their names, highest first (ties: lower index first). */
export function topK(probs: ArrayLike<number>, classNames: string[], k: number): ClassProbability[] {
  const all = Array.from(probs, (p, i) => ({ index: i, name: classNames[i] ?? `unit ${i}`, probability: p }));
  all.sort((a, b) => b.probability - a.probability || a.index - b.index);
  return all.slice(0, Math.max(1, k));
}

/** What a model was trained on, as far as decoding a new image goes (a stored model's meta, the CLI's training.json). */
export interface TrainedOn {
  /** The dataset spec it was trained on. */
  datasetSpec?: string;
  /** The shape of that dataset's images. */
  dataShape?: Shape;
}

/**
 * Decode an image file (or bytes) as the training images were — with the
 * dataset's policy, at the dataset's shape, then adapted to the Input as in
 * training (at the Input's shape when the dataset is unknown) — and predict
 * its top-k classes.
 */
export async function predictImage(tf: TF, model: tfjs.LayersModel, image: string | Uint8Array, classNames: string[] = [], k = 5, trainedOn: TrainedOn = {}): Promise<ClassProbability[]> {
  const inShape = model.inputs[0].shape.slice(1) as number[];
  const ds = trainedOn.dataShape;
  const shape = ds && ds.length === 3 && (ds[2] === 1 || ds[2] === 3) ? ds : inShape;
  const img = await decodeImage(image, shape, decodePolicyFor(trainedOn.datasetSpec));
  return predictPixels(tf, model, img.pixels, img.shape, classNames, k);
}
