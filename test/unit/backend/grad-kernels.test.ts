/**
 * The gradient kernels we register on wasm, checked against the CPU backend.
 *
 * Undilated cases go through the public API (tf.grads of a loss through
 * tf.conv2d / tf.depthwiseConv2d) on both backends, so the whole gradient path
 * is compared. tfjs refuses gradients of dilated convolutions, so dilated
 * cases call the kernels directly and compare with an independent CPU
 * reference: a convolution with dilation d equals one with the zero-stuffed
 * filter of size (k−1)·d+1, whose gradients the CPU kernels compute exactly;
 * the dilated filter gradient is that gradient sampled every d taps.
 *
 * Tolerance: |wasm − cpu| ≤ 1e-4 · max(1, max|cpu|) per element: float32 sums
 * of at most a few thousand products, accumulated in a different order.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../engine/backend';
import { expectClose as expectWithin, onBackend as on, size, values } from '../../helpers/tensors';

type Pad = 'same' | 'valid';
interface Case {
  name: string;
  x: [number, number, number, number];
  k: [number, number];
  /** Output channels (conv2d) — depthwise uses the channel multiplier below. */
  co: number;
  s: [number, number];
  d: [number, number];
  pad: Pad;
}

const c = (name: string, x: Case['x'], k: Case['k'], co: number, s: number | [number, number], pad: Pad, d: number | [number, number] = 1): Case => ({
  name, x, k, co, pad,
  s: typeof s === 'number' ? [s, s] : s,
  d: typeof d === 'number' ? [d, d] : d,
});

const CASES: Case[] = [
  c('3×3 stride 1 same', [2, 7, 7, 3], [3, 3], 4, 1, 'same'),
  c('3×3 stride 1 valid', [2, 7, 7, 3], [3, 3], 4, 1, 'valid'),
  c('3×3 stride 2 same, odd size', [2, 9, 9, 2], [3, 3], 3, 2, 'same'),
  c('3×3 stride 2 valid, odd size', [3, 9, 7, 2], [3, 3], 3, 2, 'valid'),
  c('3×3 stride 2 valid, even size (last row unused)', [2, 8, 8, 2], [3, 3], 2, 2, 'valid'),
  c('3×3 stride 2 same, even size', [2, 8, 10, 3], [3, 3], 2, 2, 'same'),
  c('1×1 stride 2 valid (every other row unused)', [2, 6, 5, 3], [1, 1], 4, 2, 'valid'),
  c('5×3 kernel, strides 2×1, same', [2, 11, 7, 2], [5, 3], 3, [2, 1], 'same'),
  c('2×2 stride 2 valid (pool-like)', [2, 6, 6, 3], [2, 2], 2, 2, 'valid'),
  c('4×4 stride 3 same', [1, 10, 11, 2], [4, 4], 2, 3, 'same'),
  c('first layer: 1 channel, batch 4', [4, 12, 12, 1], [3, 3], 8, 1, 'valid'),
  // kh·kw·Ci < Co: the filter gradient takes the patches × dy product route.
  c('first layer, patches route: 1 channel, 16 filters', [3, 12, 11, 1], [3, 3], 16, 1, 'valid'),
  c('first layer, patches route: RGB, stride 2 same', [2, 11, 10, 3], [3, 3], 32, 2, 'same'),
  c('batch 1', [1, 6, 6, 4], [3, 3], 5, 1, 'same'),
  c('kernel covers whole input', [2, 5, 5, 2], [5, 5], 3, 1, 'valid'),
  c('dilation 2 same', [2, 9, 9, 2], [3, 3], 3, 1, 'same', 2),
  c('dilation 2 valid', [2, 9, 8, 2], [3, 3], 3, 1, 'valid', 2),
  c('dilation 2×3 same, 1 channel', [2, 10, 11, 1], [3, 2], 2, 1, 'same', [2, 3]),
  c('dilation 2 valid, patches route', [2, 10, 11, 1], [3, 2], 8, 1, 'valid', 2),
  // The in-place filter gradient's tile remainders (6-row and 8/4/1-column tiles).
  c('13 filters, stride 2 same', [2, 9, 11, 5], [3, 3], 13, 2, 'same'),
  c('1×1 stride 2 same (ResNet projection)', [2, 8, 8, 4], [1, 1], 6, 2, 'same'),
  c('7 channels: 63 filter rows', [2, 7, 6, 7], [3, 3], 9, 1, 'valid'),
];

const TOL = 1e-4;
const expectClose = (actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, tol = TOL) => expectWithin(actual, expected, what, tol);





/** Zero-stuffs a filter [kh,kw,a,b] to [(kh−1)dh+1,(kw−1)dw+1,a,b]. */
function dilateFilter(f: tf.Tensor4D, dh: number, dw: number): tf.Tensor4D {
  const [kh, kw, a, b] = f.shape;
  const data = f.dataSync();
  const H = (kh - 1) * dh + 1;
  const W = (kw - 1) * dw + 1;
  const out = new Float32Array(H * W * a * b);
  for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) {
    out.set(data.subarray((i * kw + j) * a * b, (i * kw + j + 1) * a * b), (i * dh * W + j * dw) * a * b);
  }
  return tf.tensor4d(out, [H, W, a, b]);
}

/** Takes every d-th tap of a filter gradient of the zero-stuffed filter. */
function sampleTaps(g: tf.Tensor4D, kh: number, kw: number, dh: number, dw: number): tf.Tensor4D {
  return tf.stridedSlice(g, [0, 0, 0, 0], [(kh - 1) * dh + 1, (kw - 1) * dw + 1, g.shape[2], g.shape[3]], [dh, dw, 1, 1]) as tf.Tensor4D;
}

describe('wasm gradient kernels vs the CPU backend', () => {
  beforeAll(async () => {
    const info = await initBackend({ prefer: 'wasm', threads: 1 });
    expect(info.name).toBe('wasm');
  });

  it('registers the kernels tfjs-backend-wasm lacks', () => {
    for (const k of ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput']) {
      expect(tf.getKernel(k, 'wasm'), k).toBeDefined();
    }
  });

  describe.each(CASES)('conv2d: $name', (cs) => {
    const [kh, kw] = cs.k;
    const fShape = [kh, kw, cs.x[3], cs.co];
    const xv = values(size(cs.x), 1);
    const fv = values(size(fShape), 2);
    const build = () => {
      const x = tf.tensor4d(xv, cs.x);
      const f = tf.tensor4d(fv, fShape as [number, number, number, number]);
      return { x, f };
    };

    it('dx and dW match', async () => {
      const dilated = cs.d[0] > 1 || cs.d[1] > 1;
      if (!dilated) {
        const grads = () => {
          const { x, f } = build();
          const y = tf.conv2d(x, f, cs.s, cs.pad);
          const w = tf.tensor(values(y.size, 3), y.shape);
          const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, cs.s, cs.pad), w)));
          return g([x, f]);
        };
        const [dxC, dfC] = await on('cpu', grads);
        const [dxW, dfW] = await on('wasm', grads);
        expectClose(dxW, dxC, 'dx');
        expectClose(dfW, dfC, 'dW');
        return;
      }
      // Dilated: kernels directly, reference through the zero-stuffed filter.
      const outShape = tf.conv2d(tf.zeros(cs.x) as tf.Tensor4D, tf.zeros(fShape as [number, number, number, number]) as tf.Tensor4D, cs.s, cs.pad, 'NHWC', cs.d).shape;
      const dyv = values(size(outShape), 3);
      const [dxC, dfC] = await on('cpu', () => {
        const { x, f } = build();
        const dy = tf.tensor4d(dyv, outShape as [number, number, number, number]);
        const fd = dilateFilter(f, cs.d[0], cs.d[1]);
        const dx = tf.conv2dTranspose(dy, fd, cs.x, cs.s, cs.pad);
        const gfd = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: cs.s, pad: cs.pad, dataFormat: 'NHWC', filterShape: fd.shape }) as tf.Tensor4D;
        return [dx, sampleTaps(gfd, kh, kw, cs.d[0], cs.d[1])];
      });
      const [dxW, dfW] = await on('wasm', () => {
        const { x, f } = build();
        const dy = tf.tensor4d(dyv, outShape as [number, number, number, number]);
        const attrs = { strides: cs.s, pad: cs.pad, dataFormat: 'NHWC', dilations: cs.d };
        return [
          tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: f }, { ...attrs, inputShape: cs.x }) as tf.Tensor,
          tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: fShape }) as tf.Tensor,
        ];
      });
      expectClose(dxW, dxC, 'dx (dilated)');
      expectClose(dfW, dfC, 'dW (dilated)');
    });
  });

  describe.each(CASES.flatMap((cs) => [1, 2].map((m) => ({ ...cs, m }))))('depthwise ×$m: $name', (cs) => {
    const [kh, kw] = cs.k;
    const fShape: [number, number, number, number] = [kh, kw, cs.x[3], cs.m];
    const xv = values(size(cs.x), 4);
    const fv = values(size(fShape), 5);
    // tfjs's depthwise op allows strides > 1 only when both strides are equal.
    const ok = cs.s[0] === cs.s[1];
    it.skipIf(!ok)('dx and dW match', async () => {
      const dilated = cs.d[0] > 1 || cs.d[1] > 1;
      if (!dilated) {
        const grads = () => {
          const x = tf.tensor4d(xv, cs.x);
          const f = tf.tensor4d(fv, fShape);
          const y = tf.depthwiseConv2d(x, f, cs.s, cs.pad);
          const w = tf.tensor(values(y.size, 6), y.shape);
          const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, cs.s, cs.pad), w)));
          return g([x, f]);
        };
        const [dxC, dfC] = await on('cpu', grads);
        const [dxW, dfW] = await on('wasm', grads);
        expectClose(dxW, dxC, 'dx');
        expectClose(dfW, dfC, 'dW');
        return;
      }
      const outShape = tf.depthwiseConv2d(tf.zeros(cs.x) as tf.Tensor4D, tf.zeros(fShape) as tf.Tensor4D, cs.s, cs.pad, 'NHWC', cs.d).shape;
      const dyv = values(size(outShape), 6);
      const [dxC, dfC] = await on('cpu', () => {
        const x = tf.tensor4d(xv, cs.x);
        const f = tf.tensor4d(fv, fShape);
        const dy = tf.tensor4d(dyv, outShape as [number, number, number, number]);
        const fd = dilateFilter(f, cs.d[0], cs.d[1]);
        const attrs = { strides: cs.s, pad: cs.pad, dilations: [1, 1] };
        const dx = tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter: fd }, { ...attrs, inputShape: cs.x }) as tf.Tensor;
        const gfd = tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...attrs, filterShape: fd.shape }) as tf.Tensor4D;
        return [dx, sampleTaps(gfd, kh, kw, cs.d[0], cs.d[1])];
      });
      const [dxW, dfW] = await on('wasm', () => {
        const x = tf.tensor4d(xv, cs.x);
        const f = tf.tensor4d(fv, fShape);
        const dy = tf.tensor4d(dyv, outShape as [number, number, number, number]);
        const attrs = { strides: cs.s, pad: cs.pad, dilations: cs.d };
        return [
          tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter: f }, { ...attrs, inputShape: cs.x }) as tf.Tensor,
          tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...attrs, filterShape: fShape }) as tf.Tensor,
        ];
      });
      expectClose(dxW, dxC, 'dx (dilated)');
      expectClose(dfW, dfC, 'dW (dilated)');
    });
  });

  it('frees every intermediate: no wasm tensors leak across gradient calls', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor4d(values(2 * 9 * 9 * 3, 7), [2, 9, 9, 3]);
    const f = tf.tensor4d(values(3 * 3 * 3 * 4, 8), [3, 3, 3, 4]);
    const df = tf.tensor4d(values(3 * 3 * 3 * 2, 9), [3, 3, 3, 2]);
    const step = () => tf.tidy(() => {
      const [a, b] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.conv2d(p as tf.Tensor4D, q as tf.Tensor4D, 2, 'same')))([x, f]);
      const [c2, d2] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.depthwiseConv2d(p as tf.Tensor4D, q as tf.Tensor4D, 2, 'same')))([x, df]);
      return [a, b, c2, d2].map((t) => t.sum());
    });
    tf.dispose(step());
    const before = tf.memory().numTensors;
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const idsBefore = backend.numDataIds();
    for (let i = 0; i < 3; i++) tf.dispose(step());
    expect(tf.memory().numTensors).toBe(before);
    expect(backend.numDataIds()).toBe(idsBefore);
    tf.dispose([x, f, df]);
  });
});
