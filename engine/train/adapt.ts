/**
 * Turns a batch of plain pixels into the network's input tensor, resizing and
 * converting channels when the dataset's images differ from the Input (the
 * "resize the data" / "convert channels" fixes of the compatibility check).
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { Shape } from '../core/shape';

type TF = typeof tfjs;

/** Why an image of shape `from` cannot be fed to an Input of shape `to`, or null when it can (possibly after adaptation). */
export function adaptProblem(from: Shape, to: Shape, adapt: boolean): string | null {
  if (to.length !== 3) return `the network's Input is ${to.join('×')}, not an image (height × width × channels)`;
  if (from.length !== 3) return `the dataset's images are ${from.join('×')}, not height × width × channels`;
  const same = from.every((d, i) => d === to[i]);
  if (same) return null;
  if (!adapt)
    return `the dataset's images are ${from.join('×')} but the network's Input is ${to.join('×')}; resize the data to the Input or change the Input to ${from.join('×')}`;
  const okCh = from[2] === to[2] || (from[2] === 1 && to[2] === 3) || (from[2] === 3 && to[2] === 1);
  if (!okCh) return `cannot convert images with ${from[2]} channels to ${to[2]} channels (only 1↔3 is supported); change the Input's channels to ${from[2]}`;
  return null;
}

/**
 * NHWC tensor for the model from a batch of `n` images of shape `from`,
 * resized (bilinear) to `to` and converted 1→3 (grey repeated) or 3→1
 * (ITU-R BT.601 luma, as image libraries do) when they differ.
 */
export function toInputTensor(tf: TF, xs: Float32Array, from: Shape, to: Shape): tfjs.Tensor4D {
  return tf.tidy(() => {
    const [h, w, c] = from;
    const n = Math.floor(xs.length / (h * w * c));
    let t = tf.tensor4d(xs, [n, h, w, c]);
    if (h !== to[0] || w !== to[1]) t = tf.image.resizeBilinear(t, [to[0], to[1]]);
    if (c === 1 && to[2] === 3) t = tf.tile(t, [1, 1, 1, 3]);
    else if (c === 3 && to[2] === 1) t = tf.sum(tf.mul(t, tf.tensor1d([0.299, 0.587, 0.114])), 3, true);
    return t as tfjs.Tensor4D;
  });
}
