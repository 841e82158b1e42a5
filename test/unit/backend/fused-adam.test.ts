/**
 * The fused Adam update on wasm against tf.train.adam on the CPU backend:
 * same initial weights, same gradients (a small conv net, several steps), the
 * weights after each step must agree. Tolerance: 1e-5 · max(1, |w|) per
 * weight after 5 steps (float32 rounding of the same formula).
 */
import * as tf from '@tensorflow/tfjs';
import type * as tfjs from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../engine/backend';
import { FusedAdamOptimizer, createAdam } from '../../../engine/backend/fused-adam';

function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 31 - 1) * 0.3;
  }
  return out;
}

const build = () => tf.sequential({
  layers: [
    tf.layers.conv2d({ inputShape: [8, 8, 2], filters: 4, kernelSize: 3, activation: 'relu' }),
    tf.layers.flatten(),
    tf.layers.dense({ units: 3, activation: 'softmax' }),
  ],
});

async function train(backend: 'cpu' | 'wasm', fused: boolean, steps: number): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const model = build();
  model.setWeights(model.weights.map((w, i) => tf.tensor(values(w.shape.reduce((p, q) => (p as number) * (q as number), 1) as number, i + 1), w.shape as number[])));
  const opt = fused ? createAdam(tf, 0.01) : tf.train.adam(0.01);
  const x = tf.tensor4d(values(6 * 8 * 8 * 2, 50), [6, 8, 8, 2]);
  const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32'), 3);
  for (let s = 0; s < steps; s++) {
    const loss = opt.minimize(() => tf.mean(tf.metrics.categoricalCrossentropy(y, model.apply(x, { training: true }) as tfjs.Tensor)) as tfjs.Scalar, true);
    loss?.dispose();
  }
  const out = model.getWeights().map((w) => w.dataSync() as Float32Array);
  tf.dispose([x, y]);
  opt.dispose();
  model.dispose();
  return out;
}

beforeAll(async () => {
  expect((await initBackend({ prefer: 'wasm', threads: 1 })).name).toBe('wasm');
});

describe('fused Adam', () => {
  it('is a tf.AdamOptimizer with the same config', () => {
    const o = createAdam(tf, 0.003, 0.8, 0.95, 1e-6);
    expect(o).toBeInstanceOf(FusedAdamOptimizer);
    expect(o).toBeInstanceOf(tf.AdamOptimizer);
    expect(o.getConfig()).toEqual(tf.train.adam(0.003, 0.8, 0.95, 1e-6).getConfig());
  });

  it('trains to the same weights as tf.train.adam on the CPU backend', async () => {
    const ref = await train('cpu', false, 5);
    const got = await train('wasm', true, 5);
    const start = await train('cpu', false, 0);
    for (let k = 0; k < ref.length; k++) {
      let moved = false;
      for (let i = 0; i < ref[k].length; i++) {
        expect(Math.abs(got[k][i] - ref[k][i]), `weight ${k}[${i}]`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(ref[k][i])));
        if (Math.abs(ref[k][i] - start[k][i]) > 1e-4) moved = true;
      }
      // The comparison is not vacuous: training moved every weight tensor.
      expect(moved, `weight ${k} moved`).toBe(true);
    }
  });

  it('leaks no tensors across steps', async () => {
    await tf.setBackend('wasm');
    const model = build();
    const opt = createAdam(tf, 0.01);
    const x = tf.ones([2, 8, 8, 2]);
    const y = tf.oneHot(tf.tensor1d([0, 1], 'int32'), 3);
    const step = () => opt.minimize(() => tf.mean(tf.metrics.categoricalCrossentropy(y, model.apply(x) as tfjs.Tensor)) as tfjs.Scalar, true)?.dispose();
    step();
    const n = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(n);
    tf.dispose([x, y]);
    opt.dispose();
    model.dispose();
  });
});
