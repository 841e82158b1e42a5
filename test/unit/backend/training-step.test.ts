/**
 * Whole training steps on wasm (with our kernels) against the CPU backend:
 * the gradients of every weight of small networks built with tf.layers, for
 * the layer kinds of our templates (conv, pooling, dense, BatchNorm in
 * training mode, residual add with a strided 1×1 projection, depthwise conv,
 * global average pooling). Same weights and data on both backends.
 * Tolerance: |wasm − cpu| ≤ 2e-4 · max(1, max|cpu|) per weight tensor (long
 * float32 chains summed in different orders).
 */
import * as tf from '@tensorflow/tfjs';
import type * as tfjs from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../engine/backend';

const TOL = 2e-4;

function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 31 - 1) * 0.5;
  }
  return out;
}

type Build = () => tfjs.LayersModel;
const NETS: { name: string; input: [number, number, number]; build: Build }[] = [
  {
    name: 'conv-pool-conv-pool-dense (the 28×28 template, smaller)',
    input: [12, 12, 1],
    build: () => tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [12, 12, 1], filters: 8, kernelSize: 3, activation: 'relu' }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.conv2d({ filters: 12, kernelSize: 3, activation: 'relu' }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 16, activation: 'relu' }),
        tf.layers.dense({ units: 5, activation: 'softmax' }),
      ],
    }),
  },
  {
    name: 'residual block with BatchNorm and strided projection, global average pool',
    input: [9, 9, 3],
    build: () => {
      const inp = tf.input({ shape: [9, 9, 3] });
      const c1 = tf.layers.conv2d({ filters: 6, kernelSize: 3, strides: 2, padding: 'same' }).apply(inp) as tfjs.SymbolicTensor;
      const b1 = tf.layers.batchNormalization().apply(c1) as tfjs.SymbolicTensor;
      const r1 = tf.layers.reLU().apply(b1) as tfjs.SymbolicTensor;
      const c2 = tf.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same' }).apply(r1) as tfjs.SymbolicTensor;
      const b2 = tf.layers.batchNormalization().apply(c2) as tfjs.SymbolicTensor;
      const proj = tf.layers.conv2d({ filters: 6, kernelSize: 1, strides: 2, padding: 'same' }).apply(inp) as tfjs.SymbolicTensor;
      const sum = tf.layers.add().apply([b2, proj]) as tfjs.SymbolicTensor;
      const r2 = tf.layers.reLU().apply(sum) as tfjs.SymbolicTensor;
      const gap = tf.layers.globalAveragePooling2d({}).apply(r2) as tfjs.SymbolicTensor;
      const out = tf.layers.dense({ units: 4, activation: 'softmax' }).apply(gap) as tfjs.SymbolicTensor;
      return tf.model({ inputs: inp, outputs: out });
    },
  },
  {
    name: 'depthwise + pointwise, average pooling',
    input: [10, 10, 4],
    build: () => tf.sequential({
      layers: [
        tf.layers.depthwiseConv2d({ inputShape: [10, 10, 4], kernelSize: 3, depthMultiplier: 2, padding: 'same', activation: 'relu' }),
        tf.layers.conv2d({ filters: 6, kernelSize: 1, activation: 'relu' }),
        tf.layers.averagePooling2d({ poolSize: 2 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    }),
  },
];

async function gradsOn(backend: 'cpu' | 'wasm', net: (typeof NETS)[number], weights: Float32Array[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const model = net.build();
  model.setWeights(weights.map((w, i) => tf.tensor(w, model.weights[i].shape as number[])));
  const B = 5;
  const x = tf.tensor4d(values(B * net.input.reduce((p, q) => p * q), 99), [B, ...net.input]);
  const classes = (model.outputs[0].shape[1] as number);
  const y = tf.oneHot(tf.tensor1d([0, 1, 2, 1, 0].map((v) => v % classes), 'int32'), classes);
  const { grads } = tf.variableGrads(() => tf.mean(tf.metrics.categoricalCrossentropy(y, model.apply(x, { training: true }) as tfjs.Tensor)) as tfjs.Scalar,
    model.trainableWeights.map((w) => (w as unknown as { val: tfjs.Variable }).val));
  const out = model.trainableWeights.map((w) => grads[(w as unknown as { val: tfjs.Variable }).val.name].dataSync() as Float32Array);
  tf.dispose(Object.values(grads));
  tf.dispose([x, y]);
  model.dispose();
  return out;
}

beforeAll(async () => {
  expect((await initBackend({ prefer: 'wasm', threads: 1 })).name).toBe('wasm');
});

describe('a training step on wasm matches the CPU backend', () => {
  it.each(NETS)('$name', async (net) => {
    await tf.setBackend('cpu');
    const probe = net.build();
    const weights = probe.weights.map((w, i) => {
      const n = w.shape.reduce((p, q) => (p as number) * (q as number), 1) as number;
      // BatchNorm's moving variance must stay positive; other weights are small random values.
      return w.name.includes('moving_variance') ? new Float32Array(n).fill(1) : values(n, 10 + i);
    });
    probe.dispose();
    const cpu = await gradsOn('cpu', net, weights);
    const wasm = await gradsOn('wasm', net, weights);
    expect(wasm.length).toBe(cpu.length);
    for (let k = 0; k < cpu.length; k++) {
      let scale = 1;
      for (const v of cpu[k]) scale = Math.max(scale, Math.abs(v));
      let worst = 0;
      for (let i = 0; i < cpu[k].length; i++) worst = Math.max(worst, Math.abs(wasm[k][i] - cpu[k][i]));
      expect(worst, `weight ${k}: worst error ${worst}`).toBeLessThanOrEqual(TOL * scale);
      // Guard against a vacuous comparison: gradients must not be all zero.
      expect(cpu[k].some((v) => v !== 0), `weight ${k} has a non-zero gradient`).toBe(true);
    }
  });
});
