/**
 * A SampleSet over images held in memory as plain arrays. Used for datasets
 * small enough to keep (the built-in set, MNIST-sized files as bytes) and by
 * tests.
 */
import { shapeSize, type Shape } from '../core/shape';
import type { Batch, SampleSet } from './types';

/**
 * Samples from pixels stored as bytes (0–255, scaled to [0, 1] on gather, a
 * quarter of the memory of floats) or as floats already in [0, 1].
 */
export function memorySet(pixels: Uint8Array | Float32Array, labels: Int32Array | Uint8Array, shape: Shape): SampleSet {
  const size = shapeSize(shape);
  const count = labels.length;
  if (pixels.length !== count * size)
    throw new Error(`memorySet: ${pixels.length} pixel values for ${count} labels of shape ${shape.join('×')} (expected ${count * size})`);
  const scale = pixels instanceof Uint8Array ? 1 / 255 : 1;
  return {
    count,
    gather(indices: Int32Array): Batch {
      const xs = new Float32Array(indices.length * size);
      const ys = new Int32Array(indices.length);
      for (let i = 0; i < indices.length; i++) {
        const j = indices[i];
        if (j < 0 || j >= count) throw new RangeError(`sample index ${j} outside 0..${count - 1}`);
        const src = j * size;
        const dst = i * size;
        if (scale === 1) xs.set(pixels.subarray(src, src + size), dst);
        else for (let k = 0; k < size; k++) xs[dst + k] = pixels[src + k] * scale;
        ys[i] = labels[j];
      }
      return { xs, labels: ys };
    },
  };
}
