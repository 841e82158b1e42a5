/**
 * The wasm kernels we replace with faster forms (BatchMatMul with transposes,
 * MaxPoolGrad, AvgPoolGrad, Sum over leading axes), checked against the CPU
 * backend on the same inputs, through the public ops and tf.grad.
 * Tolerance: |wasm − cpu| ≤ 1e-4 · max(1, max|cpu|) per element (float32 sums
 * in a different order); pooling gradients route dy to the same cells, so
 * they must agree to that tolerance too, ties included.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../engine/backend';

const TOL = 1e-4;

function expectClose(actual: Float32Array, expected: Float32Array, what: string) {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let scale = 1;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  let at = -1;
  for (let i = 0; i < expected.length; i++) {
    const e = Math.abs(actual[i] - expected[i]);
    if (!(e <= worst)) { worst = e; at = i; }
  }
  expect(worst, `${what}: worst error ${worst} at ${at}`).toBeLessThanOrEqual(TOL * scale);
}

function values(n: number, seed: number, quantize = false): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const v = s / 2 ** 31 - 1;
    // Quantized values make ties within pooling windows common.
    out[i] = quantize ? Math.round(v * 2) / 2 : v;
  }
  return out;
}

async function both(fn: () => tf.Tensor[]): Promise<[Float32Array[], Float32Array[]]> {
  const run = async (name: string) => {
    await tf.setBackend(name);
    const ts = tf.tidy(fn);
    const out = ts.map((t) => t.dataSync() as Float32Array);
    tf.dispose(ts);
    return out;
  };
  return [await run('wasm'), await run('cpu')];
}

beforeAll(async () => {
  expect((await initBackend({ prefer: 'wasm', threads: 1 })).name).toBe('wasm');
});

describe('BatchMatMul', () => {
  const CASES: { name: string; a: number[]; b: number[]; tA: boolean; tB: boolean }[] = [
    { name: 'plain 2-D', a: [5, 7], b: [7, 3], tA: false, tB: false },
    { name: 'Aᵀ·B (dense weight gradient)', a: [9, 5], b: [9, 4], tA: true, tB: false },
    { name: 'A·Bᵀ (dense input gradient)', a: [6, 4], b: [5, 4], tA: false, tB: true },
    { name: 'Aᵀ·Bᵀ', a: [4, 6], b: [3, 4], tA: true, tB: true },
    { name: 'batch of A, shared B', a: [3, 5, 4], b: [4, 6], tA: false, tB: false },
    { name: 'batch of A, shared Bᵀ', a: [2, 5, 4], b: [1, 6, 4], tA: false, tB: true },
    { name: 'batch of Aᵀ (generic path)', a: [2, 4, 5], b: [2, 4, 3], tA: true, tB: false },
    { name: 'odd large', a: [65, 130], b: [65, 33], tA: true, tB: false },
    // (op(B)ᵀ·op(A)ᵀ)ᵀ moves fewer elements here (large B, small A and result):
    { name: 'dy·Wᵀ of a wide dense layer (swapped form)', a: [7, 9], b: [130, 9], tA: false, tB: true },
    { name: 'batch of A, large shared Bᵀ (swapped form)', a: [2, 3, 8], b: [41, 8], tA: false, tB: true },
    { name: 'Aᵀ·Bᵀ, large B (swapped form)', a: [8, 3], b: [45, 8], tA: true, tB: true },
    { name: 'Aᵀ·B, large A (SIMD transpose, edge rows/columns)', a: [67, 130], b: [67, 5], tA: true, tB: false },
    // Above GEMM_MIN_MACS: our SIMD tiles (row/column remainders, reduction chunks of 256).
    { name: 'GEMM A·B', a: [70, 300], b: [300, 45], tA: false, tB: false },
    { name: 'GEMM Aᵀ·B (strided A)', a: [300, 70], b: [300, 45], tA: true, tB: false },
    { name: 'GEMM A·Bᵀ (B transposed first)', a: [70, 300], b: [45, 300], tA: false, tB: true },
    { name: 'GEMM A·Bᵀ, large B (swapped form)', a: [20, 300], b: [500, 300], tA: false, tB: true },
    { name: 'GEMM Aᵀ·Bᵀ, large B (swapped form)', a: [300, 20], b: [500, 300], tA: true, tB: true },
    { name: 'GEMM batch of A, shared B', a: [3, 40, 300], b: [300, 50], tA: false, tB: false },
    { name: 'GEMM batch of A, large shared Bᵀ', a: [2, 30, 300], b: [500, 300], tA: false, tB: true },
  ];
  it.each(CASES)('$name', async (c) => {
    const av = values(c.a.reduce((p, q) => p * q), 1);
    const bv = values(c.b.reduce((p, q) => p * q), 2);
    const [w, cpu] = await both(() => [tf.matMul(tf.tensor(av, c.a), tf.tensor(bv, c.b), c.tA, c.tB)]);
    expectClose(w[0], cpu[0], 'product');
  });
  it('keeps the output shape of the shipped kernel', async () => {
    await tf.setBackend('wasm');
    const y = tf.matMul(tf.ones([2, 5, 4]), tf.ones([1, 6, 4]), false, true);
    expect(y.shape).toEqual([2, 5, 6]);
    y.dispose();
  });
});

describe('pooling gradients', () => {
  const CASES: { name: string; x: [number, number, number, number]; f: number | [number, number]; s: number | [number, number]; pad: 'same' | 'valid' }[] = [
    { name: '2×2 stride 2 valid, even', x: [2, 8, 8, 3], f: 2, s: 2, pad: 'valid' },
    { name: '2×2 stride 2 valid, odd (last row dropped)', x: [2, 9, 7, 2], f: 2, s: 2, pad: 'valid' },
    { name: '2×2 stride 2 same, odd (padded)', x: [2, 9, 7, 2], f: 2, s: 2, pad: 'same' },
    { name: '3×3 stride 2 same (overlapping windows)', x: [3, 10, 9, 4], f: 3, s: 2, pad: 'same' },
    { name: '3×3 stride 1 valid (heavy overlap)', x: [1, 7, 7, 5], f: 3, s: 1, pad: 'valid' },
    { name: '3×2 window, strides 1×2, same', x: [2, 6, 7, 1], f: [3, 2], s: [1, 2], pad: 'same' },
  ];
  it.each(CASES)('max pool: $name (ties included)', async (c) => {
    const xv = values(c.x.reduce((p, q) => p * q), 3, true);
    const [w, cpu] = await both(() => {
      const x = tf.tensor4d(xv, c.x);
      const y = tf.maxPool(x, c.f, c.s, c.pad);
      const wts = tf.tensor(values(y.size, 4), y.shape);
      return [tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, c.f, c.s, c.pad), wts)))(x)];
    });
    expectClose(w[0], cpu[0], 'dx');
  });
  it.each(CASES)('avg pool: $name', async (c) => {
    const xv = values(c.x.reduce((p, q) => p * q), 5);
    const [w, cpu] = await both(() => {
      const x = tf.tensor4d(xv, c.x);
      const y = tf.avgPool(x, c.f, c.s, c.pad);
      const wts = tf.tensor(values(y.size, 6), y.shape);
      return [tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.avgPool(t as tf.Tensor4D, c.f, c.s, c.pad), wts)))(x)];
    });
    expectClose(w[0], cpu[0], 'dx');
  });
});

describe('Sum and Mean', () => {
  const CASES: { name: string; shape: number[]; axis: number | number[] | undefined; keepDims: boolean }[] = [
    { name: 'bias gradient [N,H,W,C] over 0,1,2', shape: [4, 5, 6, 7], axis: [0, 1, 2], keepDims: false },
    { name: 'dense bias gradient over 0', shape: [33, 10], axis: 0, keepDims: false },
    { name: 'leading axes, keepDims', shape: [3, 4, 5], axis: [1, 0], keepDims: true },
    { name: 'inner axis (shipped path)', shape: [3, 4, 5], axis: -1, keepDims: false },
    { name: 'all axes (shipped path)', shape: [3, 4, 5], axis: undefined, keepDims: false },
    { name: 'middle axis (shipped path)', shape: [3, 4, 5], axis: 1, keepDims: true },
  ];
  it.each(CASES)('$name', async (c) => {
    const xv = values(c.shape.reduce((p, q) => p * q), 7);
    const [w, cpu] = await both(() => [tf.sum(tf.tensor(xv, c.shape), c.axis, c.keepDims), tf.mean(tf.tensor(xv, c.shape), c.axis, c.keepDims)]);
    expectClose(w[0], cpu[0], 'sum');
    expectClose(w[1], cpu[1], 'mean');
    await tf.setBackend('wasm');
    const shapeW = tf.tidy(() => tf.sum(tf.tensor(xv, c.shape), c.axis, c.keepDims).shape);
    await tf.setBackend('cpu');
    const shapeC = tf.tidy(() => tf.sum(tf.tensor(xv, c.shape), c.axis, c.keepDims).shape);
    expect(shapeW).toEqual(shapeC);
  });
});

describe('Identity', () => {
  it('clones share data without copying, and each side can be disposed independently', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const ids0 = backend.numDataIds();
    const a = tf.tensor([1, 2, 3, 4], [2, 2]);
    const c = tf.clone(a);
    expect(backend.numDataIds()).toBe(ids0 + 1);
    a.dispose();
    expect(Array.from(c.dataSync())).toEqual([1, 2, 3, 4]);
    c.dispose();
    expect(backend.numDataIds()).toBe(ids0);
  });
  it('gradients that pass through Identity (Cast to the same dtype) match CPU', async () => {
    const xv = values(24, 9);
    const [w, cpu] = await both(() => [tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.cast(t, 'float32'), tf.cast(t, 'float32'))))(tf.tensor(xv, [4, 6]))]);
    expectClose(w[0], cpu[0], 'grad');
  });
});

describe('Cast', () => {
  it('to the same dtype shares the data; each side can be disposed independently', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const ids0 = backend.numDataIds();
    const a = tf.tensor([1.5, -2, 3, 4], [2, 2]);
    const c = tf.cast(a, 'float32');
    expect(c.dtype).toBe('float32');
    expect(backend.numDataIds()).toBe(ids0 + 1);
    a.dispose();
    expect(Array.from(c.dataSync())).toEqual([1.5, -2, 3, 4]);
    c.dispose();
    expect(backend.numDataIds()).toBe(ids0);
  });
  it('to other dtypes converts as on the CPU backend', async () => {
    const xv = Float32Array.from([1.7, -2.2, 0, 3.5, -0.4, 9]);
    const [w, cpu] = await both(() => [tf.cast(tf.cast(tf.tensor(xv), 'int32'), 'float32'), tf.cast(tf.tensor(Int32Array.from([3, -1, 7]), [3], 'int32'), 'int32')]);
    w.forEach((v, i) => expectClose(v, cpu[i], `cast ${i}`));
  });
  it('to bool is x ≠ 0, as on the CPU backend (the shipped wasm kernel made −2.2 into 254 and 256 into 0)', async () => {
    const xv = Float32Array.from([1.7, -2.2, 0, -0, 256, 0.25, NaN, -Infinity]);
    const iv = Int32Array.from([0, -1, 256, 512, 7]);
    const run = () => [tf.cast(tf.tensor(xv), 'bool'), tf.cast(tf.tensor(iv, [5], 'int32'), 'bool')];
    await tf.setBackend('wasm');
    const w = tf.tidy(() => run().map((t) => Array.from(t.dataSync())));
    await tf.setBackend('cpu');
    const cpu = tf.tidy(() => run().map((t) => Array.from(t.dataSync())));
    expect(w).toEqual(cpu);
    expect(w).toEqual([[1, 1, 0, 0, 1, 1, 1, 1], [0, 1, 1, 1, 1]]);
    await tf.setBackend('wasm');
    // And back to numbers: ones, not the byte values.
    const back = tf.tidy(() => Array.from(tf.cast(tf.cast(tf.tensor([-2.2, 3]), 'bool'), 'float32').dataSync()));
    expect(back).toEqual([1, 1]);
  });
});

describe('Tile', () => {
  const CASES: { name: string; shape: number[]; reps: number[]; dtype?: 'float32' | 'int32' | 'bool' }[] = [
    { name: 'BatchNorm broadcast [1,1,1,C] → [N,H,W,C]', shape: [1, 1, 1, 5], reps: [3, 4, 6, 1] },
    { name: 'inner repetition', shape: [2, 3], reps: [1, 4] },
    { name: 'every axis', shape: [2, 3, 2], reps: [3, 2, 5] },
    { name: 'rank 1', shape: [7], reps: [3] },
    { name: 'no repetition', shape: [2, 2, 2], reps: [1, 1, 1] },
    { name: 'odd repetition counts (doubling remainder)', shape: [1, 3], reps: [7, 5] },
    { name: 'int32', shape: [2, 2], reps: [3, 2], dtype: 'int32' },
    { name: 'bool', shape: [2, 1], reps: [2, 3], dtype: 'bool' },
  ];
  it.each(CASES)('$name', async (c) => {
    const n = c.shape.reduce((p, q) => p * q, 1);
    const raw = values(n, 11);
    const [w, cpu] = await both(() => {
      const t = c.dtype === 'int32' ? tf.tensor(Int32Array.from(raw, (v) => Math.round(v * 100)), c.shape, 'int32')
        : c.dtype === 'bool' ? tf.tensor(Uint8Array.from(raw, (v) => (v > 0 ? 1 : 0)), c.shape, 'bool')
        : tf.tensor(raw, c.shape);
      return [tf.cast(tf.tile(t, c.reps), 'float32')];
    });
    expectClose(w[0], cpu[0], 'tile');
  });
});
