/**
 * The fused training-mode BatchNorm (engine/backend/kernels/batch-norm.ts)
 * against independent references:
 * - its outputs and gradients (dx, dγ, dβ, and through the mean / variance
 *   outputs) against the CPU backend's autodiff of the composite formula
 *   tf.moments + tf.batchNorm, on wasm and on cpu, over several shapes and
 *   epsilons;
 * - on wasm both its SIMD loops (4 or more channels) and its JS loops
 *   (CNN_BN_SIMD=0, and other channel counts);
 * - its moments against a float64 two-pass reference where float32 tfjs
 *   would itself be inexact (mean large against the spread);
 * - the BatchNormalization layer using it against tfjs-layers' own class
 *   (moving statistics after several training calls, outputs) and a small
 *   model trained both ways (loss curve).
 */
import * as tf from '@tensorflow/tfjs';
import type * as tfjs from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../engine/backend';
import { BN_TRAIN_KERNEL, batchNormTrain, fusedBatchNormAvailable } from '../../../engine/backend/kernels/batch-norm';
import { batchNormSimdFor, batchNormSimdModuleBytes, blockBytesFor } from '../../../engine/backend/kernels/batch-norm-simd';
import { registerCustomLayers } from '../../../engine/layers/tfjs-classes';

function values(n: number, seed: number, scale = 1, offset = 0): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = offset + (s / 2 ** 31 - 1) * scale;
  }
  return out;
}

const size = (shape: number[]) => shape.reduce((p, q) => p * q, 1);

/** max |a − b| ≤ tol · max(1, max|b|) */
function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void {
  expect(a.length, what).toBe(b.length);
  let scale = 1;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  let worst = 0;
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  expect(worst, `${what}: worst error ${worst} (scale ${scale})`).toBeLessThanOrEqual(tol * scale);
}

interface Case {
  shape: number[];
  eps: number;
  /** Also send gradients into the mean and variance outputs. */
  throughMoments?: boolean;
}

// On wasm, 4 or more channels take the SIMD loops (a last group overlapping its neighbour when 4 ∤ C), fewer the JS loops.
const CASES: Case[] = [
  { shape: [2, 3, 4, 5], eps: 1e-3 },
  { shape: [4, 1, 1, 3], eps: 1e-5 },
  { shape: [3, 5, 7, 16], eps: 1e-3, throughMoments: true },
  { shape: [8, 8], eps: 0.1 },
  { shape: [1, 2, 2, 1], eps: 1e-3, throughMoments: true },
  { shape: [5, 6, 4], eps: 1e-2 },
  { shape: [2, 3, 3, 12], eps: 1e-5, throughMoments: true },
  { shape: [6, 6], eps: 1e-3 },
  // Random NHWC shapes (seeded): N 1–4, H, W 1–6, C 1–20, eps 1e-5–1e-1.
  ...randomCases(6, 2026),
];

function randomCases(n: number, seed: number): Case[] {
  const r = values(5 * n, seed, 0.5, 0.5); // uniform in [0, 1)
  return Array.from({ length: n }, (_, i) => {
    const pick = (k: number, lo: number, hi: number) => lo + Math.floor(r[5 * i + k] * (hi - lo + 1));
    return { shape: [pick(0, 1, 4), pick(1, 1, 6), pick(2, 1, 6), pick(3, 1, 20)], eps: Number(`1e-${pick(4, 1, 5)}`), throughMoments: i % 2 === 0 };
  });
}

type Inputs = { x: Float32Array; gamma: Float32Array; beta: Float32Array; w: Float32Array; u: Float32Array; v: Float32Array };

function inputsFor(c: Case, seed: number): Inputs {
  const C = c.shape[c.shape.length - 1];
  return {
    x: values(size(c.shape), seed, 2, 0.3),
    gamma: values(C, seed + 1, 1, 1),
    beta: values(C, seed + 2),
    w: values(size(c.shape), seed + 3),
    u: values(C, seed + 4),
    v: values(C, seed + 5),
  };
}

/**
 * y, mean, variance and the gradients of L = Σ w·y (+ Σ u·mean + Σ v·variance)
 * with respect to x, γ, β, computed by `bn` on the active backend.
 */
function run(c: Case, d: Inputs, bn: (x: tfjs.Tensor, g: tfjs.Tensor1D, b: tfjs.Tensor1D) => { y: tfjs.Tensor; mean: tfjs.Tensor; variance: tfjs.Tensor }) {
  return tf.tidy(() => {
    const C = c.shape[c.shape.length - 1];
    const x = tf.tensor(d.x, c.shape);
    const gamma = tf.tensor1d(d.gamma);
    const beta = tf.tensor1d(d.beta);
    const w = tf.tensor(d.w, c.shape);
    const u = tf.tensor1d(d.u);
    const v = tf.tensor1d(d.v);
    const fwd = bn(x, gamma, beta);
    const loss = (xi: tfjs.Tensor, gi: tfjs.Tensor, bi: tfjs.Tensor) => {
      const r = bn(xi, gi as tfjs.Tensor1D, bi as tfjs.Tensor1D);
      let l = tf.sum(tf.mul(w, r.y));
      if (c.throughMoments) l = tf.add(l, tf.add(tf.sum(tf.mul(u, r.mean)), tf.sum(tf.mul(v, r.variance))));
      return l as tfjs.Scalar;
    };
    const [dx, dg, db] = tf.grads(loss)([x, gamma, beta]);
    expect(fwd.mean.shape).toEqual([C]);
    return [fwd.y, fwd.mean, fwd.variance, dx, dg, db].map((t) => t.dataSync().slice() as Float32Array);
  });
}

const composite = (eps: number) => (x: tfjs.Tensor, g: tfjs.Tensor1D, b: tfjs.Tensor1D) => {
  const { mean, variance } = tf.moments(x, x.shape.slice(0, -1).map((_, i) => i));
  return { y: tf.batchNorm(x, mean, variance, b, g, eps), mean, variance };
};

const fused = (eps: number) => (x: tfjs.Tensor, g: tfjs.Tensor1D, b: tfjs.Tensor1D) => batchNormTrain(tf, x, g, b, eps);

const NAMES = ['y', 'mean', 'variance', 'dx', 'dgamma', 'dbeta'];

beforeAll(async () => {
  expect((await initBackend({ prefer: 'wasm', threads: 1 })).name).toBe('wasm');
});

afterEach(async () => {
  delete process.env.CNN_FUSED_BATCHNORM;
  delete process.env.CNN_BN_SIMD;
  await tf.setBackend('wasm');
});

/** 'wasm-js': the wasm backend with the SIMD loops switched off (CNN_BN_SIMD=0). */
const BACKENDS = ['wasm', 'wasm-js', 'cpu'] as const;

async function useBackend(name: (typeof BACKENDS)[number]): Promise<void> {
  if (name === 'wasm-js') process.env.CNN_BN_SIMD = '0';
  else delete process.env.CNN_BN_SIMD;
  await tf.setBackend(name === 'wasm-js' ? 'wasm' : name);
}

describe('fused BatchNorm kernels vs the CPU backend autodiff of tf.moments + tf.batchNorm', () => {
  it('the SIMD module assembles and binds to the wasm heap', () => {
    const mem = (tf.backend() as unknown as { wasm: { asm: { memory: WebAssembly.Memory } } }).wasm.asm.memory;
    expect(WebAssembly.validate(batchNormSimdModuleBytes(false))).toBe(true);
    expect(batchNormSimdFor(mem)).not.toBeNull();
  });

  it('the SIMD module also binds to a shared memory (the threaded wasm build) and computes there', () => {
    const mem = new WebAssembly.Memory({ initial: 1, maximum: 16, shared: true });
    const simd = batchNormSimdFor(mem);
    expect(simd).not.toBeNull();
    // Two rows of 4 channels at byte 0, shift 0 at 64, f64 sums at 128.
    const f = new Float32Array(mem.buffer);
    f.set([1, 2, 3, 4, 5, 6, 7, 8]);
    new Float64Array(mem.buffer, 128, 8).fill(0);
    simd!.moments(0, 2, 16, blockBytesFor(16), 64, 128, 160);
    expect(Array.from(new Float64Array(mem.buffer, 128, 8))).toEqual([6, 8, 10, 12, 26, 40, 58, 80]);
  });

  for (const backend of BACKENDS) {
    it.each(CASES.map((c, i) => ({ ...c, i, label: `[${c.shape}] eps ${c.eps.toExponential(0)}${c.throughMoments ? ', gradients into mean/variance' : ''}` })))(
      `${backend}: $label`,
      async (c) => {
        const d = inputsFor(c, 100 + 10 * c.i);
        await tf.setBackend('cpu');
        const ref = run(c, d, composite(c.eps));
        await useBackend(backend);
        expect(fusedBatchNormAvailable(tf)).toBe(true);
        const before = tf.memory().numTensors;
        const got = run(c, d, fused(c.eps));
        expect(tf.memory().numTensors, 'no leaked tensors').toBe(before);
        for (let k = 0; k < NAMES.length; k++) {
          expectClose(got[k], ref[k], 2e-5, `${backend} ${NAMES[k]}`);
          // Guard against a vacuous comparison (with one row per channel the variance, and so much else, is 0).
          if (size(c.shape) > c.shape[c.shape.length - 1]) expect(ref[k].some((v) => v !== 0), `${NAMES[k]} not all zero`).toBe(true);
        }
      },
    );
  }

  it('the forward really runs the fused kernel (one CnnBatchNormTrain, no Mean / FusedBatchNorm)', async () => {
    const kernels: string[] = [];
    const x = tf.randomNormal([2, 4, 4, 3]);
    const prof = await tf.profile(() => batchNormTrain(tf, x, tf.ones([3]) as tfjs.Tensor1D, tf.zeros([3]) as tfjs.Tensor1D, 1e-3).y);
    for (const k of prof.kernels) kernels.push(k.name);
    expect(kernels).toContain(BN_TRAIN_KERNEL);
    expect(kernels).not.toContain('FusedBatchNorm');
    expect(kernels).not.toContain('Mean');
    tf.dispose(x);
  });

  it('CNN_FUSED_BATCHNORM=0 takes the composite path, with the same results', () => {
    const c = CASES[2];
    const d = inputsFor(c, 7);
    const on = run(c, d, fused(c.eps));
    process.env.CNN_FUSED_BATCHNORM = '0';
    expect(fusedBatchNormAvailable(tf)).toBe(false);
    const off = run(c, d, fused(c.eps));
    for (let k = 0; k < NAMES.length; k++) expectClose(on[k], off[k], 2e-5, NAMES[k]);
  });

  it.each(BACKENDS)('%s: moments stay exact when the mean is large against the spread (float64 reference)', async (backend) => {
    await useBackend(backend);
    const shape = [16, 8, 8, 4];
    const x = values(size(shape), 3, 0.01, 1000);
    const C = 4;
    const M = x.length / C;
    const mean = new Float64Array(C);
    const v64 = new Float64Array(C);
    for (let i = 0; i < x.length; i++) mean[i % C] += x[i] / M;
    for (let i = 0; i < x.length; i++) v64[i % C] += (x[i] - mean[i % C]) ** 2 / M;
    const [m, v, y] = tf.tidy(() => {
      const r = batchNormTrain(tf, tf.tensor(x, shape), tf.ones([C]) as tfjs.Tensor1D, tf.zeros([C]) as tfjs.Tensor1D, 0);
      return [r.mean, r.variance, r.y].map((t) => t.dataSync().slice());
    });
    for (let c = 0; c < C; c++) {
      expect(Math.abs(m[c] - mean[c]) / mean[c]).toBeLessThan(1e-7);
      expect(Math.abs(v[c] - v64[c]) / v64[c], `variance of channel ${c}`).toBeLessThan(1e-4);
    }
    // Normalised output: per-channel mean 0, variance 1 to float32 precision of x.
    let s = 0;
    let q = 0;
    for (let i = 0; i < y.length; i += C) { s += y[i]; q += y[i] * y[i]; }
    expect(Math.abs(s / M)).toBeLessThan(1e-2);
    expect(Math.abs(q / M - 1)).toBeLessThan(2e-2);
  });

  it('rejects gamma / beta of the wrong size with a message naming them', () => {
    const x = tf.zeros([2, 3]);
    expect(() => batchNormTrain(tf, x, tf.ones([4]) as tfjs.Tensor1D, tf.zeros([3]) as tfjs.Tensor1D, 1e-3)).toThrow(/gamma must have shape \[3\]/);
    tf.dispose(x);
  });
});

describe('BatchNormalization layer on the fused path vs tfjs-layers', () => {
  type BnArgs = Parameters<typeof tf.layers.batchNormalization>[0];

  /** Sets γ, β random and moving mean 0.2, variance 1.5 (a non-trivial start). */
  function init(l: tfjs.layers.Layer, inShape: number[]): void {
    l.build(inShape);
    const ws = l.weights.map((v, i) => {
      const shape = v.shape as number[];
      if (v.name.includes('gamma')) return tf.tensor(values(size(shape), 1, 0.5, 1), shape);
      if (v.name.includes('beta')) return tf.tensor(values(size(shape), 2), shape);
      return tf.fill(shape, v.name.includes('moving_mean') ? 0.2 : 1.5 + 0 * i);
    });
    l.setWeights(ws);
    tf.dispose(ws);
  }

  /** Calls the layer in training mode, on tfjs's own path when `composite`. */
  function train(l: tfjs.layers.Layer, x: tfjs.Tensor, composite: boolean): tfjs.Tensor {
    if (composite) process.env.CNN_FUSED_BATCHNORM = '0';
    try {
      return l.apply(x, { training: true }) as tfjs.Tensor;
    } finally {
      delete process.env.CNN_FUSED_BATCHNORM;
    }
  }

  const variants: { label: string; args: BnArgs }[] = [
    { label: 'default (momentum 0.99)', args: {} },
    { label: 'momentum 0.5, epsilon 1e-2', args: { momentum: 0.5, epsilon: 1e-2 } },
    { label: 'scale off', args: { scale: false, momentum: 0.8 } },
    { label: 'center and scale off', args: { scale: false, center: false, momentum: 0.8 } },
  ];

  for (const backend of ['wasm', 'cpu'] as const) {
    it.each(variants)(`${backend}: $label — outputs and moving statistics after 4 training calls`, async ({ args }) => {
      await tf.setBackend(backend);
      const inShape = [6, 5, 5, 4];
      const ours = registerCustomLayers(tf).batchNormalization(args);
      // Reference: tfjs-layers' class where it can train (it crashes without γ or β),
      // else our class on tfjs's composite path (the pre-existing fix).
      const stockWorks = args?.scale !== false && args?.center !== false;
      const ref = stockWorks ? tf.layers.batchNormalization(args) : registerCustomLayers(tf).batchNormalization(args);
      init(ours, inShape);
      init(ref, inShape);
      const before = tf.memory().numTensors;
      for (let step = 0; step < 4; step++) {
        const x = tf.tensor(values(size(inShape), 50 + step, 3, step), inShape);
        const yo = train(ours, x, false);
        const yr = train(ref, x, true);
        expectClose(yo.dataSync(), yr.dataSync(), 2e-5, `output, step ${step}`);
        tf.dispose([x, yo, yr]);
      }
      expect(tf.memory().numTensors, 'no leaked tensors').toBe(before);
      const stats = (l: tfjs.layers.Layer) => l.weights.filter((w) => w.name.includes('moving')).map((w) => w.read().dataSync().slice());
      const [mo, vo] = stats(ours);
      const [mr, vr] = stats(ref);
      expectClose(mo, mr, 1e-6, 'moving mean');
      expectClose(vo, vr, 1e-6, 'moving variance');
      // The statistics did move from their start (0.2 / 1.5).
      expect(mo.some((v) => Math.abs(v - 0.2) > 1e-4)).toBe(true);
      expect(vo.some((v) => Math.abs(v - 1.5) > 1e-4)).toBe(true);


    });
  }

  it('frozen (trainable = false) runs in inference mode on the fused path too: moving statistics unchanged', () => {
    const bn = registerCustomLayers(tf).batchNormalization({ momentum: 0.5 });
    init(bn, [4, 3, 3, 2]);
    bn.trainable = false;
    const x = tf.tensor(values(36 * 2, 9, 2, 1), [4, 3, 3, 2]);
    const y = train(bn, x, false);
    const stats = bn.weights.filter((w) => w.name.includes('moving')).map((w) => Array.from(w.read().dataSync()));
    expect(stats[0].every((v) => Math.abs(v - 0.2) < 1e-7)).toBe(true);
    expect(stats[1].every((v) => Math.abs(v - 1.5) < 1e-7)).toBe(true);
    tf.dispose([x, y]);

  });

  it('a channels-first layer (axis 1) falls back to tfjs and still matches the stock class', () => {
    const inShape = [3, 4, 5, 5];
    const ours = registerCustomLayers(tf).batchNormalization({ axis: 1, momentum: 0.7 });
    const stock = tf.layers.batchNormalization({ axis: 1, momentum: 0.7 });
    init(ours, inShape);
    init(stock, inShape);
    const x = tf.tensor(values(size(inShape), 4, 2), inShape);
    const yo = train(ours, x, false);
    const ys = train(stock, x, false);
    expectClose(yo.dataSync(), ys.dataSync(), 2e-5, 'output');
    const mm = (l: tfjs.layers.Layer) => l.weights.find((w) => w.name.includes('moving_mean'))!.read().dataSync();
    expectClose(mm(ours), mm(stock), 1e-6, 'moving mean');
    tf.dispose([x, yo, ys]);
  });

  it('a small conv + BatchNorm model trains the same on the fused path as on tfjs’s (loss curve)', async () => {
    const build = () => {
      const inp = tf.input({ shape: [8, 8, 3] });
      let h = tf.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }).apply(inp) as tfjs.SymbolicTensor;
      h = registerCustomLayers(tf).batchNormalization({ momentum: 0.9 }).apply(h) as tfjs.SymbolicTensor;
      h = tf.layers.reLU().apply(h) as tfjs.SymbolicTensor;
      h = tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }).apply(h) as tfjs.SymbolicTensor;
      h = registerCustomLayers(tf).batchNormalization({ scale: false }).apply(h) as tfjs.SymbolicTensor;
      h = tf.layers.globalAveragePooling2d({}).apply(h) as tfjs.SymbolicTensor;
      const out = tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }).apply(h) as tfjs.SymbolicTensor;
      return tf.model({ inputs: inp, outputs: out });
    };
    const N = 32;
    const xs = tf.tensor(values(N * 8 * 8 * 3, 11, 1.5, 0.5), [N, 8, 8, 3]);
    const ys = tf.oneHot(tf.tensor1d(Array.from({ length: N }, (_, i) => (i * 7) % 3), 'int32'), 3);
    const curve = async (composite: boolean) => {
      const m = build();
      // SGD: Adam's step normalisation would amplify float32 rounding differences in near-zero gradients.
      m.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' });
      if (composite) process.env.CNN_FUSED_BATCHNORM = '0';
      try {
        const h = await m.fit(xs, ys, { epochs: 6, batchSize: 8, shuffle: false, verbose: 0 });
        const stats = m.weights.filter((w) => w.name.includes('moving')).map((w) => Array.from(w.read().dataSync()));
        m.dispose();
        return { loss: h.history.loss as number[], stats };
      } finally {
        delete process.env.CNN_FUSED_BATCHNORM;
      }
    };
    const fusedRun = await curve(false);
    const tfjsRun = await curve(true);
    expect(fusedRun.loss[5]).toBeLessThan(fusedRun.loss[0]);
    expectClose(fusedRun.loss, tfjsRun.loss, 1e-3, 'loss per epoch');
    for (let i = 0; i < tfjsRun.stats.length; i++) expectClose(fusedRun.stats[i], tfjsRun.stats[i], 1e-3, `moving statistic ${i}`);
    tf.dispose([xs, ys]);
  });
});
