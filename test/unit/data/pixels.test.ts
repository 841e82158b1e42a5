import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeSample } from '../../../engine/data';
import type { ImageShape } from '../../../engine/data';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function randomBytes(n: number, seed: number): Uint8Array {
  const a = new Uint8Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) a[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
  return a;
}

/** tf.js as the oracle: resizeBilinear with half-pixel centres, then rgbToGrayscale or tile. */
function oracle(src: Uint8Array, inS: ImageShape, out: ImageShape): Float32Array {
  return tf.tidy(() => {
    let x: tf.Tensor3D = tf.tensor3d(src, inS, 'float32').div(255);
    if (inS[0] !== out[0] || inS[1] !== out[1]) x = tf.image.resizeBilinear(x, [out[0], out[1]], false, true);
    if (inS[2] === 3 && out[2] === 1) x = tf.image.rgbToGrayscale(x);
    if (inS[2] === 1 && out[2] === 3) x = tf.tile(x, [1, 1, 3]);
    return x.dataSync() as Float32Array;
  });
}

describe('writeSample matches tf.image', () => {
  it.each([
    { inS: [5, 7, 1], out: [5, 7, 1] },
    { inS: [5, 7, 3], out: [5, 7, 1] },
    { inS: [5, 7, 1], out: [5, 7, 3] },
    { inS: [28, 28, 1], out: [32, 32, 1] },
    { inS: [28, 28, 1], out: [14, 14, 3] },
    { inS: [32, 32, 3], out: [28, 28, 1] },
    { inS: [9, 13, 3], out: [4, 31, 3] },
    { inS: [1, 1, 3], out: [3, 2, 3] },
  ] as { inS: ImageShape; out: ImageShape }[])('$inS → $out', ({ inS, out }) => {
    const src = randomBytes(inS[0] * inS[1] * inS[2], inS[0] * 31 + out[1]);
    const dst = new Float32Array(2 + out[0] * out[1] * out[2]).fill(-1);
    writeSample(src, inS, dst, 1, out);
    expect(dst[0]).toBe(-1);
    expect(dst[dst.length - 1]).toBe(-1);
    const want = oracle(src, inS, out);
    const got = dst.subarray(1, dst.length - 1);
    for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i], 5);
  });
});
