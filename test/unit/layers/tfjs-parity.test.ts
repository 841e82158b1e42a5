/**
 * Per-layer parity tables in the style of keras' conv_test.py: for each row,
 * {params, input shape(s), expected output shape, expected parameter count}.
 * The expected numbers are worked out by hand from the Keras formulas (and a
 * few are the published counts of Keras' MobileNet / Xception layers); each
 * row is checked twice: against the LayerDef (what the app shows) and against
 * the layer tfjs actually builds from it (what the app trains).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { isLayerError } from '../../../engine/core/issues';
import { resolved, tfLayer, tfRejects } from './tf-oracle';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

interface Row {
  type: string;
  params?: Record<string, unknown>;
  /** One shape per input slot. */
  inputs: number[][];
  shape: number[];
  count: number;
  /** Non-trainable part of `count` (BatchNorm's moving statistics). */
  nonTrainable?: number;
  why?: string;
}

const r = (type: string, params: Record<string, unknown>, input: number[], shape: number[], count = 0, why?: string): Row => ({ type, params, inputs: [input], shape, count, why });

const ROWS: Row[] = [
  // Conv2D: strides 1/2/3, same/valid, odd sizes, dilation, asymmetric kernels and strides, no bias.
  r('conv2d', { filters: 8, kernel: 3 }, [16, 16, 3], [16, 16, 8], 224, 'same, stride 1'),
  r('conv2d', { filters: 8, kernel: 3, stride: 2 }, [15, 15, 3], [8, 8, 8], 224, 'same, odd size, ceil(15/2)'),
  r('conv2d', { filters: 8, kernel: 3, stride: 3, padding: 'valid' }, [16, 16, 3], [5, 5, 8], 224, 'valid, ceil(14/3)'),
  r('conv2d', { filters: 4, kernel: 3, stride: 2, padding: 'valid' }, [7, 7, 2], [3, 3, 4], 76, 'valid, odd size'),
  r('conv2d', { filters: 2, kernel: 3, dilation: 2, padding: 'valid' }, [10, 10, 1], [6, 6, 2], 20, 'dilated kernel spans 5'),
  r('conv2d', { filters: 3, kernel: 3, dilation: 3 }, [9, 9, 2], [9, 9, 3], 57, 'dilated, same'),
  r('conv2d', { filters: 6, kernel: [1, 7] }, [12, 12, 4], [12, 12, 6], 174, '1×7 (Inception v3)'),
  r('conv2d', { filters: 5, kernel: [3, 1], stride: [2, 1], padding: 'valid' }, [11, 9, 2], [5, 9, 5], 35, 'asymmetric kernel and stride'),
  r('conv2d', { filters: 4, kernel: 5, padding: 'valid', useBias: false }, [9, 9, 3], [5, 5, 4], 300, 'no bias'),
  r('conv2d', { filters: 3, kernel: [2, 4], dilation: [2, 1], padding: 'valid' }, [8, 8, 1], [6, 5, 3], 27, 'dilation on one axis'),
  r('conv2d', { filters: 2, kernel: 3, stride: [1, 3] }, [10, 10, 2], [10, 4, 2], 38, 'stride on one axis'),
  r('conv2d', { filters: 128, kernel: 3 }, [4, 4, 64], [4, 4, 128], 73_856, 'VGG block 2: (3×3×64 + 1) × 128'),
  r('conv2d', { filters: 4, kernel: 1, stride: 2, padding: 'valid' }, [9, 9, 6], [5, 5, 4], 28, '1×1 projection shortcut'),

  // DepthwiseConv2D: depth multipliers, strides, odd sizes.
  r('depthwise-conv2d', {}, [8, 8, 4], [8, 8, 4], 40),
  r('depthwise-conv2d', { depthMultiplier: 2, stride: 2 }, [9, 9, 3], [5, 5, 6], 60, 'multiplier 2, odd size'),
  r('depthwise-conv2d', { depthMultiplier: 3, kernel: [3, 5], padding: 'valid' }, [7, 7, 2], [5, 3, 6], 96, 'multiplier 3, asymmetric'),
  r('depthwise-conv2d', { stride: 3, padding: 'valid', useBias: false }, [10, 10, 5], [3, 3, 5], 45),
  r('depthwise-conv2d', { useBias: false }, [8, 8, 32], [8, 8, 32], 288, 'Keras MobileNet conv_dw_1: 288'),

  // SeparableConv2D.
  r('separable-conv2d', { filters: 8 }, [8, 8, 4], [8, 8, 8], 76, '3×3×4 + (4 + 1) × 8'),
  r('separable-conv2d', { filters: 5, depthMultiplier: 2, stride: 2, padding: 'valid' }, [9, 9, 3], [4, 4, 5], 89, 'multiplier 2'),
  r('separable-conv2d', { filters: 4, dilation: 2, padding: 'valid', useBias: false }, [9, 9, 2], [5, 5, 4], 26, 'dilated'),
  r('separable-conv2d', { filters: 128, useBias: false }, [4, 4, 64], [4, 4, 128], 8768, 'Keras Xception block2_sepconv1: 8,768'),

  // Conv2DTranspose: same = n·s; valid = n·s + max(k − s, 0).
  r('conv2d-transpose', { filters: 4, kernel: 3, stride: 2 }, [5, 5, 3], [10, 10, 4], 112, 'same doubles'),
  r('conv2d-transpose', { filters: 4, kernel: 3, stride: 2, padding: 'valid' }, [5, 5, 3], [11, 11, 4], 112, 'valid: 5·2 + 1'),
  r('conv2d-transpose', { filters: 3, kernel: 1, stride: 2, padding: 'valid' }, [4, 4, 2], [8, 8, 3], 9, 'kernel < stride'),
  r('conv2d-transpose', { filters: 2, kernel: 4, stride: 3, padding: 'valid' }, [3, 4, 2], [10, 13, 2], 66, 'stride 3'),
  r('conv2d-transpose', { filters: 2, kernel: [2, 5], stride: [1, 2] }, [6, 6, 1], [6, 12, 2], 22, 'asymmetric'),
  r('conv2d-transpose', { filters: 2, kernel: 3, stride: 1, padding: 'valid', useBias: false }, [5, 5, 2], [7, 7, 2], 36, 'stride 1 grows by k − 1'),

  // Pooling: stride defaults to the pool size (TF), same/valid, odd sizes, overlapping windows.
  ...(['max-pool2d', 'avg-pool2d'] as const).flatMap((t) => [
    r(t, {}, [8, 8, 3], [4, 4, 3]),
    r(t, {}, [7, 7, 3], [3, 3, 3], 0, 'valid drops the odd edge'),
    r(t, { padding: 'same' }, [7, 7, 3], [4, 4, 3], 0, 'same keeps it'),
    r(t, { pool: 3, stride: 2 }, [55, 55, 2], [27, 27, 2], 0, 'AlexNet overlapping pooling'),
    r(t, { pool: 3, stride: 1, padding: 'same' }, [5, 5, 1], [5, 5, 1], 0, 'Inception pool branch'),
    r(t, { pool: [2, 3], stride: [1, 2] }, [6, 7, 2], [5, 3, 2]),
    r(t, { pool: 3 }, [10, 10, 1], [3, 3, 1], 0, 'stride = pool 3'),
    r(t, { pool: 2, stride: [0, 1] }, [6, 6, 1], [3, 5, 1], 0, '0 on one axis = the pool size there'),
  ]),
  r('global-avg-pool2d', {}, [7, 5, 6], [6], 0),
  r('global-max-pool2d', {}, [7, 5, 6], [6], 0),

  // BatchNorm: γ, β trainable; moving mean and variance not (2C + 2C).
  { type: 'batch-norm', inputs: [[8, 8, 16]], shape: [8, 8, 16], count: 64, nonTrainable: 32 },
  { type: 'batch-norm', params: { scale: false }, inputs: [[4, 4, 10]], shape: [4, 4, 10], count: 30, nonTrainable: 20, why: 'Keras InceptionV3 style' },
  { type: 'batch-norm', params: { center: false, scale: false }, inputs: [[6]], shape: [6], count: 12, nonTrainable: 12 },
  { type: 'batch-norm', inputs: [[20]], shape: [20], count: 80, nonTrainable: 40, why: 'after Dense' },

  // Shape-keeping layers without weights.
  ...['dropout', 'activation', 'relu', 'leaky-relu', 'elu', 'sigmoid', 'tanh', 'softmax', 'rescaling'].flatMap((t) => [r(t, {}, [5, 5, 3], [5, 5, 3]), r(t, {}, [7], [7])]),
  r('relu', { maxValue: 6 }, [4, 4, 2], [4, 4, 2]),
  r('activation', { activation: 'gelu' }, [3, 3, 2], [3, 3, 2]),
  r('dropout', { rate: 0 }, [3, 3, 2], [3, 3, 2]),

  // Reshaping.
  r('flatten', {}, [4, 5, 6], [120]),
  r('flatten', {}, [3, 4], [12]),
  r('zero-padding2d', {}, [4, 4, 1], [6, 6, 1]),
  r('zero-padding2d', { top: 1, bottom: 2, left: 3, right: 0 }, [5, 5, 2], [8, 8, 2], 0, 'asymmetric (ResNet uses ((3,3),(3,3)))'),
  r('reshape', {}, [4, 4, 2], [32]),
  r('reshape', { targetShape: [8, -1] }, [4, 4, 2], [8, 4]),
  r('reshape', { targetShape: [2, 4, 4] }, [32], [2, 4, 4]),
  r('reshape', { targetShape: [1, 1, -1] }, [12], [1, 1, 12]),
  r('upsampling2d', {}, [3, 4, 2], [6, 8, 2]),
  r('upsampling2d', { size: [2, 3], interpolation: 'bilinear' }, [3, 3, 1], [6, 9, 1]),

  // Dense (Keras applies it to the last axis).
  r('dense', { units: 10 }, [64], [10], 650),
  r('dense', { units: 10 }, [3, 3, 4], [3, 3, 10], 50, 'per pixel on an image'),
  r('dense', { units: 20, useBias: false }, [7], [20], 140),

  // Merges.
  { type: 'add', inputs: [[4, 4, 3], [4, 4, 3]], shape: [4, 4, 3], count: 0 },
  { type: 'add', inputs: [[6], [6], [6]], shape: [6], count: 0 },
  { type: 'concatenate', inputs: [[4, 4, 3], [4, 4, 5]], shape: [4, 4, 8], count: 0 },
  { type: 'concatenate', inputs: [[6], [4], [2]], shape: [12], count: 0 },
];

/** Every "expr = N" in a formula must evaluate to N (× is times, thousands commas dropped). */
function checkFormula(formula: string) {
  const parts = [...formula.matchAll(/([\d×+() ,.]+)= ([\d,]+)/g)];
  for (const [, expr, total] of parts) {
    const js = expr.replace(/,/g, '').replace(/×/g, '*');
    expect(/^[\d*+() .]+$/.test(js), `formula "${formula}"`).toBe(true);
    expect(Function(`return (${js})`)(), `formula "${formula}"`).toBe(Number(total.replace(/,/g, '')));
  }
  return parts.length;
}

describe.each(ROWS.map((row) => [`${row.type} ${JSON.stringify(row.params ?? {})} on ${row.inputs.map((s) => s.join('×')).join(' + ')}${row.why ? ` (${row.why})` : ''}`, row] as const))(
  '%s',
  (_name, row) => {
    it('shape and parameter count equal the hand-worked Keras values and what tfjs builds', () => {
      const { def, p } = resolved(row.type, row.params ?? {});
      const out = def.outputShape(row.inputs, p as never);
      expect(isLayerError(out) ? out.message : out).toEqual(row.shape);
      const pc = def.paramCount(row.inputs, p as never, row.shape);
      expect(pc.trainable + pc.nonTrainable).toBe(row.count);
      expect(pc.nonTrainable).toBe(row.nonTrainable ?? 0);
      if (row.count > 0) expect(checkFormula(pc.formula)).toBeGreaterThan(0);

      const v = tfLayer(row.type, row.params ?? {}, row.inputs);
      expect(v.error).toBeUndefined();
      expect(v.shape).toEqual(row.shape);
      expect(v.params).toBe(row.count);
      expect([v.trainable, v.nonTrainable]).toEqual([pc.trainable, pc.nonTrainable]);
    });
  },
);

/** Configurations the analysis refuses, with the code it gives; tfjs must refuse them too. */
const INVALID: { type: string; params?: Record<string, unknown>; inputs: number[][]; code: string }[] = [
  { type: 'conv2d', params: { kernel: 5, padding: 'valid' }, inputs: [[4, 4, 1]], code: 'E003' },
  { type: 'conv2d', params: { kernel: 3, dilation: 3, padding: 'valid' }, inputs: [[6, 6, 1]], code: 'E003' },
  { type: 'conv2d', params: { kernel: [1, 4], stride: 3, padding: 'valid' }, inputs: [[9, 3, 1]], code: 'E003' },
  { type: 'conv2d', params: { stride: 2, dilation: 2 }, inputs: [[8, 8, 1]], code: 'E001' },
  { type: 'separable-conv2d', params: { stride: 2, dilation: 2 }, inputs: [[8, 8, 2]], code: 'E001' },
  { type: 'depthwise-conv2d', params: { kernel: 4, padding: 'valid' }, inputs: [[3, 3, 2]], code: 'E003' },
  { type: 'max-pool2d', params: { pool: 3 }, inputs: [[2, 2, 1]], code: 'E003' },
  { type: 'avg-pool2d', params: { pool: [1, 4] }, inputs: [[5, 3, 1]], code: 'E003' },
  { type: 'flatten', inputs: [[10]], code: 'E005' },
  { type: 'conv2d', inputs: [[10]], code: 'E005' },
  { type: 'conv2d-transpose', inputs: [[10]], code: 'E005' },
  { type: 'max-pool2d', inputs: [[10]], code: 'E005' },
  { type: 'global-avg-pool2d', inputs: [[10]], code: 'E005' },
  { type: 'upsampling2d', inputs: [[10]], code: 'E005' },
  { type: 'zero-padding2d', inputs: [[10]], code: 'E005' },
  { type: 'add', inputs: [[4, 4, 3], [4, 4, 2]], code: 'E006' },
  { type: 'concatenate', inputs: [[4, 4, 3], [5, 4, 3]], code: 'E007' },
  { type: 'concatenate', inputs: [[4, 4, 3], [48]], code: 'E007' },
  { type: 'reshape', params: { targetShape: [5, 5] }, inputs: [[4, 4, 2]], code: 'E016' },
  { type: 'reshape', params: { targetShape: [3, -1] }, inputs: [[4, 4, 2]], code: 'E016' },
];

describe('configurations the analysis refuses are refused by tfjs too', () => {
  it.each(INVALID.map((c) => [`${c.type} ${JSON.stringify(c.params ?? {})} on ${c.inputs.map((s) => s.join('×')).join(' + ')} → ${c.code}`, c] as const))('%s', (_n, c) => {
    const { def, p } = resolved(c.type, c.params ?? {});
    const out = def.outputShape(c.inputs, p as never);
    expect(isLayerError(out) && out.code).toBe(c.code);
    if (isLayerError(out)) {
      // Plain words that quote what was received and say what to do.
      expect(out.message.length).toBeGreaterThan(20);
      expect(out.fix?.length ?? 0).toBeGreaterThan(10);
    }
    const t = tfRejects(c.type, c.params ?? {}, c.inputs);
    expect(t.rejected, t.how).toBe(true);
  });
});

describe('what each layer computes in tfjs matches its meaning', () => {
  const run = (type: string, params: Record<string, unknown>, x: tf.Tensor) => {
    const { def, p } = resolved(type, params);
    return tf.tidy(() => Array.from((def.toTfjs(tf, p as never, `${type}_run`).apply(x) as tf.Tensor).dataSync()));
  };

  it('ReLU with max value 6 is ReLU6; without, it does not cap', () => {
    const x = tf.tensor([[-3, 2, 7, 100]]);
    expect(run('relu', { maxValue: 6 }, x)).toEqual([0, 2, 6, 6]);
    expect(run('relu', {}, x)).toEqual([0, 2, 7, 100]);
  });

  it('LeakyReLU multiplies negatives by α', () => {
    const y = run('leaky-relu', { alpha: 0.1 }, tf.tensor([[-10, 5]]));
    expect(y[0]).toBeCloseTo(-1, 5);
    expect(y[1]).toBe(5);
  });

  it('Softmax sums to 1 over channels, also on an image (tfjs defaults to axis 1)', () => {
    const x = tf.randomNormal([1, 2, 3, 4], 0, 1, 'float32', 7);
    const { def, p } = resolved('softmax', {});
    const sums = tf.tidy(() => Array.from(tf.sum(def.toTfjs(tf, p as never, 'sm').apply(x) as tf.Tensor, -1).dataSync()));
    for (const s of sums) expect(s).toBeCloseTo(1, 5);
  });

  it('Rescaling maps 0…255 to 0…1 and to −1…1', () => {
    expect(run('rescaling', {}, tf.tensor([[0, 255]]))).toEqual([0, 1]);
    const y = run('rescaling', { scale: 1 / 127.5, offset: -1 }, tf.tensor([[0, 255]]));
    expect(y[0]).toBeCloseTo(-1, 6);
    expect(y[1]).toBeCloseTo(1, 6);
  });

  it('ZeroPadding2D puts top/left padding before the image', () => {
    const y = run('zero-padding2d', { top: 1, bottom: 0, left: 2, right: 0 }, tf.ones([1, 1, 1, 1]));
    // 2×3 output: only the bottom-right value is the image.
    expect(y).toEqual([0, 0, 0, 0, 0, 1]);
  });

  it('UpSampling2D nearest repeats each pixel', () => {
    expect(run('upsampling2d', {}, tf.tensor4d([1, 2], [1, 1, 2, 1]))).toEqual([1, 1, 2, 2, 1, 1, 2, 2]);
  });

  it('Dropout drops nothing outside training', () => {
    expect(run('dropout', { rate: 0.9 }, tf.ones([1, 8]))).toEqual(Array(8).fill(1));
  });
});
