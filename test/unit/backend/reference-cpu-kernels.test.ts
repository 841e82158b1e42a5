import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { conv2DBackpropFilterDirect } from '../../../bench/reference-cpu-kernels';

/** The accuracy reference's filter gradient must equal tfjs-backend-cpu's own, bit for bit. */
describe('bench reference: direct cpu Conv2DBackpropFilter', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  const cases: { x: [number, number, number, number]; f: [number, number, number, number]; s: number; pad: 'same' | 'valid' }[] = [
    { x: [2, 9, 9, 3], f: [3, 3, 3, 5], s: 1, pad: 'valid' },
    { x: [3, 8, 7, 4], f: [3, 3, 4, 6], s: 1, pad: 'same' },
    { x: [2, 9, 10, 2], f: [3, 3, 2, 4], s: 2, pad: 'same' },
    { x: [1, 11, 11, 3], f: [5, 5, 3, 2], s: 2, pad: 'valid' },
    { x: [2, 6, 6, 8], f: [1, 1, 8, 3], s: 1, pad: 'valid' },
  ];
  for (const c of cases) {
    it(`x ${c.x.join('×')}, filter ${c.f.join('×')}, stride ${c.s}, ${c.pad}`, () => {
      const x = tf.randomNormal(c.x, 0, 1, 'float32', 7);
      const y = tf.conv2d(x as tf.Tensor4D, tf.zeros(c.f) as tf.Tensor4D, c.s, c.pad);
      const dy = tf.randomNormal(y.shape, 0, 1, 'float32', 8);
      const attrs = { strides: [c.s, c.s], pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: c.f };
      const shipped = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
      const info = conv2DBackpropFilterDirect(tf, { inputs: { x, dy }, backend: tf.backend(), attrs: attrs as unknown as tf.NamedAttrMap });
      const direct = tf.engine().makeTensorFromTensorInfo(info);
      expect(direct.shape).toEqual(c.f);
      expect(Array.from(direct.dataSync())).toEqual(Array.from(shipped.dataSync()));
      expect(Math.max(...Array.from(shipped.dataSync()).map(Math.abs))).toBeGreaterThan(0);
    });
  }
});
