/**
 * Data augmentation on training batches (plain typed arrays, NHWC): random
 * left–right flips and random shifts. Done on the CPU in JS because it is
 * cheap next to a training step and keeps the trainer backend-agnostic.
 */
import type { Shape } from '../core/shape';
import type { Rng } from './rng';

export interface AugmentOptions {
  /** Mirror each image left–right with probability 1/2. */
  flip?: boolean;
  /**
   * Shift each image by a random whole number of pixels, up to
   * `round(shift × width)` horizontally and `round(shift × height)`
   * vertically in either direction; pixels that enter from outside copy the
   * nearest edge (Keras' `fill_mode='nearest'`).
   */
  shift?: number;
}

/** True when the options change anything. */
export function augmentActive(o: AugmentOptions | undefined): boolean {
  return !!o && (!!o.flip || (o.shift ?? 0) > 0);
}

/**
 * Returns a new array with each image of the batch augmented; `xs` is left
 * untouched. `shape` is one image [H, W, C].
 */
export function augmentBatch(xs: Float32Array, shape: Shape, o: AugmentOptions, rng: Rng): Float32Array {
  const [h, w, c] = shape;
  const size = h * w * c;
  const n = Math.floor(xs.length / size);
  const out = new Float32Array(xs.length);
  const maxDx = Math.round((o.shift ?? 0) * w);
  const maxDy = Math.round((o.shift ?? 0) * h);
  for (let i = 0; i < n; i++) {
    const flip = !!o.flip && rng() < 0.5;
    // Draw even when the range is 0, so that flips do not depend on shift settings.
    const dx = Math.floor(rng() * (2 * maxDx + 1)) - maxDx;
    const dy = Math.floor(rng() * (2 * maxDy + 1)) - maxDy;
    const base = i * size;
    for (let y = 0; y < h; y++) {
      // Output pixel (y, x) takes source (y − dy, x − dx), clamped to the image.
      const sy = Math.min(h - 1, Math.max(0, y - dy));
      for (let x = 0; x < w; x++) {
        let sx = Math.min(w - 1, Math.max(0, x - dx));
        if (flip) sx = w - 1 - sx;
        const src = base + (sy * w + sx) * c;
        const dst = base + (y * w + x) * c;
        for (let k = 0; k < c; k++) out[dst + k] = xs[src + k];
      }
    }
  }
  return out;
}
