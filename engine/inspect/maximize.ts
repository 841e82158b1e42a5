/**
 * What a channel looks for: an input image that makes the mean activation of
 * one channel of a layer large, found by gradient ascent from grey noise
 * (Erhan et al. 2009; regularised as in Yosinski et al. 2015 and Olah et al.
 * 2017): random jitter each step, a Gaussian blur every few steps and L2
 * decay toward grey keep the image from turning into high-frequency noise.
 */
import type * as tfjs from '@tensorflow/tfjs';
import { makeRng } from '../train/rng';
import { layerByName, layerOutputShape, modelInputShape, runGraph } from './run-graph';
import { InspectError, type LongRunOptions } from './types';

type TF = typeof tfjs;

/** Options of {@link maximizeChannel}. */
export interface MaximizeOptions extends LongRunOptions {
  /** Ascent steps (default 200; 1…500). */
  steps?: number;
  /** Step size: pixels move by about this much per step, the gradient being scaled to a mean magnitude of 1 (default 0.05). */
  learningRate?: number;
  /** Largest random shift per step, pixels (default: 1/16 of the image side, at least 1). */
  jitter?: number;
  /** Blur with a 3×3 Gaussian every this many steps (default 4; 0: never). */
  blurEvery?: number;
  /** L2 decay toward grey per step, fraction (default 0.01). */
  decay?: number;
  /** Seed for the start image and jitter (default 1). */
  seed?: number;
}

/** The result of {@link maximizeChannel}. */
export interface MaximizeResult {
  /** The image, HWC in [0, 1], of the network's input size. */
  pixels: Float32Array;
  shape: [number, number, number];
  /** Mean activation of the channel at the start and at the end. */
  startValue: number;
  endValue: number;
  steps: number;
}

/** Circular shift along height and width (what np.roll does), differentiable. */
function roll(tf: TF, x: tfjs.Tensor4D, dy: number, dx: number): tfjs.Tensor4D {
  const [, h, w] = x.shape;
  let t = x;
  const sy = ((dy % h) + h) % h;
  const sx = ((dx % w) + w) % w;
  if (sy) t = tf.concat([tf.slice(t, [0, h - sy, 0, 0], [-1, sy, -1, -1]), tf.slice(t, [0, 0, 0, 0], [-1, h - sy, -1, -1])], 1);
  if (sx) t = tf.concat([tf.slice(t, [0, 0, w - sx, 0], [-1, -1, sx, -1]), tf.slice(t, [0, 0, 0, 0], [-1, -1, w - sx, -1])], 2);
  return t;
}

/** Mean pre-activation of `channel` of the layer (over all positions). */
function objective(tf: TF, model: tfjs.LayersModel, x: tfjs.Tensor, layer: string, channel: number): tfjs.Scalar {
  // Before the activation: a channel that is off (ReLU) still has a gradient.
  const y = runGraph(tf, model, x, { until: layer, preActivation: true });
  const begin = y.rank === 4 ? [0, 0, 0, channel] : [0, channel];
  const size = y.rank === 4 ? [-1, -1, -1, 1] : [-1, 1];
  return tf.mean(tf.slice(y, begin, size)) as tfjs.Scalar;
}

/**
 * Gradient ascent on the input to maximise the mean of `channel` of layer
 * `layerName`. Reports progress after each step and stops (rejecting with
 * an InspectError of code 'cancelled') when `signal` aborts.
 */
export async function maximizeChannel(tf: TF, model: tfjs.LayersModel, layerName: string, channel: number, o: MaximizeOptions = {}): Promise<MaximizeResult> {
  layerByName(model, layerName);
  const shape = layerOutputShape(model, layerName);
  const channels = shape[shape.length - 1];
  if (!Number.isInteger(channel) || channel < 0 || channel >= channels)
    throw new InspectError(`channel ${channel} does not exist in layer '${layerName}', which has ${channels} (0 to ${channels - 1})`, 'unit');
  const steps = o.steps ?? 200;
  if (!Number.isInteger(steps) || steps < 1 || steps > 500) throw new InspectError(`steps must be a whole number from 1 to 500; got ${steps}`, 'options');
  const [h, w, c] = modelInputShape(model);
  const lr = o.learningRate ?? 0.05;
  const jitter = o.jitter ?? Math.max(1, Math.round(Math.min(h, w) / 16));
  const blurEvery = o.blurEvery ?? 4;
  const decay = o.decay ?? 0.01;
  const rand = makeRng(o.seed ?? 1);

  const start = new Float32Array(h * w * c);
  for (let i = 0; i < start.length; i++) start[i] = 0.5 + (rand() - 0.5) * 0.2;
  let x = tf.tensor4d(start, [1, h, w, c]);
  // 3×3 Gaussian (σ ≈ 0.8), applied per channel with a depthwise convolution.
  const g1 = [0.25, 0.5, 0.25];
  const blurK = tf.tensor4d(
    Array.from({ length: 9 * c }, (_, i) => {
      const k = Math.floor(i / c);
      return g1[Math.floor(k / 3)] * g1[k % 3];
    }),
    [3, 3, c, 1],
  );
  const grad = tf.grad((t: tfjs.Tensor) => objective(tf, model, t, layerName, channel));
  const value = (t: tfjs.Tensor) => tf.tidy(() => objective(tf, model, t, layerName, channel).dataSync()[0]);
  const startValue = value(x);
  try {
    for (let s = 0; s < steps; s++) {
      if (o.signal?.aborted) throw new InspectError('cancelled', 'cancelled');
      const dy = Math.round((rand() * 2 - 1) * jitter);
      const dx = Math.round((rand() * 2 - 1) * jitter);
      const next = tf.tidy(() => {
        // Ascend on the shifted image, shift the gradient back: the image may
        // not rely on exact pixel positions, which removes checkerboards.
        const g = roll(tf, grad(roll(tf, x, dy, dx)) as tfjs.Tensor4D, -dy, -dx);
        // Scale so each step moves pixels by about lr whatever the layer's units.
        const gn = tf.div(g, tf.add(tf.mean(tf.abs(g)), 1e-8));
        let y = tf.add(x, tf.mul(gn, lr)) as tfjs.Tensor4D;
        y = tf.add(tf.mul(tf.sub(y, 0.5), 1 - decay), 0.5) as tfjs.Tensor4D;
        if (blurEvery > 0 && (s + 1) % blurEvery === 0) y = tf.depthwiseConv2d(tf.pad(y, [[0, 0], [1, 1], [1, 1], [0, 0]], 0.5), blurK, 1, 'valid') as tfjs.Tensor4D;
        return tf.clipByValue(y, 0, 1) as tfjs.Tensor4D;
      });
      x.dispose();
      x = next;
      o.onProgress?.((s + 1) / steps, `step ${s + 1}/${steps}`);
      // Yield so a cancel (worker message, UI click) is seen between steps.
      await new Promise((r) => setTimeout(r, 0));
    }
    const endValue = value(x);
    return { pixels: Float32Array.from(x.dataSync() as Float32Array), shape: [h, w, c], startValue, endValue, steps };
  } finally {
    x.dispose();
    blurK.dispose();
  }
}
