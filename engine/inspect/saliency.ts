/**
 * Which pixels matter for a class: plain gradients (Simonyan et al. 2014),
 * SmoothGrad (Smilkov et al. 2017) and Grad-CAM (Selvaraju et al. 2017). The
 * class score is the logit (before a final softmax), as the papers define it.
 */
import type * as tfjs from '@tensorflow/tfjs';
import { inputTensor, type InspectImage } from './input';
import { classCount, lastSpatialLayer, layerByName, layerOutputShape, runGraph } from './run-graph';
import { InspectError, type LongRunOptions, type MapStack } from './types';

type TF = typeof tfjs;

/** A saliency result: the raw gradient and the map to show. */
export interface SaliencyResult {
  /** d score / d input pixel, same shape as the input (HWC). */
  gradient: MapStack;
  /** height × width: max over channels of |gradient| (Simonyan et al.'s map). */
  map: Float32Array;
  /** The class score (logit) for the image. */
  score: number;
}

/** Grad-CAM result. */
export interface GradCamResult {
  /** The layer the map was taken at. */
  layer: string;
  /** The map at the layer's resolution (height × width), ReLU applied, not normalised. */
  cam: MapStack;
  /** The map resized (bilinear) to the input size and scaled to [0, 1]. */
  map: Float32Array;
  /** α_k: the mean gradient of the score over each channel's map. */
  weights: Float32Array;
  score: number;
}

function checkClass(model: tfjs.LayersModel, classIndex: number): void {
  const k = classCount(model);
  if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= k)
    throw new InspectError(`class ${classIndex} does not exist: the network has ${k} classes (0 to ${k - 1})`, 'class');
}

/** Σ over the batch of the logit of `classIndex`: a scalar to differentiate. */
function classScore(tf: TF, model: tfjs.LayersModel, x: tfjs.Tensor, classIndex: number, hooks?: Record<string, (t: tfjs.Tensor) => tfjs.Tensor>): tfjs.Scalar {
  const y = runGraph(tf, model, x, { logits: true, hooks }) as tfjs.Tensor2D;
  return tf.sum(tf.slice(y, [0, classIndex], [-1, 1])) as tfjs.Scalar;
}

function maxAbsOverChannels(g: Float32Array, hw: number, c: number): Float32Array {
  const out = new Float32Array(hw);
  for (let i = 0; i < hw; i++) {
    let m = 0;
    for (let k = 0; k < c; k++) m = Math.max(m, Math.abs(g[i * c + k]));
    out[i] = m;
  }
  return out;
}

/** Plain gradient saliency: ∂ score_class / ∂ input at the image. */
export function gradientSaliency(tf: TF, model: tfjs.LayersModel, image: InspectImage, classIndex: number): SaliencyResult {
  checkClass(model, classIndex);
  const [grad, score] = tf.tidy(() => {
    const x = inputTensor(tf, model, image);
    const { value, grad } = tf.valueAndGrad((t: tfjs.Tensor) => classScore(tf, model, t, classIndex))(x);
    return [grad, value] as const;
  });
  try {
    const [, h, w, c] = grad.shape;
    const g = Float32Array.from(grad.dataSync() as Float32Array);
    return { gradient: { height: h, width: w, channels: c, data: g }, map: maxAbsOverChannels(g, h * w, c), score: score.dataSync()[0] };
  } finally {
    grad.dispose();
    score.dispose();
  }
}

/** Options of {@link smoothGrad}. */
export interface SmoothGradOptions extends LongRunOptions {
  /** Noisy copies averaged (default 25; 1…200). */
  samples?: number;
  /** Noise σ as a fraction of the image's value range (default 0.15, the paper's 10–20 %). */
  noise?: number;
  /** Copies per gradient call (default 8): bounds memory on big networks. */
  batch?: number;
  /** Seed of the noise (default 1), so a view is reproducible. */
  seed?: number;
}

/**
 * SmoothGrad: the mean of the gradients at `samples` noisy copies of the
 * image. Noise cancels the gradient's pixel-to-pixel jitter and keeps what is
 * consistently important.
 */
export async function smoothGrad(tf: TF, model: tfjs.LayersModel, image: InspectImage, classIndex: number, o: SmoothGradOptions = {}): Promise<SaliencyResult> {
  checkClass(model, classIndex);
  const n = o.samples ?? 25;
  const noise = o.noise ?? 0.15;
  const batch = Math.max(1, Math.min(o.batch ?? 8, n));
  if (!Number.isInteger(n) || n < 1 || n > 200) throw new InspectError(`SmoothGrad samples must be a whole number from 1 to 200; got ${n}`, 'options');
  if (!(noise >= 0 && noise <= 1)) throw new InspectError(`SmoothGrad noise must be between 0 and 1 (a fraction of the value range); got ${noise}`, 'options');
  const x = inputTensor(tf, model, image);
  const [, h, w, c] = x.shape;
  const sum = new Float32Array(h * w * c);
  let score = 0;
  try {
    const range = tf.tidy(() => tf.sub(tf.max(x), tf.min(x)).dataSync()[0]);
    const sigma = noise * (range > 0 ? range : 1);
    score = tf.tidy(() => classScore(tf, model, x, classIndex).dataSync()[0]);
    const f = tf.grad((t: tfjs.Tensor) => classScore(tf, model, t, classIndex));
    for (let done = 0; done < n; ) {
      if (o.signal?.aborted) throw new InspectError('cancelled', 'cancelled');
      const m = Math.min(batch, n - done);
      const g = tf.tidy(() => {
        const xs = tf.add(tf.tile(x, [m, 1, 1, 1]), tf.randomNormal([m, h, w, c], 0, sigma, 'float32', (o.seed ?? 1) * 7919 + done));
        return tf.sum(f(xs), 0);
      });
      const d = g.dataSync();
      for (let i = 0; i < d.length; i++) sum[i] += d[i];
      g.dispose();
      done += m;
      o.onProgress?.(done / n, `SmoothGrad ${done}/${n}`);
      // Let a cancel message (worker thread) or UI event through between chunks.
      await new Promise((r) => setTimeout(r, 0));
    }
  } finally {
    x.dispose();
  }
  for (let i = 0; i < sum.length; i++) sum[i] /= n;
  return { gradient: { height: h, width: w, channels: c, data: sum }, map: maxAbsOverChannels(sum, h * w, c), score };
}

/**
 * Grad-CAM at layer `layerName` (default: the last layer with a spatial
 * output, see lastSpatialLayer): ReLU(Σ_k α_k A_k) with α_k the spatial mean
 * of ∂ score / ∂ A_k.
 */
export function gradCam(tf: TF, model: tfjs.LayersModel, image: InspectImage, classIndex: number, layerName?: string): GradCamResult {
  checkClass(model, classIndex);
  const name = layerName ?? lastSpatialLayer(model);
  if (!name) throw new InspectError('Grad-CAM needs a layer with a spatial output (height × width × channels); this network has none', 'layer');
  layerByName(model, name);
  const shape = layerOutputShape(model, name);
  if (shape.length !== 3) throw new InspectError(`Grad-CAM needs a layer whose output has height, width and channels; '${name}' outputs ${shape.join('×')}`, 'layer');
  const [gh, gw] = shape;
  const [camT, alphaT, scoreT, mapT] = tf.tidy(() => {
    const x = inputTensor(tf, model, image);
    const A = runGraph(tf, model, x, { until: name });
    // The gradient with respect to A: add a zero tensor to A's output and
    // differentiate with respect to it (works through branches and merges).
    const { value, grad } = tf.valueAndGrad((delta: tfjs.Tensor) => classScore(tf, model, x, classIndex, { [name]: (a) => tf.add(a, delta) }))(tf.zerosLike(A));
    const alpha = tf.mean(grad, [0, 1, 2]);
    const cam = tf.relu(tf.sum(tf.mul(A, alpha), -1)); // [1, gh, gw]
    const [, ih, iw] = x.shape;
    const up = tf.image.resizeBilinear(tf.expandDims(cam, -1) as tfjs.Tensor4D, [ih, iw], false, true);
    const mx = tf.max(up);
    const map = tf.div(up, tf.maximum(mx, 1e-12)).reshape([ih * iw]);
    return [cam, alpha, value, map] as const;
  });
  try {
    return {
      layer: name,
      cam: { height: gh, width: gw, channels: 1, data: Float32Array.from(camT.dataSync() as Float32Array) },
      map: Float32Array.from(mapT.dataSync() as Float32Array),
      weights: Float32Array.from(alphaT.dataSync() as Float32Array),
      score: scoreT.dataSync()[0],
    };
  } finally {
    tf.dispose([camT, alphaT, scoreT, mapT]);
  }
}
