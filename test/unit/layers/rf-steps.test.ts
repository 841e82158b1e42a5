/**
 * Each layer's receptive-field step (kernel, stride, dilation, padBefore,
 * transposed) checked against what tfjs computes: with all weights set to 1,
 * output unit o depends on input i exactly when ∂out[o]/∂in[i] ≠ 0. This pins
 * TF's uneven 'same' padding (the extra pixel goes after) and the crop of
 * transposed convolutions, independently of our arithmetic.
 */
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RfStep } from '../../../engine/layers';
import { resolved } from './tf-oracle';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Input positions (along height) each output position depends on, per tfjs gradients. */
function tfSupport(type: string, params: Record<string, unknown>, n: number): number[][] {
  const { def, p } = resolved(type, params);
  // Square: tfjs' CPU ResizeBilinearGrad labels its result [W, H], which fails unless H = W.
  const layer = def.toTfjs(tf, p as never, `${type}_rf`, [[n, n, 1]]);
  layer.apply(tf.input({ shape: [n, n, 1] }));
  layer.setWeights(layer.getWeights().map((w) => tf.onesLike(w)));
  const x = tf.randomUniform([1, n, n, 1], 1, 2, 'float32', 3);
  const outLen = (layer.outputShape as number[])[1];
  const rows: number[][] = [];
  for (let o = 0; o < outLen; o++) {
    // ∂out[o, column 0] / ∂in[i, column 0] for every row i.
    const g = tf.tidy(() => tf.grad((t: tf.Tensor) => tf.slice(layer.apply(t) as tf.Tensor, [0, o, 0, 0], [1, 1, 1, 1]).sum())(x).reshape([n, n]).slice([0, 0], [n, 1]).dataSync());
    rows.push([...g.keys()].filter((i) => g[i] !== 0));
  }
  x.dispose();
  return rows;
}

/** Input positions the RfStep says output o may depend on (height axis), within 0…n−1. */
function stepSupport(step: RfStep, o: number, n: number): number[] {
  const [k, s, d, pb] = [step.kernel[0], step.stride[0], step.dilation[0], step.padBefore[0]];
  const out: number[] = [];
  for (let i = 0; i < n; i++)
    for (let t = 0; t < k; t++) {
      // Forward: o·s − pb + t·d = i.  Transposed: i·s + t·d − pb = o.
      const hit = step.transposed ? i * s + t * d - pb === o : o * s - pb + t * d === i;
      if (hit) {
        out.push(i);
        break;
      }
    }
  return out;
}

function check(type: string, params: Record<string, unknown>, n: number, exact = true) {
  const { def, p } = resolved(type, params);
  const step = def.rf([[n, n, 1]], p as never) as RfStep;
  expect(typeof step).toBe('object');
  const got = tfSupport(type, params, n);
  got.forEach((inputs, o) => {
    const predicted = stepSupport(step, o, n);
    if (exact) expect(inputs, `${type} ${JSON.stringify(params)} n=${n}, output ${o}`).toEqual(predicted);
    else for (const i of inputs) expect(predicted, `${type} ${JSON.stringify(params)} n=${n}, output ${o}`).toContain(i);
  });
}

describe('receptive-field steps agree with tfjs gradients', () => {
  it('Conv2D: strides, dilation, same/valid, even kernels (TF pads the extra pixel after)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 4, max: 11 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.constantFrom('same', 'valid'),
        (n, k, s, d, padding) => {
          if (s > 1 && d > 1) d = 1;
          if (padding === 'valid' && d * (k - 1) + 1 > n) return;
          check('conv2d', { filters: 1, kernel: [k, 1], stride: [s, 1], dilation: [d, 1], padding }, n);
        },
      ),
      { numRuns: 40, seed: 11 },
    );
  });

  it('DepthwiseConv2D and SeparableConv2D', () => {
    check('depthwise-conv2d', { kernel: [4, 1], stride: [2, 1] }, 9);
    check('separable-conv2d', { filters: 1, kernel: [3, 1], dilation: [2, 1] }, 8);
    check('separable-conv2d', { filters: 1, kernel: [2, 1], stride: [3, 1], padding: 'valid' }, 10);
  });

  it('AvgPool2D (MaxPool2D shares its window): stride = pool, same/valid', () => {
    for (const [pool, stride, padding, n] of [
      [2, 0, 'valid', 7],
      [3, 2, 'same', 8],
      [2, 0, 'same', 7],
      [3, 1, 'same', 5],
    ] as const)
      check('avg-pool2d', { pool: [pool, 1], stride: [stride, 0], padding }, n);
  });

  it("Conv2DTranspose: TF's crop for 'same', none for 'valid'", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 6 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 3 }), fc.constantFrom('same', 'valid'), (n, k, s, padding) => {
        check('conv2d-transpose', { filters: 1, kernel: [k, 1], stride: [s, 1], padding }, n);
      }),
      { numRuns: 30, seed: 5 },
    );
  });

  it('UpSampling2D: nearest exactly; bilinear within its step', () => {
    check('upsampling2d', { size: [2, 1] }, 4);
    check('upsampling2d', { size: [3, 1] }, 3);
    check('upsampling2d', { size: [2, 1], interpolation: 'bilinear' }, 4, false);
    check('upsampling2d', { size: [3, 1], interpolation: 'bilinear' }, 4, false);
  });

  it('ZeroPadding2D shifts by the top padding', () => {
    check('zero-padding2d', { top: 2, bottom: 1, left: 0, right: 0 }, 4);
  });
});
