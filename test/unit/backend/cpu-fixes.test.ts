/**
 * tfjs-backend-cpu's ResizeBilinearGrad, corrected (engine/backend/kernels/
 * cpu-fixes.ts). Bilinear resizing is linear in the image, so its gradient
 * for a weighting r is the adjoint: Σ resize(x)·r = Σ x·grad for every x.
 * That identity is the reference (no other implementation involved), on
 * non-square images where tfjs 4.22's kernel swapped height and width.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../engine/backend';
import { values } from '../../helpers/tensors';

beforeAll(async () => {
  await initBackend({ prefer: 'cpu' });
});

describe('bilinear resize gradient on the cpu backend', () => {
  const CASES: { x: [number, number, number, number]; size: [number, number]; alignCorners: boolean }[] = [
    { x: [2, 3, 5, 2], size: [6, 10], alignCorners: false },
    { x: [1, 4, 2, 3], size: [8, 4], alignCorners: false },
    { x: [1, 3, 7, 1], size: [5, 9], alignCorners: true },
    { x: [2, 4, 4, 2], size: [8, 8], alignCorners: false },
  ];
  it.each(CASES)('$x → $size (alignCorners $alignCorners): the gradient is the adjoint, with the image\'s shape', async ({ x: shape, size, alignCorners }) => {
    await tf.setBackend('cpu');
    const n = shape.reduce((p, q) => p * q, 1);
    const r = tf.tensor4d(values(shape[0] * size[0] * size[1] * shape[3], 7), [shape[0], ...size, shape[3]]);
    const f = (t: tf.Tensor) => tf.sum(tf.mul(tf.image.resizeBilinear(t as tf.Tensor4D, size, alignCorners), r));
    const grad = tf.grad(f)(tf.zeros(shape));
    expect(grad.shape).toEqual(shape);
    for (const seed of [1, 2, 3]) {
      const x = tf.tensor4d(values(n, seed), shape);
      const lhs = (await f(x).data())[0];
      const rhs = (await tf.sum(tf.mul(x, grad)).data())[0];
      expect(Math.abs(lhs - rhs)).toBeLessThan(1e-4);
      x.dispose();
    }
    tf.dispose([r, grad]);
  });

  it('trains an UpSampling2D(bilinear) layer on a non-square image', async () => {
    await tf.setBackend('cpu');
    const model = tf.sequential({ layers: [tf.layers.upSampling2d({ size: [2, 2], interpolation: 'bilinear', inputShape: [3, 5, 1] }), tf.layers.conv2d({ filters: 1, kernelSize: 3 })] });
    const x = tf.tensor4d(values(15, 4), [1, 3, 5, 1]);
    const { grads } = tf.variableGrads(() => tf.sum(tf.square(model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar);
    expect(Object.keys(grads)).toHaveLength(2);
    tf.dispose([x, ...Object.values(grads)]);
    model.dispose();
  });
});
