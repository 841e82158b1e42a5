/**
 * Winograd F(4×4, 3×3) forward convolution on the wasm backend
 * (engine/backend/kernels/winograd.ts, routed by conv-forward.ts's planForward)
 * against the CPU backend's direct conv2d / fused conv2d on the same inputs.
 *
 * Cases: every 3×3 stride-1 layer shape of the benchmark templates (batch
 * small to stay CI-sized), 'same' and 'valid' padding, explicit asymmetric
 * pads, output sizes that are and are not multiples of the 4×4 tile, one
 * pixel outputs, channel counts from 4 up, blocks that split images (large
 * images), bias / no bias, linear / relu / relu6. Each case checks that the
 * Winograd route was taken. Tolerance 1e-4 · max(1, max|ref|): Winograd
 * rounds differently from the direct sum (its transforms scale values by up
 * to 25), but by far less than that.
 */
v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
import v8 from 'node:v8';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../engine/backend';
import { CONV_RESIDUAL_KERNEL, forwardCalls, planForward, residualCalls, setForwardMode } from '../../../engine/backend/kernels/conv-forward';
import { winogradFilterGradCalls, winogradInputGradApplies, winogradInputGradCalls, winogradKernelsFor } from '../../../engine/backend/kernels/winograd';
import { conv2dBackpropFilter, conv2dBackpropInput } from '../../../engine/backend/kernels/conv2d-grads';
import { type WasmBackendLike, heapMemory, heapOffset } from '../../../engine/backend/kernels/wasm-ops';
import { onBackend, size, values, worstError } from '../../helpers/tensors';

const TOL = 1e-4;

async function on(backend: 'cpu' | 'wasm', fn: () => tf.Tensor): Promise<Float32Array> {
  return (await onBackend(backend, () => [fn()]))[0];
}

type Pad = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];
interface Case { x: [number, number, number, number]; co: number; pad: Pad }
const cases: Case[] = [
  // resnet20-cifar
  { x: [2, 32, 32, 16], co: 16, pad: 'same' },
  { x: [2, 16, 16, 32], co: 32, pad: 'same' },
  { x: [2, 8, 8, 64], co: 64, pad: 'same' },
  // cifar10-cnn
  { x: [2, 32, 32, 32], co: 32, pad: 'valid' }, // 30×30: overhanging tiles
  { x: [2, 15, 15, 32], co: 64, pad: 'same' },
  { x: [2, 15, 15, 64], co: 64, pad: 'valid' }, // 13×13
  // edges
  { x: [1, 3, 3, 4], co: 8, pad: 'valid' }, // one output pixel
  { x: [3, 5, 7, 4], co: 8, pad: 'same' },
  { x: [1, 6, 6, 8], co: 16, pad: 'valid' }, // exactly one tile, no copy
  { x: [2, 9, 11, 12], co: 24, pad: [[0, 0], [2, 0], [0, 1], [0, 0]] },
  { x: [1, 130, 66, 8], co: 8, pad: 'same' }, // blocks that split an image
];

describe('Winograd F(4×4, 3×3) against the cpu backend', () => {
  beforeAll(async () => {
    await initBackend({ prefer: 'wasm', threads: 1 });
    setForwardMode('winograd');
  });
  afterAll(() => setForwardMode(null));

  for (const c of cases) {
    for (const variant of ['conv', 'bias+relu', 'relu6'] as const) {
      const label = `${c.x.join('×')} → ${c.co}, ${JSON.stringify(c.pad)}, ${variant}`;
      it(label, async () => {
        const fShape = [3, 3, c.x[3], c.co] as [number, number, number, number];
        const xv = values(size(c.x), 1 + c.co);
        const fv = values(size(fShape), 2 + c.x[3]);
        const bv = values(c.co, 3);
        const run = () => {
          const x = tf.tensor4d(xv, c.x);
          const f = tf.tensor4d(fv, fShape);
          if (variant === 'conv') return tf.conv2d(x, f, 1, c.pad);
          return tf.fused.conv2d({ x, filter: f, strides: 1, pad: c.pad, bias: tf.tensor1d(bv), activation: variant === 'relu6' ? 'relu6' : 'relu' });
        };
        const ref = await on('cpu', run);
        const before = forwardCalls.winograd;
        const got = await on('wasm', run);
        expect(forwardCalls.winograd, 'took the Winograd route').toBe(before + 1);
        expect(got.length).toBe(ref.length);
        const { worst, scale } = worstError(got, ref);
        expect(worst, label).toBeLessThanOrEqual(TOL * scale);
      });
    }
  }

  // Conv2DBackpropInput of 3×3 stride-1 layers as a Winograd convolution of dy with the flipped filter.
  const gradCases: { x: [number, number, number, number]; co: number; pad: Pad }[] = [
    { x: [2, 32, 32, 16], co: 16, pad: 'same' },
    { x: [2, 16, 16, 32], co: 32, pad: 'same' },
    { x: [2, 8, 8, 64], co: 64, pad: 'same' },
    { x: [2, 32, 32, 32], co: 32, pad: 'valid' },
    { x: [2, 15, 15, 32], co: 64, pad: 'same' },
    { x: [1, 13, 13, 32], co: 64, pad: 'valid' },
    { x: [1, 7, 9, 8], co: 12, pad: [[0, 0], [2, 1], [0, 2], [0, 0]] },
  ];
  for (const c of gradCases) {
    it(`input gradient: ${c.x.join('×')} → ${c.co}, ${JSON.stringify(c.pad)}`, async () => {
      const fShape = [3, 3, c.x[3], c.co] as [number, number, number, number];
      const fv = values(size(fShape), 5 + c.co);
      const yShape = tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(fShape) as tf.Tensor4D, 1, c.pad).shape;
      const dyv = values(size(yShape), 6);
      const attrs = { strides: 1, pad: c.pad, dataFormat: 'NHWC', dilations: 1, inputShape: c.x };
      const ref = await on('cpu', () => tf.engine().runKernel('Conv2DBackpropInput', { dy: tf.tensor(dyv, yShape), filter: tf.tensor(fv, fShape) }, attrs as never) as tf.Tensor);
      await tf.setBackend('wasm');
      const dy = tf.tensor(dyv, yShape);
      const f = tf.tensor(fv, fShape);
      const b = tf.backend() as unknown as WasmBackendLike;
      const g = { kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pt: 0, pl: 0, H: c.x[1], W: c.x[2], Ho: yShape[1], Wo: yShape[2], ci: c.x[3], co: c.co, n: c.x[0] };
      expect(winogradInputGradApplies(g)).toBe(true);
      const out = conv2dBackpropInput(b, dy, f, attrs as never, 'winograd')!;
      expect(out.shape).toEqual(c.x);
      const got = (b.typedArrayFromHeap(out) as Float32Array).slice();
      b.disposeData(out.dataId);
      tf.dispose([dy, f]);
      const { worst, scale } = worstError(got, ref);
      expect(worst).toBeLessThanOrEqual(TOL * scale);
    });
  }

  // Conv2DBackpropFilter of 3×3 stride-1 layers by the transpose of the Winograd forward pass.
  const filterCases: typeof gradCases = [
    ...gradCases.filter((c) => c.co % 8 === 0),
    { x: [3, 10, 6, 4], co: 8, pad: 'same' },
    { x: [1, 7, 9, 8], co: 16, pad: [[0, 0], [2, 1], [0, 2], [0, 0]] },
  ];
  for (const c of filterCases) {
    it(`filter gradient: ${c.x.join('×')} → ${c.co}, ${JSON.stringify(c.pad)}`, async () => {
      const fShape = [3, 3, c.x[3], c.co] as [number, number, number, number];
      const xv = values(size(c.x), 7 + c.co);
      const yShape = tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(fShape) as tf.Tensor4D, 1, c.pad).shape;
      const dyv = values(size(yShape), 8);
      const attrs = { strides: 1, pad: c.pad, dataFormat: 'NHWC', dilations: 1, filterShape: fShape };
      const ref = await on('cpu', () => tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.tensor(xv, c.x), dy: tf.tensor(dyv, yShape) }, attrs as never) as tf.Tensor);
      await tf.setBackend('wasm');
      const x = tf.tensor(xv, c.x);
      const dy = tf.tensor(dyv, yShape);
      const b = tf.backend() as unknown as WasmBackendLike;
      const before = winogradFilterGradCalls.count;
      const out = conv2dBackpropFilter(b, x, dy, attrs as never, 'winograd');
      expect(winogradFilterGradCalls.count, 'took the Winograd route').toBe(before + 1);
      expect(out.shape).toEqual(fShape);
      const got = (b.typedArrayFromHeap(out) as Float32Array).slice();
      b.disposeData(out.dataId);
      tf.dispose([x, dy]);
      const { worst, scale } = worstError(got, ref);
      expect(worst).toBeLessThanOrEqual(TOL * scale);
    });
  }

  it('the registered Conv2DBackpropInput takes the Winograd route for 3×3 stride-1 layers', async () => {
    const run = () => tf.grad((x: tf.Tensor) => tf.conv2d(x as tf.Tensor4D, tf.tensor4d(values(9 * 16 * 16, 4), [3, 3, 16, 16]), 1, 'same').square().sum())(tf.tensor4d(values(2 * 8 * 8 * 16, 3), [2, 8, 8, 16]));
    const ref = await on('cpu', run);
    const [f0, g0] = [forwardCalls.winograd, winogradInputGradCalls.count];
    const got = await on('wasm', run);
    expect([forwardCalls.winograd - f0, winogradInputGradCalls.count - g0]).toEqual([1, 1]);
    const { worst, scale } = worstError(got, ref);
    expect(worst).toBeLessThanOrEqual(TOL * scale);
  });

  // On the backend's own heap, and on a shared memory (the threaded build keeps its heap in one).
  it.each(['own heap', 'shared memory'] as const)('the filter transform matches G g Gᵀ computed directly (%s)', async (where) => {
    const G = [[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6], [1 / 24, 1 / 12, 1 / 6], [1 / 24, -1 / 12, 1 / 6], [0, 0, 1]];
    const ci = 4, co = 8;
    const g = values(9 * ci * co, 9);
    let U: Float32Array;
    if (where === 'own heap') {
      await tf.setBackend('wasm');
      const b = tf.backend() as unknown as WasmBackendLike;
      const k = winogradKernelsFor(heapMemory(b)!, ci, co)!;
      const gT = b.makeOutput([9 * ci * co], 'float32');
      const UT = b.makeOutput([36 * ci * co], 'float32');
      (b.typedArrayFromHeap(gT) as Float32Array).set(g);
      k.filter(heapOffset(b, gT), heapOffset(b, UT));
      U = (b.typedArrayFromHeap(UT) as Float32Array).slice();
      b.disposeData(gT.dataId);
      b.disposeData(UT.dataId);
    } else {
      const memory = new WebAssembly.Memory({ initial: 2, maximum: 64, shared: true });
      const k = winogradKernelsFor(memory, ci, co);
      expect(k, 'the module compiles and binds to a shared memory').not.toBeNull();
      const f = new Float32Array(memory.buffer);
      f.set(g, 0);
      const at = 4096; // bytes
      k!.filter(0, at);
      U = f.slice(at / 4, at / 4 + 36 * ci * co);
    }
    for (let i = 0; i < ci; i++) for (let o = 0; o < co; o++) for (let r = 0; r < 6; r++) for (let q = 0; q < 6; q++) {
      let sum = 0;
      for (let a = 0; a < 3; a++) for (let c = 0; c < 3; c++) sum += G[r][a] * g[((a * 3 + c) * ci + i) * co + o] * G[q][c];
      expect(U[((q * 6 + r) * ci + i) * co + o]).toBeCloseTo(sum, 5);
    }
  });

  it("the 'auto' rule picks Winograd for 3×3 stride-1 layers with ≥ 8 channels, not for others", () => {
    const g = (ci: number, co: number, s = 1, k = 3) => ({ kh: k, kw: k, sh: s, sw: s, dh: 1, dw: 1, pt: 1, pl: 1, H: 32, W: 32, Ho: 32, Wo: 32, ci, co, n: 8 });
    expect(planForward(g(16, 16), 'auto')).toBe('winograd');
    expect(planForward(g(64, 64), 'auto')).toBe('winograd');
    expect(planForward(g(3, 32), 'auto')).not.toBe('winograd'); // first layers
    expect(planForward(g(16, 32, 2), 'auto')).not.toBe('winograd'); // strided
    expect(planForward(g(16, 12), 'auto')).not.toBe('winograd'); // Co not a multiple of 8
    expect(planForward(g(32, 32, 1, 5), 'auto')).not.toBe('winograd');
    expect(planForward(g(16, 16), 'direct')).not.toBe('winograd');
  });
});

/**
 * The residual kernel (CnnConv2DResidual: act(conv + bias + residual), a
 * ResNet block's convolution, Add and ReLU at inference) on wasm against the
 * cpu backend's conv2d + add + activation: in the Winograd output transform
 * where the shape allows (tiles that do and do not fit the output), else the
 * convolution followed by Add and the activation.
 */
describe('the residual convolution kernel against the cpu backend', () => {
  beforeAll(async () => {
    await initBackend({ prefer: 'wasm', threads: 1 });
  });
  afterAll(() => setForwardMode(null));

  const rcases: { x: [number, number, number, number]; co: number; pad: Pad; stride?: number; k?: number; fused: boolean }[] = [
    { x: [2, 8, 8, 16], co: 16, pad: 'same', fused: true },
    { x: [2, 16, 16, 32], co: 32, pad: 'same', fused: true },
    { x: [2, 7, 9, 8], co: 8, pad: 'same', fused: true }, // overhanging tiles: the residual strip
    { x: [1, 10, 10, 8], co: 16, pad: 'valid', fused: true },
    { x: [2, 9, 9, 3], co: 8, pad: 'same', fused: false }, // 3 channels: direct
    { x: [2, 9, 9, 16], co: 32, pad: 'same', stride: 2, fused: false }, // strided
    { x: [2, 6, 6, 16], co: 32, pad: 'valid', k: 1, fused: false }, // 1×1: XNNPACK
  ];
  for (const c of rcases) {
    for (const act of ['linear', 'relu', 'relu6'] as const) {
      const label = `${c.x.join('×')} → ${c.co}, ${c.k ?? 3}×${c.k ?? 3} s${c.stride ?? 1} ${JSON.stringify(c.pad)}, ${act}${c.fused ? ', in the output transform' : ''}`;
      it(label, async () => {
        setForwardMode('auto');
        const kk = c.k ?? 3;
        const s = c.stride ?? 1;
        const fShape = [kk, kk, c.x[3], c.co] as [number, number, number, number];
        const xv = values(size(c.x), 5 + c.co);
        const fv = values(size(fShape), 6 + c.x[3]);
        const bv = values(c.co, 7);
        const outShape = tf.tidy(() => tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(fShape) as tf.Tensor4D, s, c.pad).shape);
        // Scaled so that the sum crosses 0 and 6 in places (relu6 clamps on both sides).
        const rv = values(size(outShape), 8).map((v) => 4 * v);
        const ref = await on('cpu', () => {
          const y = tf.add(tf.conv2d(tf.tensor4d(xv, c.x), tf.tensor4d(fv, fShape), s, c.pad), tf.add(tf.tensor1d(bv), tf.tensor(rv, outShape)));
          return act === 'relu' ? tf.relu(y) : act === 'relu6' ? tf.relu6(y) : y;
        });
        const before = { ...residualCalls };
        const got = await on('wasm', () => tf.engine().runKernel(CONV_RESIDUAL_KERNEL,
          { x: tf.tensor4d(xv, c.x), filter: tf.tensor4d(fv, fShape), bias: tf.tensor1d(bv), residual: tf.tensor(rv, outShape) },
          { strides: [s, s], pad: c.pad, dataFormat: 'NHWC', dilations: [1, 1], activation: act } as unknown as tf.NamedAttrMap) as tf.Tensor);
        expect(residualCalls.fused - before.fused, 'added in the Winograd output transform').toBe(c.fused ? 1 : 0);
        expect(residualCalls.separate - before.separate).toBe(c.fused ? 0 : 1);
        expect(got.length).toBe(ref.length);
        const { worst, scale } = worstError(got, ref);
        expect(worst, label).toBeLessThanOrEqual(TOL * scale);
      });
    }
  }

  it('refuses a residual of another shape, naming both shapes', async () => {
    await tf.setBackend('wasm');
    expect(() => tf.tidy(() => tf.engine().runKernel(CONV_RESIDUAL_KERNEL,
      { x: tf.zeros([1, 8, 8, 8]), filter: tf.zeros([3, 3, 8, 8]), residual: tf.zeros([1, 8, 8, 4]) },
      { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1], activation: 'relu' } as unknown as tf.NamedAttrMap))).toThrow(/\[1, 8, 8, 8\].*\[1, 8, 8, 4\]/);
  });
});
