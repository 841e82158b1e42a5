/**
 * Receptive-field arithmetic, per spatial axis (height, width), following
 * Araujo, Norris & Sim, "Computing Receptive Fields of Convolutional Neural
 * Networks", Distill 2019. See docs/analysis.md for the conventions.
 *
 * A layer's receptive field is described by three numbers per axis, all in
 * input pixels:
 *   size  r — side of the input region one output unit sees;
 *   jump  j — distance between the regions of neighbouring output units
 *             (the effective stride);
 *   start   — centre of output unit 0's region (0 = centre of pixel 0).
 * Unit u's region is centred at start + u·j and spans r pixels. Padding makes
 * start negative: effective padding = (r − 1)/2 − start.
 */
import type { RfStep } from '../layers/types';
import type { ReceptiveField } from './types';

type Pair = readonly [number, number];

/** Receptive field of the network input itself: each pixel sees itself. */
export function inputRf(): ReceptiveField {
  return { size: [1, 1], stride: [1, 1], start: [0, 0] };
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * One axis of a sliding-window step (convolution or pooling):
 * k' = d(k−1)+1; r' = r + (k'−1)·j; j' = j·s; start' = start + ((k'−1)/2 − p)·j.
 */
export function stepAxis(r: number, j: number, start: number, k: number, s: number, d: number, p: number): [number, number, number] {
  const kd = d * (k - 1) + 1;
  return [r + (kd - 1) * j, j * s, start + ((kd - 1) / 2 - p) * j];
}

/**
 * One axis of a transposed convolution with kernel k, stride s, dilation d,
 * and `crop` = how many leading outputs of the full transposed convolution are
 * cut off (TF 'same': the padBefore of the forward convolution on the output
 * grid; 'valid': 0).
 *
 * The full transposed convolution computes out[y] = Σ in[x]·w[t] over
 * y + crop = x·s + t·d. So output y depends on the inputs x with
 * x·s = y + crop − t·d for a tap t in [0, k): the t with t·d ≡ y + crop
 * (mod s). With g = gcd(d, s) those taps are s/g apart, so at most
 * ⌈k·g/s⌉ inputs contribute, d/g input units apart: the widest output unit
 * spans (⌈k·g/s⌉ − 1)·d/g input units (for d = 1: ⌈k/s⌉ − 1). Its grid is s
 * times finer (j' = j/s) and unit y is centred at input coordinate
 * (y + crop − (k'−1)/2)/s.
 *
 * Output units of a transposed convolution differ (for k=3, s=2 even outputs
 * see two inputs, odd ones one): size is the widest; start is the nominal
 * centre, around which every unit's region lies within ±size/2 (see tests).
 */
export function transposedAxis(r: number, j: number, start: number, k: number, s: number, d: number, crop: number): [number, number, number] {
  const kd = d * (k - 1) + 1;
  const g = gcd(d, s);
  const span = (Math.ceil((k * g) / s) - 1) * (d / g);
  return [r + span * j, j / s, start + ((crop - (kd - 1) / 2) / s) * j];
}

/** Apply a layer's RF step to its input's receptive field. */
export function applyStep(rf: ReceptiveField, step: RfStep): ReceptiveField {
  if (rf.global) return rf;
  const size: number[] = [];
  const stride: number[] = [];
  const start: number[] = [];
  for (let a = 0; a < 2; a++) {
    const f = step.transposed ? transposedAxis : stepAxis;
    const [r, j, st] = f(rf.size[a], rf.stride[a], rf.start[a], step.kernel[a], step.stride[a], step.dilation[a], step.padBefore[a]);
    size.push(r);
    stride.push(j);
    start.push(st);
  }
  return { size: size as unknown as Pair, stride: stride as unknown as Pair, start: start as unknown as Pair };
}

/**
 * Every output unit sees the whole input image of `image` = [H, W] pixels
 * (Flatten, Dense on a vector, global pooling). Size is the image; start its
 * centre; the jump is kept from the input (it no longer means much).
 */
export function globalRf(rf: ReceptiveField, image: Pair): ReceptiveField {
  return { size: [image[0], image[1]], stride: rf.stride, start: [(image[0] - 1) / 2, (image[1] - 1) / 2], global: true };
}

/**
 * Where branches merge (Add, Concatenate), a unit of the merge sees the union
 * of what the corresponding units of its inputs see. Per axis the region is
 * the smallest interval holding every input's region for unit 0:
 * lo = min(start − (r−1)/2), hi = max(start + (r−1)/2), size = hi − lo + 1,
 * start = (lo + hi)/2. When the branches are centred alike (the usual case:
 * ResNet, Inception with 'same' padding) this is simply the maximum size over
 * the paths. Jump: the largest of the inputs' jumps (they agree whenever the
 * branches' grids line up, which equal output shapes almost always imply).
 * If any input is global, so is the merge.
 */
export function mergeRf(rfs: readonly ReceptiveField[], image: Pair): ReceptiveField {
  if (rfs.length === 1) return rfs[0];
  if (rfs.some((r) => r.global)) return globalRf(rfs[0], image);
  const size: number[] = [];
  const stride: number[] = [];
  const start: number[] = [];
  for (let a = 0; a < 2; a++) {
    let lo = Infinity;
    let hi = -Infinity;
    let j = 0;
    for (const rf of rfs) {
      lo = Math.min(lo, rf.start[a] - (rf.size[a] - 1) / 2);
      hi = Math.max(hi, rf.start[a] + (rf.size[a] - 1) / 2);
      j = Math.max(j, rf.stride[a]);
    }
    size.push(hi - lo + 1);
    stride.push(j);
    start.push((lo + hi) / 2);
  }
  return { size: size as unknown as Pair, stride: stride as unknown as Pair, start: start as unknown as Pair };
}
