/**
 * Inference-mode BatchNorm on wasm (our SIMD FusedBatchNorm, batch-norm.ts)
 * against the CPU backend's tf.batchNorm.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../engine/backend';

const rand = (n: number, seed: number, lo = -2, hi = 2) => {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * (hi - lo) + lo);
};

async function on(backend: 'wasm' | 'cpu', f: () => tf.Tensor): Promise<Float32Array> {
  await tf.setBackend(backend);
  const t = f();
  const v = (await t.data()) as Float32Array;
  t.dispose();
  return v;
}

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', threads: 1 });
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('FusedBatchNorm on wasm', () => {
  const cases: [number[], boolean, boolean, number][] = [
    [[2, 5, 5, 4], true, true, 1e-3],
    [[3, 4, 7, 5], true, true, 1e-5],
    [[1, 8, 8, 16], false, true, 1e-3],
    [[2, 3, 3, 64], true, false, 0.1],
    [[7, 33], true, true, 1e-3],
    [[2, 6, 6, 3], true, true, 1e-3], // fewer than 4 channels: the shipped kernel
    [[0, 4, 4, 8], true, true, 1e-3],
  ];
  for (const [shape, withOffset, withScale, eps] of cases) {
    it(`${shape.join('×')}${withOffset ? '' : ', no offset'}${withScale ? '' : ', no scale'}, eps ${eps}`, async () => {
      const C = shape[shape.length - 1];
      const n = shape.reduce((p, q) => p * q, 1);
      const make = () =>
        tf.tidy(() =>
          tf.batchNorm(
            tf.tensor(rand(n, 1, -3, 5), shape),
            tf.tensor1d(rand(C, 2, -1, 2)),
            tf.tensor1d(rand(C, 3, 0.1, 3)),
            withOffset ? tf.tensor1d(rand(C, 4)) : undefined,
            withScale ? tf.tensor1d(rand(C, 5, 0.5, 2)) : undefined,
            eps,
          ),
        );
      const want = await on('cpu', make);
      const got = await on('wasm', make);
      expect(got.length).toBe(want.length);
      for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThan(1e-5 * (1 + Math.abs(want[i])));
    });
  }

  it('a BatchNormalization layer predicts the same on wasm as on cpu after its statistics moved', async () => {
    const build = () => {
      const m = tf.sequential({ layers: [tf.layers.batchNormalization({ inputShape: [4, 4, 6] })] });
      m.setWeights([tf.tensor1d(rand(6, 7, 0.5, 2)), tf.tensor1d(rand(6, 8)), tf.tensor1d(rand(6, 9)), tf.tensor1d(rand(6, 10, 0.2, 2))]);
      return m;
    };
    const x = rand(2 * 4 * 4 * 6, 11);
    const run = () => {
      const m = build();
      const y = tf.tidy(() => m.predict(tf.tensor4d(x, [2, 4, 4, 6])) as tf.Tensor);
      m.dispose();
      return y;
    };
    const want = await on('cpu', run);
    const got = await on('wasm', run);
    for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i], 4);
  });
});
