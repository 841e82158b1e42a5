/**
 * Shared helpers of the backend kernel tests: deterministic inputs, running
 * the same computation on two backends, and the element-wise comparison with
 * a tolerance relative to the reference's scale.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';

/** Deterministic values in [-1, 1) (an LCG), so both backends see the same inputs. */
export function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** Number of elements of a shape. */
export const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Runs fn on the given backend (in a tidy) and returns plain arrays: nothing stays allocated. */
export async function onBackend(backend: 'cpu' | 'wasm', fn: () => tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const ts = tf.tidy(fn);
  const out = ts.map((t) => t.dataSync() as Float32Array);
  tf.dispose(ts);
  return out;
}

/** The largest |actual − expected| (NaN counts as the worst) and the scale max(1, max|expected|). */
export function worstError(actual: ArrayLike<number>, expected: ArrayLike<number>): { worst: number; at: number; scale: number } {
  let scale = 1;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  let worst = 0;
  let at = -1;
  for (let i = 0; i < expected.length; i++) {
    const e = Math.abs(actual[i] - expected[i]);
    if (!(e <= worst)) {
      worst = e;
      at = i;
    }
  }
  return { worst, at, scale };
}

/** Same length, and every element within tol · max(1, max|expected|). */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, tol: number): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  const { worst, at, scale } = worstError(actual, expected);
  expect(worst, `${what}: worst error ${worst} at ${at} (scale ${scale})`).toBeLessThanOrEqual(tol * scale);
}
