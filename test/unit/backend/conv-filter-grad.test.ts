/**
 * The in-place filter gradient (engine/backend/kernels/conv-filter-grad.ts)
 * and its SIMD kernel (conv-simd-gemm.ts) on the wasm backend.
 *
 * - The kernel alone against a plain JavaScript loop doing the same walk
 *   (every row-tile and column-tile width, negative skips).
 * - Conv2DBackpropFilter on every layer shape of the three benchmark
 *   networks (batch reduced to 2 or 1 to stay CI-sized) and on edge cases
 *   (batch 1, odd sizes, stride 2 'same'/'valid', asymmetric strides,
 *   explicit padding, channel counts that leave tile remainders) against the
 *   CPU backend's Conv2DBackpropFilter. The CPU kernel ignores dilation, so
 *   dilated cases are checked against a direct summation of the definition.
 * - The previous kernel (impl 'legacy', the fallback) on a few of them.
 * - Conv2DBackpropInput with our SIMD kernel (conv-input-grad.ts; forced with
 *   impl 'in-place' so stride-1 and dilated shapes exercise it too, and
 *   through the registered kernel, which uses it for strided layers) against
 *   the CPU backend's Conv2DBackpropInput, or the definition when dilated.
 *
 * Relaxed SIMD is switched on for this file (Node 20 has it behind a V8
 * flag), so the convolution cases run the fused multiply-add variant, as in
 * Electron; grad-kernels.test.ts runs the plain one (Node's default). The
 * kernel test below runs both explicitly.
 *
 * Tolerance: |wasm − ref| ≤ 1e-4 · max(1, max|ref|): float32 sums of up to
 * ~2,000 products in a different order.
 */
v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
import v8 from 'node:v8';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../engine/backend';
import { conv2dBackpropFilter, conv2dBackpropInput } from '../../../engine/backend/kernels/conv2d-grads';
import { copyPadded, planFilterGrad, setPadInWasm } from '../../../engine/backend/kernels/conv-filter-grad';
import { MAX_MR, simdAccumulate, simdGemmFor } from '../../../engine/backend/kernels/conv-simd-gemm';
import type { WasmBackendLike } from '../../../engine/backend/kernels/wasm-ops';
import { expectClose as expectWithin, values } from '../../helpers/tensors';

const TOL = 1e-4;
const expectClose = (actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, tol = TOL) => expectWithin(actual, expected, what, tol);



const backend = () => tf.backend() as unknown as WasmBackendLike & { numDataIds(): number; wasm: { asm: { memory: WebAssembly.Memory } } };
const addr = (t: tf.Tensor) => backend().dataIdMap.get(t.dataId).memoryOffset;

interface Case {
  name: string;
  x: [number, number, number, number];
  k: [number, number];
  co: number;
  s: [number, number];
  pad: 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
  d?: [number, number];
}

const c = (name: string, x: Case['x'], k: number | [number, number], co: number, s: number | [number, number], pad: Case['pad'], d?: number): Case => ({
  name, x, co, pad,
  k: typeof k === 'number' ? [k, k] : k,
  s: typeof s === 'number' ? [s, s] : s,
  d: d == null ? undefined : [d, d],
});

/** The layers of the three benchmark networks (batch 2, or 1 for the largest) and edge cases. */
const CASES: Case[] = [
  c('28×28 net conv1 28×28×1→32 valid', [2, 28, 28, 1], 3, 32, 1, 'valid'),
  c('28×28 net conv2 13×13×32→64 valid', [2, 13, 13, 32], 3, 64, 1, 'valid'),
  c('CIFAR conv1 32×32×3→32 same', [2, 32, 32, 3], 3, 32, 1, 'same'),
  c('CIFAR conv2 32×32×32→32 valid (batch 1)', [1, 32, 32, 32], 3, 32, 1, 'valid'),
  c('CIFAR conv3 15×15×32→64 same (batch 1)', [1, 15, 15, 32], 3, 64, 1, 'same'),
  c('CIFAR conv4 15×15×64→64 valid (batch 1)', [1, 15, 15, 64], 3, 64, 1, 'valid'),
  c('ResNet stem 32×32×3→16 same', [2, 32, 32, 3], 3, 16, 1, 'same'),
  c('ResNet 32×32×16→16 same', [2, 32, 32, 16], 3, 16, 1, 'same'),
  c('ResNet 32×32×16→32 3×3 stride 2 same', [2, 32, 32, 16], 3, 32, 2, 'same'),
  c('ResNet 32×32×16→32 1×1 stride 2', [2, 32, 32, 16], 1, 32, 2, 'same'),
  c('ResNet 16×16×32→32 same', [2, 16, 16, 32], 3, 32, 1, 'same'),
  c('ResNet 16×16×32→64 3×3 stride 2 same', [2, 16, 16, 32], 3, 64, 2, 'same'),
  c('ResNet 16×16×32→64 1×1 stride 2', [2, 16, 16, 32], 1, 64, 2, 'same'),
  c('ResNet 8×8×64→64 same', [2, 8, 8, 64], 3, 64, 1, 'same'),
  c('batch 1, odd size, 5 filters (column tiles 4 + 1)', [1, 9, 7, 3], 3, 5, 1, 'same'),
  c('stride 2 same, odd size, 13 filters (8 + 4 + 1)', [3, 9, 11, 5], 3, 13, 2, 'same'),
  c('stride 2 valid, even size (last row unused)', [2, 8, 10, 4], 3, 7, 2, 'valid'),
  c('strides 2×1, 5×3 kernel, same', [2, 11, 7, 2], [5, 3], 3, [2, 1], 'same'),
  c('4×4 stride 3 same', [2, 10, 11, 2], 4, 9, 3, 'same'),
  c('explicit padding 2 (reads past the bottom)', [2, 6, 7, 3], 3, 6, 1, 2),
  { name: 'explicit asymmetric pads, stride 2', x: [2, 9, 8, 3], k: [3, 3], co: 10, s: [2, 2], pad: [[0, 0], [1, 2], [2, 0], [0, 0]] },
  c('kernel covers the whole input', [2, 5, 5, 2], 5, 3, 1, 'valid'),
  c('1 channel, 1 filter', [2, 6, 6, 1], 2, 1, 1, 'valid'),
  c('many images per block (tiny output)', [40, 3, 3, 2], 3, 4, 1, 'valid'),
  c('dilation 2 same', [2, 9, 9, 3], 3, 5, 1, 'same', 2),
  c('dilation 2 valid, 7 channels', [2, 10, 9, 7], 3, 4, 1, 'valid', 2),
];

/** dW by the definition (for dilated cases), from x and dy values. */
function referenceFilterGrad(cs: Case, xv: Float32Array, dyv: Float32Array, outH: number, outW: number): Float32Array {
  const [n, H, W, ci] = cs.x;
  const [kh, kw] = cs.k;
  const [sh, sw] = cs.s;
  const [dh, dw] = cs.d ?? [1, 1];
  const info = tf.backend_util.computeConv2DInfo(cs.x, [kh, kw, ci, cs.co], cs.s, cs.d ?? 1, cs.pad, undefined, false, 'channelsLast');
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const co = cs.co;
  const out = new Float64Array(kh * kw * ci * co);
  for (let b = 0; b < n; b++) for (let i = 0; i < outH; i++) for (let j = 0; j < outW; j++) {
    for (let a = 0; a < kh; a++) for (let q = 0; q < kw; q++) {
      const h = i * sh + a * dh - pt;
      const w = j * sw + q * dw - pl;
      if (h < 0 || h >= H || w < 0 || w >= W) continue;
      for (let k = 0; k < ci; k++) {
        const xval = xv[((b * H + h) * W + w) * ci + k];
        const o = ((a * kw + q) * ci + k) * co;
        const g = ((b * outH + i) * outW + j) * co;
        for (let m = 0; m < co; m++) out[o + m] += xval * dyv[g + m];
      }
    }
  }
  return Float32Array.from(out);
}

/** dx by the definition (for dilated cases), from filter and dy values. */
function referenceInputGrad(cs: Case, fv: Float32Array, dyv: Float32Array, outH: number, outW: number): Float32Array {
  const [n, H, W, ci] = cs.x;
  const [kh, kw] = cs.k;
  const [sh, sw] = cs.s;
  const [dh, dw] = cs.d ?? [1, 1];
  const info = tf.backend_util.computeConv2DInfo(cs.x, [kh, kw, ci, cs.co], cs.s, cs.d ?? 1, cs.pad, undefined, false, 'channelsLast');
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const co = cs.co;
  const out = new Float64Array(n * H * W * ci);
  for (let b = 0; b < n; b++) for (let i = 0; i < outH; i++) for (let j = 0; j < outW; j++) {
    for (let a = 0; a < kh; a++) for (let q = 0; q < kw; q++) {
      const h = i * sh + a * dh - pt;
      const w = j * sw + q * dw - pl;
      if (h < 0 || h >= H || w < 0 || w >= W) continue;
      for (let k = 0; k < ci; k++) {
        let acc = 0;
        const f = ((a * kw + q) * ci + k) * co;
        const g = ((b * outH + i) * outW + j) * co;
        for (let m = 0; m < co; m++) acc += fv[f + m] * dyv[g + m];
        out[((b * H + h) * W + w) * ci + k] += acc;
      }
    }
  }
  return Float32Array.from(out);
}

describe('in-place Conv2DBackpropFilter on wasm', () => {
  beforeAll(async () => {
    const info = await initBackend({ prefer: 'wasm', threads: 1 });
    expect(info.name).toBe('wasm');
  });

  it('compiles the SIMD kernels against the backend heap (none without a memory)', () => {
    expect(simdGemmFor(backend().wasm.asm.memory, 'plain')?.variant).toBe('plain');
    expect(simdGemmFor(backend().wasm.asm.memory, 'fma')?.variant).toBe('fma');
    expect(simdGemmFor(backend().wasm.asm.memory)?.variant).toBe('fma'); // 'auto' prefers the fused one
    expect(simdGemmFor(undefined)).toBeNull();
  });

  it.each(['plain', 'fma'] as const)('SIMD kernel (%s): every tile shape and a walk with negative skips match a plain loop', (variant) => {
    const g = simdGemmFor(backend().wasm.asm.memory, variant)!;
    // A source buffer; rows start at scattered offsets and walk imgs × rows × wo steps.
    const walk = { wo: 5, rows: 3, imgs: 2, aStep: 3 * 4, aRowSkip: -7 * 4, aImgSkip: 11 * 4 };
    const steps = walk.wo * walk.rows * walk.imgs;
    for (const M of [1, 2, MAX_MR - 1, MAX_MR, MAX_MR + 1, 2 * MAX_MR + 3]) {
      for (const N of [1, 3, 4, 5, 8, 9, 13, 17]) {
        const src = tf.tensor1d(values(4096, M * 31 + N));
        const B = tf.tensor2d(values(steps * (N + 2), N + 5), [steps, N + 2]); // pitch N + 2
        const C0 = values(M * (N + 1), 7 + M + N);
        const C = tf.tensor2d(C0, [M, N + 1]); // pitch N + 1; starts non-zero: the kernel accumulates
        const rowStart = Array.from({ length: M }, (_, m) => 40 + 97 * m);
        simdAccumulate(g, rowStart.map((o) => addr(src) + o * 4), M, N, walk, addr(B), (N + 2) * 4, addr(C), (N + 1) * 4);
        const sv = src.dataSync();
        const bv = B.dataSync();
        const expected = Float32Array.from(C0);
        for (let m = 0; m < M; m++) {
          let p = rowStart[m];
          let step = 0;
          for (let im = 0; im < walk.imgs; im++) {
            for (let r = 0; r < walk.rows; r++) {
              for (let j = 0; j < walk.wo; j++, step++) {
                for (let q = 0; q < N; q++) expected[m * (N + 1) + q] += sv[p] * bv[step * (N + 2) + q];
                p += 3;
              }
              p -= 7;
            }
            p += 11;
          }
        }
        expectClose(C.dataSync(), expected, `M=${M} N=${N}`);
        tf.dispose([src, B, C]);
      }
    }
  });

  it.each(['plain', 'fma'] as const)('SIMD kernel (%s) on a shared memory (the threaded build keeps its heap in one)', (variant) => {
    const memory = new WebAssembly.Memory({ initial: 2, maximum: 64, shared: true });
    const g = simdGemmFor(memory, variant)!;
    expect(g.variant).toBe(variant);
    const f = new Float32Array(memory.buffer);
    const M = 7, N = 11, K = 19;
    const A = 0, B = 4096, C = 8192; // float offsets
    f.set(values(M * K, 1), A);
    f.set(values(K * N, 2), B);
    f.fill(0, C, C + M * N);
    simdAccumulate(g, Array.from({ length: M }, (_, m) => (A + m * K) * 4), M, N, { wo: K, rows: 1, imgs: 1, aStep: 4, aRowSkip: 0, aImgSkip: 0 }, B * 4, N * 4, C * 4, N * 4);
    const expected = new Float32Array(M * N);
    for (let m = 0; m < M; m++) for (let q = 0; q < N; q++) {
      let acc = 0;
      for (let k = 0; k < K; k++) acc += f[A + m * K + k] * f[B + k * N + q];
      expected[m * N + q] = acc;
    }
    expectClose(f.subarray(C, C + M * N), expected, 'shared memory product');
  });

  it('plans a padded copy only where the forward pass reads outside x', () => {
    const g = (H: number, k: number, s: number, pt: number, Ho: number) => ({ kh: k, kw: k, sh: s, sw: s, dh: 1, dw: 1, pt, pl: pt, H, W: H, Ho, Wo: Ho });
    expect(planFilterGrad(g(32, 3, 1, 0, 30), 64).padded).toBe(false); // valid
    expect(planFilterGrad(g(8, 3, 2, 0, 3), 64).padded).toBe(false); // valid, stride 2, last row unused
    expect(planFilterGrad(g(32, 3, 1, 1, 32), 64)).toMatchObject({ padded: true, Hn: 34, Wn: 34 });
    expect(planFilterGrad(g(16, 3, 2, 0, 8), 64)).toMatchObject({ padded: true, Hn: 17 }); // 'same' stride 2: one row below
    expect(planFilterGrad(g(8, 3, 1, 1, 8), 64).imgsPerBlock).toBe(32);
  });

  describe.each(CASES)('$name', (cs) => {
    const [kh, kw] = cs.k;
    const fShape: [number, number, number, number] = [kh, kw, cs.x[3], cs.co];
    const xv = values(cs.x.reduce((p, q) => p * q), 11);
    it('dW matches the reference', async () => {
      await tf.setBackend('wasm');
      const outShape = tf.tidy(() => tf.conv2d(tf.zeros(cs.x) as tf.Tensor4D, tf.zeros(fShape) as tf.Tensor4D, cs.s, cs.pad, 'NHWC', cs.d ?? 1).shape);
      const dyv = values(outShape.reduce((p, q) => p * q), 12);
      const attrs = { strides: cs.s, pad: cs.pad, dataFormat: 'NHWC' as const, dilations: cs.d ?? 1, filterShape: fShape };
      let expected: Float32Array;
      if (cs.d) {
        expected = referenceFilterGrad(cs, xv, dyv, outShape[1], outShape[2]);
      } else {
        await tf.setBackend('cpu');
        expected = tf.tidy(() => (tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.tensor4d(xv, cs.x), dy: tf.tensor4d(dyv, outShape) }, attrs) as tf.Tensor).dataSync() as Float32Array);
        await tf.setBackend('wasm');
      }
      const x = tf.tensor4d(xv, cs.x);
      const dy = tf.tensor4d(dyv, outShape);
      const idsBefore = backend().numDataIds();
      const got = conv2dBackpropFilter(backend(), x as unknown as tf.TensorInfo, dy as unknown as tf.TensorInfo, attrs as never);
      // Only the result is left allocated (scratch buffers are freed).
      expect(backend().numDataIds()).toBe(idsBefore + 1);
      expect(got.shape).toEqual(fShape);
      expectClose(backend().typedArrayFromHeap(got) as Float32Array, expected, 'dW');
      // The registered kernel (what training calls) takes the same path.
      const viaEngine = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs) as tf.Tensor;
      expectClose(viaEngine.dataSync(), expected, 'dW via the registered kernel');
      if (cs.x[0] === 2 && !cs.d && (cs.x[3] <= 3 || cs.name.includes('stride 2'))) {
        // The previous kernel (the fallback) still agrees.
        const legacy = conv2dBackpropFilter(backend(), x as unknown as tf.TensorInfo, dy as unknown as tf.TensorInfo, attrs as never, 'legacy');
        expectClose(backend().typedArrayFromHeap(legacy) as Float32Array, expected, 'dW (legacy kernel)');
        backend().disposeData(legacy.dataId);
      }
      backend().disposeData(got.dataId);
      tf.dispose([x, dy, viaEngine]);
    });

    it('dx matches the reference (our input-gradient kernel)', async () => {
      await tf.setBackend('wasm');
      const outShape = tf.tidy(() => tf.conv2d(tf.zeros(cs.x) as tf.Tensor4D, tf.zeros(fShape) as tf.Tensor4D, cs.s, cs.pad, 'NHWC', cs.d ?? 1).shape);
      const dyv = values(outShape.reduce((p, q) => p * q), 13);
      const fv = values(fShape.reduce((p, q) => p * q), 14);
      const attrs = { strides: cs.s, pad: cs.pad, dataFormat: 'NHWC' as const, dilations: cs.d ?? 1, inputShape: cs.x };
      let expected: Float32Array;
      if (cs.d) {
        expected = referenceInputGrad(cs, fv, dyv, outShape[1], outShape[2]);
      } else {
        await tf.setBackend('cpu');
        expected = tf.tidy(() => (tf.engine().runKernel('Conv2DBackpropInput', { dy: tf.tensor4d(dyv, outShape), filter: tf.tensor4d(fv, fShape) }, attrs) as tf.Tensor).dataSync() as Float32Array);
        await tf.setBackend('wasm');
      }
      const dy = tf.tensor4d(dyv, outShape);
      const filter = tf.tensor4d(fv, fShape);
      const idsBefore = backend().numDataIds();
      const got = conv2dBackpropInput(backend(), dy as unknown as tf.TensorInfo, filter as unknown as tf.TensorInfo, attrs as never, 'in-place')!;
      expect(backend().numDataIds()).toBe(idsBefore + 1);
      expect(got.shape).toEqual(cs.x);
      expectClose(backend().typedArrayFromHeap(got) as Float32Array, expected, 'dx');
      backend().disposeData(got.dataId);
      if (!cs.d) {
        const viaEngine = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, attrs) as tf.Tensor;
        expectClose(viaEngine.dataSync(), expected, 'dx via the registered kernel');
        viaEngine.dispose();
      }
      tf.dispose([dy, filter]);
    });
  });

  it('propagates NaN only where the definition does (padding is never multiplied)', async () => {
    await tf.setBackend('wasm');
    const xv = values(1 * 5 * 5 * 1, 3);
    xv[0] = NaN; // top-left pixel: with a 3×3 'valid' kernel only tap (0,0) reads it
    const x = tf.tensor4d(xv, [1, 5, 5, 1]);
    const dy = tf.tensor4d(values(9, 4), [1, 3, 3, 1]);
    const dW = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [3, 3, 1, 1] }) as tf.Tensor;
    const v = dW.dataSync();
    expect(Number.isNaN(v[0])).toBe(true);
    for (let i = 1; i < 9; i++) expect(Number.isFinite(v[i]), `tap ${i}`).toBe(true);
    tf.dispose([x, dy, dW]);
  });
});

/**
 * copyPadded (the zero-bordered copy the padded convolutions read from): the
 * wasm module (memory.copy / memory.fill) and the typed-array loop against
 * the definition, including crops (Hn < H + pt), overhangs, a buffer that
 * holds no image row, and an offset first image; nothing outside the
 * destination is written.
 */
describe('copyPadded', () => {
  beforeAll(async () => {
    await initBackend({ prefer: 'wasm', threads: 1 });
  });
  const cases: [string, { n0: number; imgs: number; H: number; W: number; ci: number; Hn: number; Wn: number; pt: number; pl: number }][] = [
    ['same 3×3 (pad 1 all round)', { n0: 0, imgs: 2, H: 5, W: 6, ci: 4, Hn: 7, Wn: 8, pt: 1, pl: 1 }],
    ['Winograd overhang (pad 1, 2 rows / 3 columns more)', { n0: 1, imgs: 2, H: 7, W: 5, ci: 3, Hn: 10, Wn: 9, pt: 1, pl: 1 }],
    ['asymmetric pads, one channel', { n0: 0, imgs: 3, H: 4, W: 4, ci: 1, Hn: 7, Wn: 5, pt: 2, pl: 0 }],
    ['crop: the buffer ends inside the image', { n0: 2, imgs: 1, H: 9, W: 9, ci: 2, Hn: 6, Wn: 7, pt: 1, pl: 2 }],
    ['no image row lands in the buffer', { n0: 0, imgs: 2, H: 3, W: 3, ci: 2, Hn: 2, Wn: 5, pt: 4, pl: 1 }],
    ['no padding at all', { n0: 1, imgs: 1, H: 4, W: 3, ci: 8, Hn: 4, Wn: 3, pt: 0, pl: 0 }],
  ];
  for (const [name, c] of cases) {
    for (const wasm of [true, false]) {
      it(`${name} (${wasm ? 'wasm module' : 'typed arrays'})`, () => {
        const b = tf.backend() as unknown as WasmBackendLike;
        const nImgs = c.n0 + c.imgs;
        const src = b.makeOutput([nImgs * c.H * c.W * c.ci], 'float32');
        const len = c.imgs * c.Hn * c.Wn * c.ci;
        const dst = b.makeOutput([len + 16], 'float32');
        const heap = () => new Float32Array(b.wasm.HEAPU8.buffer);
        const sAt = b.dataIdMap.get(src.dataId).memoryOffset;
        const dAt = b.dataIdMap.get(dst.dataId).memoryOffset;
        heap().set(values(nImgs * c.H * c.W * c.ci, 5), sAt >> 2);
        heap().fill(-7, dAt >> 2, (dAt >> 2) + len + 16); // garbage, and canaries after the buffer
        setPadInWasm(wasm);
        try {
          copyPadded(b, sAt, dAt + 32, c.n0, c.imgs, c.H, c.W, c.ci, c.Hn, c.Wn, c.pt, c.pl);
        } finally {
          setPadInWasm(true);
        }
        const h = heap();
        const x = h.slice(sAt >> 2, (sAt >> 2) + nImgs * c.H * c.W * c.ci);
        const got = h.slice((dAt >> 2) + 8, (dAt >> 2) + 8 + len);
        const want = new Float32Array(len);
        for (let q = 0; q < c.imgs; q++) for (let i = 0; i < c.Hn; i++) for (let j = 0; j < c.Wn; j++) for (let k = 0; k < c.ci; k++) {
          const [hh, ww] = [i - c.pt, j - c.pl];
          const inside = hh >= 0 && hh < c.H && ww >= 0 && ww < c.W;
          want[((q * c.Hn + i) * c.Wn + j) * c.ci + k] = inside ? x[(((c.n0 + q) * c.H + hh) * c.W + ww) * c.ci + k] : 0;
        }
        expect(Array.from(got)).toEqual(Array.from(want));
        const before = Array.from(h.slice(dAt >> 2, (dAt >> 2) + 8));
        const after = Array.from(h.slice((dAt >> 2) + 8 + len, (dAt >> 2) + 16 + len));
        expect(before.concat(after), 'nothing written outside the buffer').toEqual(new Array(16).fill(-7));
        b.disposeData(src.dataId);
        b.disposeData(dst.dataId);
      });
    }
  }
});
