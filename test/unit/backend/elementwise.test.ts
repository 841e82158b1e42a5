/**
 * The element-wise / reduction SIMD loops (engine/backend/kernels/
 * elementwise-simd.ts) and the kernels built on them, against independent
 * references:
 * - ReLU's gradient (CnnReluGrad, wasm and cpu) against tfjs's own formula
 *   mul(dy, cast(step(x))) on the CPU backend — bit for bit, special values
 *   (NaN, ±Inf, ±0) included;
 * - Sum/Mean over leading axes and 2×2 MaxPoolGrad with ≥ 4 channels (the
 *   SIMD paths; fast-paths.test.ts covers the narrow JS ones) against the CPU
 *   backend: |wasm − cpu| ≤ 1e-5 · max(1, max|cpu|);
 * - the fused Adam kernel against tf.train.adam's update on the CPU backend;
 * - every loop on a shared WebAssembly.Memory (the threaded build) against
 *   plain JS loops;
 * - with the switch off (CNN_WASM_ELEMENTWISE=0) the same results.
 */
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../engine/backend';
import { FUSED_ADAM_KERNEL } from '../../../engine/backend/fused-adam';
import {
  blockBytesFor, colSlot, elementwiseSimdFor, setElementwiseEnabled,
} from '../../../engine/backend/kernels/elementwise-simd';
import { RELU_GRAD_KERNEL } from '../../../engine/backend/kernels/relu-grad';

const TOL = 1e-5;

function expectClose(actual: Float32Array, expected: Float32Array, what: string, tol = TOL) {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let scale = 1;
  for (const v of expected) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  let at = -1;
  for (let i = 0; i < expected.length; i++) {
    if (Number.isNaN(expected[i]) || !Number.isFinite(expected[i])) {
      expect(Object.is(actual[i], expected[i]) || (Number.isNaN(actual[i]) && Number.isNaN(expected[i])), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`).toBe(true);
      continue;
    }
    const e = Math.abs(actual[i] - expected[i]);
    if (!(e <= worst)) { worst = e; at = i; }
  }
  expect(worst, `${what}: worst error ${worst} at ${at}`).toBeLessThanOrEqual(tol * scale);
}

/** Bit-exact equality (NaN equals NaN; +0 and −0 both count as zero, as the tfjs formula may produce either). */
function expectSame(actual: Float32Array, expected: Float32Array, what: string) {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const ok = actual[i] === expected[i] || (Number.isNaN(actual[i]) && Number.isNaN(expected[i]));
    if (!ok) expect(`${what}[${i}] = ${actual[i]}`).toBe(`${what}[${i}] = ${expected[i]}`);
  }
}

function values(n: number, seed: number, quantize = false): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const v = s / 2 ** 31 - 1;
    out[i] = quantize ? Math.round(v * 2) / 2 : v;
  }
  return out;
}

async function on<T>(backend: 'wasm' | 'cpu', fn: () => tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const ts = tf.tidy(fn);
  const out = ts.map((t) => t.dataSync() as Float32Array);
  tf.dispose(ts);
  return out;
}

/** With our SIMD loops (on) and with the JS fallbacks / tfjs formula (off). */
const MODES = [{ mode: 'SIMD on', on: true }, { mode: 'switched off', on: false }];

beforeAll(async () => {
  expect((await initBackend({ prefer: 'wasm', threads: 1 })).name).toBe('wasm');
});

afterEach(() => setElementwiseEnabled(null));

describe('ReLU gradient', () => {
  const special = [0, -0, 1e-30, -1e-30, NaN, Infinity, -Infinity, 3, -3];
  const SHAPES = [[7], [4, 4], [2, 5, 5, 3], [3, 6, 6, 16]];
  it('is registered as a kernel on wasm and cpu', () => {
    expect(tf.getKernel(RELU_GRAD_KERNEL, 'wasm')).toBeTruthy();
    expect(tf.getKernel(RELU_GRAD_KERNEL, 'cpu')).toBeTruthy();
  });
  it.each(MODES.flatMap((m) => SHAPES.map((shape) => ({ ...m, shape }))))('tf.grad(relu), $mode, shape $shape: equals tfjs\'s mul(dy, step(x)) on cpu', async ({ on: enabled, shape }) => {
    setElementwiseEnabled(enabled);
    const n = shape.reduce((p, q) => p * q, 1);
    const xv = values(n, 3);
    const dyv = values(n, 4);
    // Special values in both operands (Inf·0 = NaN, NaN propagation, ±0).
    for (let i = 0; i < Math.min(n, special.length); i++) xv[i] = special[i];
    for (let i = 0; i < Math.min(n, special.length); i++) dyv[(i * 5) % n] = special[(i + 4) % special.length];
    const fn = () => {
      const x = tf.tensor(xv, shape);
      const dy = tf.tensor(dyv, shape);
      return [tf.grad((t: tf.Tensor) => tf.relu(t), )(x, dy)];
    };
    const ref = await on('cpu', () => [tf.mul(tf.tensor(dyv, shape), tf.cast(tf.step(tf.tensor(xv, shape)), 'float32'))]);
    const [w] = await on('wasm', fn);
    const [c] = await on('cpu', fn);
    expectSame(w, ref[0], 'wasm dx');
    expectSame(c, ref[0], 'cpu dx');
  });
  it('runs one kernel per ReLU on wasm (no Step/Cast/Multiply)', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor(values(64, 5), [4, 16]);
    const prof = await tf.profile(() => tf.grad((t: tf.Tensor) => tf.relu(t))(x));
    const names = prof.kernels.map((k) => k.name);
    expect(names).toContain(RELU_GRAD_KERNEL);
    expect(names).not.toContain('Step');
    prof.result;
    tf.dispose([x, prof.result as tf.Tensor]);
  });
  it('second-order gradient matches tfjs\'s formula', async () => {
    const xv = values(12, 8);
    const vv = values(12, 9);
    const f = (x: tf.Tensor) => tf.sum(tf.mul(tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.relu(t), t)))(x), tf.tensor(vv)));
    const [ours] = await on('wasm', () => [tf.grad(f)(tf.tensor(xv))]);
    setElementwiseEnabled(false);
    const [theirs] = await on('cpu', () => [tf.grad(f)(tf.tensor(xv))]);
    expectClose(ours, theirs, 'd²');
  });
  it('rejects mismatched inputs with a clear message', async () => {
    await tf.setBackend('wasm');
    expect(() => tf.engine().runKernel(RELU_GRAD_KERNEL, { dy: tf.ones([2, 3]), x: tf.ones([3, 2]) })).toThrow(/dy shape \[2,3\] must equal x shape \[3,2\]/);
  });
});

describe('Sum and Mean over leading axes (SIMD column sums)', () => {
  const CASES: { shape: number[]; axis: number[]; keepDims: boolean }[] = [
    { shape: [64, 8, 8, 16], axis: [0, 1, 2], keepDims: false }, // many cache blocks
    { shape: [5, 7, 9, 6], axis: [0, 1, 2], keepDims: true }, // C = 6: overlapping last group
    { shape: [33, 4], axis: [0], keepDims: false },
    { shape: [17, 3, 130], axis: [0, 1], keepDims: false }, // wide rows (one row per block)
    { shape: [2, 5000], axis: [0], keepDims: false }, // rows wider than a block
  ];
  it.each(MODES.flatMap((m) => CASES.map((c) => ({ ...m, ...c }))))('$mode: $shape over $axis', async (c) => {
    setElementwiseEnabled(c.on);
    const xv = values(c.shape.reduce((p, q) => p * q, 1), 7);
    // A large common offset makes cancellation visible if the sums were float32.
    for (let i = 0; i < xv.length; i++) xv[i] += 100;
    const fn = () => [tf.sum(tf.tensor(xv, c.shape), c.axis, c.keepDims), tf.mean(tf.tensor(xv, c.shape), c.axis, c.keepDims)];
    const [w, cpu] = [await on('wasm', fn), await on('cpu', fn)];
    expectClose(w[0], cpu[0], 'sum');
    expectClose(w[1], cpu[1], 'mean');
  });
});

describe('MaxPoolGrad 2×2 stride 2 (SIMD, ≥ 4 channels)', () => {
  const SHAPES: [number, number, number, number][] = [[2, 8, 8, 4], [3, 9, 7, 6], [2, 26, 26, 32], [1, 11, 11, 64], [2, 4, 5, 5]];
  it.each(MODES.flatMap((m) => SHAPES.map((shape) => ({ ...m, shape }))))('$mode: $shape (ties, −Inf and NaN included)', async ({ on: enabled, shape }) => {
    setElementwiseEnabled(enabled);
    const n = shape.reduce((p, q) => p * q, 1);
    const xv = values(n, 3, true);
    for (let i = 0; i < n; i += 37) xv[i] = -Infinity;
    for (let i = 11; i < n; i += 101) xv[i] = NaN;
    const fn = () => {
      const x = tf.tensor4d(xv, shape);
      const y = tf.maxPool(x, 2, 2, 'valid');
      const wts = tf.tensor(values(y.size, 4), y.shape);
      return [tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid'), wts)))(x)];
    };
    const [w, cpu] = [await on('wasm', fn), await on('cpu', fn)];
    expectClose(w[0], cpu[0], 'dx');
  });
});

describe('fused Adam kernel', () => {
  it.each(MODES.flatMap((m) => [[5], [16], [3, 3, 8, 7], [1027]].map((shape) => ({ ...m, shape }))))('$mode: shape $shape equals tf.train.adam\'s update on cpu', async ({ on: enabled, shape }) => {
    setElementwiseEnabled(enabled);
    const n = shape.reduce((p, q) => p * q, 1);
    const [wv, gv, mv] = [values(n, 1), values(n, 2), values(n, 3).map((v) => v * 0.1)];
    const vv = values(n, 4).map((v) => v * v * 0.01);
    const [lr, b1, b2, eps] = [0.01, 0.9, 0.999, 1e-7];
    const [acc1, acc2] = [b1 ** 3, b2 ** 3];
    // tfjs's AdamOptimizer.applyGradients, op for op, on the CPU backend.
    const ref = await on('cpu', () => {
      const [w, g, m, v] = [tf.tensor(wv, shape), tf.tensor(gv, shape), tf.tensor(mv, shape), tf.tensor(vv, shape)];
      const m2 = tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1));
      const v2 = tf.add(tf.mul(v, b2), tf.mul(tf.square(g), 1 - b2));
      const mh = tf.div(m2, 1 - acc1);
      const vh = tf.div(v2, 1 - acc2);
      return [tf.add(tf.mul(tf.div(mh, tf.add(tf.sqrt(vh), eps)), -lr), w), m2, v2];
    });
    const ours = await on('wasm', () => tf.engine().runKernel(FUSED_ADAM_KERNEL,
      { w: tf.tensor(wv, shape), g: tf.tensor(gv, shape), m: tf.tensor(mv, shape), v: tf.tensor(vv, shape) },
      { learningRate: lr, beta1: b1, beta2: b2, epsilon: eps, oneMinusAccBeta1: 1 - acc1, oneMinusAccBeta2: 1 - acc2 }) as tf.Tensor[]);
    expectClose(ours[0], ref[0], 'w', 1e-6);
    expectClose(ours[1], ref[1], 'm', 1e-6);
    expectClose(ours[2], ref[2], 'v', 1e-6);
  });
});

describe('the loops on a shared memory (threaded build)', () => {
  const shared = typeof SharedArrayBuffer !== 'undefined';
  it.runIf(shared)('reluGrad, colSum, adam and maxPoolGrad2x2 agree with JS loops', () => {
    const mem = new WebAssembly.Memory({ initial: 4, maximum: 16, shared: true } as WebAssembly.MemoryDescriptor);
    expect(mem.buffer).toBeInstanceOf(SharedArrayBuffer);
    const simd = elementwiseSimdFor(mem);
    expect(simd).not.toBeNull();
    const f = new Float32Array(mem.buffer);
    // reluGrad over 64 floats at offsets 0 (dy), 256 (x) → 512 (dx)
    const dy = values(64, 1);
    const x = values(64, 2);
    f.set(dy, 0);
    f.set(x, 64);
    simd!.reluGrad(0, 256, 512, 256);
    for (let i = 0; i < 64; i++) expect(f[128 + i]).toBe(Math.fround(dy[i] * (x[i] > 0 ? 1 : 0)));
    // colSum of a [40, 6] matrix at 1024 → f64 accumulators at 4096
    const M = 40;
    const C = 6;
    const xs = values(M * C, 3);
    f.set(xs, 256);
    new Float64Array(mem.buffer, 4096, 8).fill(0);
    simd!.colSum(1024, M, 4 * C, blockBytesFor(4 * C), 4096);
    const acc = new Float64Array(mem.buffer, 4096, 8);
    for (let c = 0; c < C; c++) {
      let t = 0;
      for (let r = 0; r < M; r++) t += xs[r * C + c];
      expect(acc[colSlot(c, C)]).toBeCloseTo(t, 10);
    }
    // adam over 8 floats: w,g,m,v at 8192.. (8 floats apart), outputs after
    const base = 2048;
    const ins = [values(8, 4), values(8, 5), values(8, 6), values(8, 7).map((v) => v * v)];
    ins.forEach((a, i) => f.set(a, base + 8 * i));
    const o = (i: number) => 4 * (base + 8 * i);
    simd!.adam(o(0), o(1), o(2), o(3), o(4), o(5), o(6), 32, 0.9, 0.1, 0.999, 0.001, 0.1, 0.001, 1e-7, -0.01);
    for (let i = 0; i < 8; i++) {
      const [w, g, m, v] = ins.map((a) => a[i]);
      const m2 = m * 0.9 + g * 0.1;
      const v2 = v * 0.999 + g * g * 0.001;
      expect(f[base + 40 + i]).toBeCloseTo(m2, 6);
      expect(f[base + 48 + i]).toBeCloseTo(v2, 6);
      expect(f[base + 32 + i]).toBeCloseTo(w - (0.01 * (m2 / 0.1)) / (Math.sqrt(v2 / 0.001) + 1e-7), 5);
    }
    // maxPoolGrad2x2 of one 4×4×4 image: x at 4096 floats, dy (2×2×4) after, dx after that
    const xp = 4096;
    const img = values(64, 8, true);
    const g = values(16, 9);
    f.set(img, xp);
    f.set(g, xp + 64);
    simd!.maxPoolGrad2x2(4 * xp, 4 * (xp + 64), 4 * (xp + 128), 2, 2, 4 * 4 * 4, 16, 0);
    for (let oh = 0; oh < 2; oh++) for (let ow = 0; ow < 2; ow++) for (let c = 0; c < 4; c++) {
      const cells = [[0, 0], [0, 1], [1, 0], [1, 1]].map(([dh, dw]) => ((2 * oh + dh) * 4 + 2 * ow + dw) * 4 + c);
      let best = 0;
      for (let k = 1; k < 4; k++) if (img[cells[k]] > img[cells[best]]) best = k;
      cells.forEach((p, k) => expect(f[xp + 128 + p]).toBe(k === best ? g[(oh * 2 + ow) * 4 + c] : 0));
    }
  });
});
