/**
 * Our forward convolution on the wasm backend (engine/backend/kernels/conv-forward.ts,
 * registered as 'Conv2D' and 'FusedConv2D').
 *
 * - Every layer shape of the three benchmark networks (batch 2 or 1 to stay
 *   CI-sized) and edge cases (stride 2, asymmetric strides, dilation 2,
 *   explicit pads, 'same' with even kernels, batch 1, odd sizes, channel
 *   counts that leave tile remainders), with and without bias, linear / relu
 *   / relu6, run with each of our two kernels forced on ('rows', 'tiles'),
 *   against the CPU backend's conv2d /
 *   fused conv2d on the same inputs; each case also checks that our route
 *   was taken (forwardCalls).
 * - The fallbacks (elu, leakyrelu, prelu, a bias that must broadcast, the
 *   'auto' rule's XNNPACK shapes) give CPU's result through tfjs's kernel.
 * - A gradient check: tf.grad of a small conv model on wasm (ours forced)
 *   against the same on cpu.
 * - The three templates built with engine/train/build-model.ts: model.predict
 *   with our kernels (forced, and the 'auto' rule) against XNNPACK's on the
 *   same model.
 *
 * Relaxed SIMD is on for this file (Electron's configuration: the fused
 * multiply-add variant). Tolerance: 1e-4 · max(1, max|ref|).
 */
v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
import v8 from 'node:v8';
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../engine/backend';
import { forwardCalls, planForward, setForwardMode } from '../../../engine/backend/kernels/conv-forward';
import { analyzeGraph } from '../../../engine/analysis';
import { buildModel } from '../../../engine/train/build-model';
import { expectClose as expectWithin, onBackend as on, size, values } from '../../helpers/tensors';

const TOL = 1e-4;
const expectClose = (actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, tol = TOL) => expectWithin(actual, expected, what, tol);




type Pad = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];
interface Case {
  name: string;
  x: [number, number, number, number];
  k: [number, number];
  co: number;
  s: [number, number];
  d: [number, number];
  pad: Pad;
}
const c = (name: string, x: Case['x'], k: number | [number, number], co: number, s: number | [number, number], pad: Pad, d: number | [number, number] = 1): Case => ({
  name, x, co, pad,
  k: typeof k === 'number' ? [k, k] : k,
  s: typeof s === 'number' ? [s, s] : s,
  d: typeof d === 'number' ? [d, d] : d,
});
const explicit = (t: number, b: number, l: number, r: number): Pad => [[0, 0], [t, b], [l, r], [0, 0]];

const CASES: Case[] = [
  // The benchmark networks' layers (batch reduced).
  c('mnist 28×28×1→32 valid', [2, 28, 28, 1], 3, 32, 1, 'valid'),
  c('mnist 13×13×32→64 valid', [2, 13, 13, 32], 3, 64, 1, 'valid'),
  c('cifar 32×32×3→32 same', [1, 32, 32, 3], 3, 32, 1, 'same'),
  c('cifar 32×32×32→32 valid', [1, 32, 32, 32], 3, 32, 1, 'valid'),
  c('cifar 15×15×32→64 same', [2, 15, 15, 32], 3, 64, 1, 'same'),
  c('cifar 15×15×64→64 valid', [2, 15, 15, 64], 3, 64, 1, 'valid'),
  c('resnet 32×32×16→16 same', [1, 32, 32, 16], 3, 16, 1, 'same'),
  c('resnet 16×16×32→32 same', [2, 16, 16, 32], 3, 32, 1, 'same'),
  c('resnet 8×8×64→64 same', [2, 8, 8, 64], 3, 64, 1, 'same'),
  c('resnet 32×32×16→32 3×3 s2 same', [2, 32, 32, 16], 3, 32, 2, 'same'),
  c('resnet 32×32×16→32 1×1 s2', [2, 32, 32, 16], 1, 32, 2, 'same'),
  c('resnet 16×16×32→64 1×1 s2', [2, 16, 16, 32], 1, 64, 2, 'same'),
  // Edge cases.
  c('batch 1, odd size, 13 filters', [1, 9, 11, 5], 3, 13, 1, 'same'),
  c('stride 2 valid, odd size', [3, 9, 7, 2], 3, 3, 2, 'valid'),
  c('stride 2 valid, even size (last row unused)', [2, 8, 8, 2], 3, 9, 2, 'valid'),
  c('strides 2×1, 5×3 kernel, same', [2, 11, 7, 3], [5, 3], 7, [2, 1], 'same'),
  c('even kernel 2×2 same (pad bottom/right only)', [2, 7, 6, 4], 2, 5, 1, 'same'),
  c('even kernel 4×4 stride 3 same', [1, 10, 11, 2], 4, 6, 3, 'same'),
  c('dilation 2 same', [2, 9, 9, 3], 3, 4, 1, 'same', 2),
  c('dilation 2 valid', [2, 9, 8, 2], 3, 3, 1, 'valid', 2),
  c('dilation 2×3 same, 1 channel', [2, 10, 11, 1], [3, 2], 2, 1, 'same', [2, 3]),
  // Co a multiple of 8, so 'rows' runs its own kernel on these too.
  c('dilation 2 same, 8 filters', [2, 9, 9, 3], 3, 8, 1, 'same', 2),
  c('dilation 2×3 valid, 16 filters', [2, 13, 14, 4], 3, 16, 1, 'valid', [2, 3]),
  c('strides 2×1, 5×3 kernel, same, 8 filters', [2, 11, 7, 3], [5, 3], 8, [2, 1], 'same'),
  c('explicit pads 1,2,0,3', [2, 7, 8, 3], 3, 5, 1, explicit(1, 2, 0, 3)),
  c('explicit pads with stride 2', [2, 9, 9, 4], 3, 8, 2, explicit(2, 0, 1, 1)),
  c('kernel covers whole input', [2, 5, 5, 2], 5, 3, 1, 'valid'),
  c('1 filter (scalar column tile)', [2, 6, 6, 3], 3, 1, 1, 'same'),
  c('7 channels, 63-step walk', [2, 7, 6, 7], 3, 9, 1, 'valid'),
];

describe('forward convolution on wasm (ours forced) vs cpu', () => {
  beforeAll(async () => {
    await initBackend({ prefer: 'wasm', threads: 1 });
  }, 60_000);
  afterEach(() => setForwardMode(null));

  const ACTS = ['linear', 'relu', 'relu6'] as const;
  CASES.forEach((cs, idx) => {
    // Both of our kernels on every case ('rows' falls back to 'tiles' when Co is not a multiple of 8).
    for (const impl of ['rows', 'tiles'] as const) {
      it(`${cs.name} (${impl})`, async () => {
        const fShape = [cs.k[0], cs.k[1], cs.x[3], cs.co];
        const xv = values(size(cs.x), 11 + idx);
        const fv = values(size(fShape), 97 + idx);
        // Scaled so relu6 clips some values and relu some others.
        for (let i = 0; i < xv.length; i++) xv[i] *= 3;
        const bv = values(cs.co, 5 + idx);
        const run = () => {
          const x = tf.tensor4d(xv, cs.x);
          const f = tf.tensor4d(fv, fShape as [number, number, number, number]);
          const bias = tf.tensor1d(bv);
          const outs: tf.Tensor[] = [tf.conv2d(x, f, cs.s, cs.pad, 'NHWC', cs.d)];
          for (const [k, activation] of ACTS.entries()) {
            // Alternate bias / no bias over the activations.
            outs.push(tf.fused.conv2d({ x, filter: f, strides: cs.s, pad: cs.pad, dilations: cs.d, bias: k % 2 === 0 ? bias : undefined, activation }));
          }
          return outs;
        };
        const ref = await on('cpu', run);
        setForwardMode(impl);
        const before = forwardCalls.ours;
        const got = await on('wasm', run);
        expect(forwardCalls.ours - before, 'our kernel ran for each of the 4 convolutions').toBe(4);
        expectClose(got[0], ref[0], 'conv2d');
        ACTS.forEach((a, k) => expectClose(got[k + 1], ref[k + 1], `fused ${a}${k % 2 === 0 ? ' + bias' : ''}`));
      });
    }
  });

  it('stride and dilation both > 1 (as wasm-ops.ts conv2d() asks the Conv2D kernel directly) match cpu', async () => {
    const xv = values(2 * 13 * 14 * 4, 41);
    const fv = values(3 * 3 * 4 * 16, 42);
    for (const impl of ['rows', 'tiles'] as const) {
      const run = () => {
        const x = tf.tensor4d(xv, [2, 13, 14, 4]);
        const filter = tf.tensor4d(fv, [3, 3, 4, 16]);
        const attrs = { strides: [2, 1], pad: [[0, 0], [1, 0], [2, 1], [0, 0]], dilations: [2, 3], dataFormat: 'NHWC' };
        return [tf.engine().runKernel('Conv2D', { x, filter } as never, attrs as never) as tf.Tensor];
      };
      const ref = await on('cpu', run);
      setForwardMode(impl);
      const before = forwardCalls.ours;
      const got = await on('wasm', run);
      expect(forwardCalls.ours - before).toBe(1);
      expectClose(got[0], ref[0], `strided dilated (${impl})`);
    }
  });

  it('falls back to tfjs for elu / leakyrelu / prelu / a broadcast bias, with the same results as cpu', async () => {
    const xs: [number, number, number, number] = [2, 8, 8, 16];
    const xv = values(size(xs), 3);
    const fv = values(3 * 3 * 16 * 32, 4);
    const bv = values(32, 5);
    const run = () => {
      const x = tf.tensor4d(xv, xs);
      const f = tf.tensor4d(fv, [3, 3, 16, 32]);
      const bias = tf.tensor1d(bv);
      return [
        tf.fused.conv2d({ x, filter: f, pad: 'same', strides: 1, bias, activation: 'elu' }),
        tf.fused.conv2d({ x, filter: f, pad: 'same', strides: 1, bias, activation: 'leakyrelu', leakyreluAlpha: 0.1 }),
        tf.fused.conv2d({ x, filter: f, pad: 'same', strides: 1, bias, activation: 'prelu', preluActivationWeights: tf.fill([32], 0.25) }),
      ];
    };
    const ref = await on('cpu', run);
    setForwardMode('force');
    const [o0, x0] = [forwardCalls.ours, forwardCalls.xnnpack];
    const got = await on('wasm', run);
    expect(forwardCalls.ours - o0).toBe(0);
    expect(forwardCalls.xnnpack - x0).toBe(3);
    ref.forEach((r, i) => expectClose(got[i], r, `fallback ${i}`));
  });

  it("'auto' keeps XNNPACK for the shapes the rule gives it and still matches cpu", async () => {
    const geom = (h: number, ci: number, co: number, k: number) =>
      ({ kh: k, kw: k, sh: 1, sw: 1, dh: 1, dw: 1, pt: 0, pl: 0, H: h, W: h, Ho: h - k + 1, Wo: h - k + 1, ci, co, n: 2 });
    expect(planForward(geom(28, 1, 32, 3), 'auto')).toBe('xnnpack');
    expect(planForward(geom(32, 3, 32, 3), 'auto')).toBe('rows');
    expect(planForward(geom(32, 3, 30, 3), 'auto')).toBe('xnnpack');
    expect(planForward(geom(16, 32, 64, 1), 'auto')).toBe('xnnpack');
    // 3×3 stride 1 with ≥ 8 channels: Winograd (winograd.test.ts); 'direct' shows the rule underneath.
    expect(planForward(geom(32, 16, 16, 3), 'auto')).toBe('winograd');
    expect(planForward(geom(32, 16, 16, 3), 'direct')).toBe('xnnpack');
    expect(planForward(geom(32, 8, 16, 3), 'auto')).toBe('winograd');
    expect(planForward(geom(32, 8, 16, 3), 'direct')).toBe('rows');
    expect(planForward(geom(15, 32, 64, 3), 'auto')).toBe('winograd');
    expect(planForward(geom(15, 32, 64, 3), 'direct')).toBe('tiles');
    expect(planForward(geom(16, 32, 64, 5), 'auto')).toBe('tiles');
    expect(planForward(geom(15, 32, 64, 3), 'off')).toBe('xnnpack');
    expect(planForward(geom(28, 1, 32, 3), 'force')).toBe('rows');
    expect(planForward(geom(28, 1, 30, 3), 'rows')).toBe('tiles');
    const run = () => {
      const x1 = tf.tensor4d(values(2 * 12 * 12, 8), [2, 12, 12, 1]);
      const f1 = tf.tensor4d(values(9 * 8, 9), [3, 3, 1, 8]);
      const x2 = tf.tensor4d(values(2 * 9 * 9 * 16, 10), [2, 9, 9, 16]);
      const f2 = tf.tensor4d(values(9 * 16 * 32, 11), [3, 3, 16, 32]);
      return [tf.conv2d(x1, f1, 1, 'valid'), tf.conv2d(x2, f2, 1, 'same')];
    };
    const ref = await on('cpu', run);
    setForwardMode('auto');
    const [o0, x0] = [forwardCalls.ours, forwardCalls.xnnpack];
    const got = await on('wasm', run);
    expect([forwardCalls.ours - o0, forwardCalls.xnnpack - x0]).toEqual([1, 1]);
    ref.forEach((r, i) => expectClose(got[i], r, `auto ${i}`));
  });

  it('NCHW falls back to the shipped kernel', async () => {
    await tf.setBackend('wasm');
    setForwardMode('force');
    const x0 = forwardCalls.xnnpack;
    const x = tf.zeros([1, 16, 6, 6]) as tf.Tensor4D;
    const f = tf.zeros([3, 3, 16, 32]) as tf.Tensor4D;
    // tfjs-backend-wasm itself does not support NCHW: whatever it does, we must not take the case.
    try {
      tf.conv2d(x, f, 1, 'same', 'NCHW').dispose();
    } catch {
      /* the shipped kernel's own error */
    }
    expect(forwardCalls.xnnpack - x0).toBe(1);
    tf.dispose([x, f]);
  });

  it('gradients of a small conv model through tf.grad match cpu', async () => {
    const xv = values(2 * 9 * 9 * 16, 21);
    const fv1 = values(3 * 3 * 16 * 32, 22).map((v) => v * 0.3);
    const bv1 = values(32, 23);
    const fv2 = values(3 * 3 * 32 * 8, 24).map((v) => v * 0.3);
    const run = () => {
      const x = tf.tensor4d(xv, [2, 9, 9, 16]);
      const f1 = tf.tensor4d(fv1, [3, 3, 16, 32]);
      const b1 = tf.tensor1d(bv1);
      const f2 = tf.tensor4d(fv2, [3, 3, 32, 8]);
      const loss = (xx: tf.Tensor4D, ff1: tf.Tensor4D, bb1: tf.Tensor1D, ff2: tf.Tensor4D) => {
        const h = tf.fused.conv2d({ x: xx, filter: ff1, strides: 1, pad: 'same', bias: bb1, activation: 'relu' });
        const y = tf.fused.conv2d({ x: h, filter: ff2, strides: 2, pad: 'valid', activation: 'relu6' });
        return tf.sum(tf.square(y));
      };
      const grads = tf.grads((a, b, c2, d) => loss(a as tf.Tensor4D, b as tf.Tensor4D, c2 as tf.Tensor1D, d as tf.Tensor4D));
      return [loss(x, f1, b1, f2), ...grads([x, f1, b1, f2])];
    };
    const ref = await on('cpu', run);
    setForwardMode('force');
    const o0 = forwardCalls.ours;
    const got = await on('wasm', run);
    expect(forwardCalls.ours - o0).toBeGreaterThanOrEqual(2);
    ['loss', 'dx', 'dW1', 'db1', 'dW2'].forEach((name, i) => expectClose(got[i], ref[i], name));
  });
});

describe('templates: model.predict with and without our forward kernels', () => {
  beforeAll(async () => {
    await initBackend({ prefer: 'wasm', threads: 1 });
  }, 60_000);
  afterEach(() => setForwardMode(null));

  const root = path.resolve(__dirname, '../../..');
  for (const [name, input] of [['mnist-cnn', [28, 28, 1]], ['cifar10-cnn', [32, 32, 3]], ['resnet20-cifar', [32, 32, 3]]] as const) {
    it(name, async () => {
      await tf.setBackend('wasm');
      const doc = JSON.parse(fs.readFileSync(path.join(root, 'templates', `${name}.json`), 'utf8'));
      const model = buildModel(tf, doc, analyzeGraph(doc));
      const x = tf.tensor4d(values(2 * size([...input]), 31), [2, ...input]);
      const predict = (m: 'off' | 'force' | 'auto') => {
        setForwardMode(m);
        const p = model.predict(x) as tf.Tensor;
        const v = p.dataSync().slice() as Float32Array;
        p.dispose();
        return v;
      };
      const before = forwardCalls.ours;
      const xnn = predict('off');
      expect(forwardCalls.ours).toBe(before);
      const forced = predict('force');
      expect(forwardCalls.ours).toBeGreaterThan(before);
      const auto = predict('auto');
      // Relative to each output (softmax probabilities, or logits), 1e-4.
      expectClose(forced, xnn, `${name} forced`);
      expectClose(auto, xnn, `${name} auto`);
      x.dispose();
      model.dispose();
    }, 60_000);
  }
});
