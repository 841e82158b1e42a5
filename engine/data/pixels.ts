/**
 * Turning stored uint8 pixels into the float32 the network eats, with the
 * optional resize and channel conversion of BatchOptions. Pure functions on
 * typed arrays; tests compare them with tf.image.resizeBilinear and
 * tf.image.rgbToGrayscale.
 */
import type { ImageShape } from './types';

/** Luma weights of ITU-R BT.601 as tf.image.rgbToGrayscale rounds them (0.2989, not 0.299), so both agree. */
const LUMA = [0.2989, 0.587, 0.114] as const;

/**
 * Writes one HWC uint8 image into `dst` at `offset` as floats in [0, 1],
 * resized to `out[0]×out[1]` (bilinear, half-pixel centres) and converted to
 * `out[2]` channels (1 or 3; a 3→1 conversion uses BT.601 luma).
 */
export function writeSample(src: Uint8Array, inShape: ImageShape, dst: Float32Array, offset: number, out: ImageShape): void {
  const [ih, iw, ic] = inShape;
  const [oh, ow, oc] = out;
  if (ih === oh && iw === ow && ic === oc) {
    const n = ih * iw * ic;
    for (let i = 0; i < n; i++) dst[offset + i] = src[i] / 255;
    return;
  }
  if (ih === oh && iw === ow) {
    // Channel conversion only.
    const n = ih * iw;
    if (ic === 3 && oc === 1) {
      for (let p = 0; p < n; p++) {
        dst[offset + p] = (LUMA[0] * src[3 * p] + LUMA[1] * src[3 * p + 1] + LUMA[2] * src[3 * p + 2]) / 255;
      }
    } else if (ic === 1 && oc === 3) {
      for (let p = 0; p < n; p++) {
        const v = src[p] / 255;
        dst[offset + 3 * p] = v;
        dst[offset + 3 * p + 1] = v;
        dst[offset + 3 * p + 2] = v;
      }
    } else {
      throw new Error(`writeSample: cannot convert ${ic} channels to ${oc}`);
    }
    return;
  }
  // Bilinear resize with half-pixel centres (tf.image.resizeBilinear(…, alignCorners=false, halfPixelCenters=true)).
  const sy = ih / oh;
  const sx = iw / ow;
  const tmp = new Float32Array(ic);
  for (let y = 0; y < oh; y++) {
    const fy = (y + 0.5) * sy - 0.5;
    const y0 = Math.max(0, Math.floor(fy));
    const y1 = Math.min(ih - 1, Math.ceil(fy));
    const wy = fy - y0;
    for (let x = 0; x < ow; x++) {
      const fx = (x + 0.5) * sx - 0.5;
      const x0 = Math.max(0, Math.floor(fx));
      const x1 = Math.min(iw - 1, Math.ceil(fx));
      const wx = fx - x0;
      const a = (y0 * iw + x0) * ic;
      const b = (y0 * iw + x1) * ic;
      const c = (y1 * iw + x0) * ic;
      const d = (y1 * iw + x1) * ic;
      for (let k = 0; k < ic; k++) {
        const top = src[a + k] + (src[b + k] - src[a + k]) * wx;
        const bot = src[c + k] + (src[d + k] - src[c + k]) * wx;
        tmp[k] = (top + (bot - top) * wy) / 255;
      }
      const o = offset + (y * ow + x) * oc;
      if (ic === oc) for (let k = 0; k < oc; k++) dst[o + k] = tmp[k];
      else if (ic === 3 && oc === 1) dst[o] = LUMA[0] * tmp[0] + LUMA[1] * tmp[1] + LUMA[2] * tmp[2];
      else if (ic === 1 && oc === 3) dst[o] = dst[o + 1] = dst[o + 2] = tmp[0];
      else throw new Error(`writeSample: cannot convert ${ic} channels to ${oc}`);
    }
  }
}

/** Float HWC pixels in [0, 1] back to uint8 (rounded, clamped), e.g. for a PNG preview. */
export function toUint8(pixels: Float32Array): Uint8Array {
  const out = new Uint8Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) out[i] = Math.max(0, Math.min(255, Math.round(pixels[i] * 255)));
  return out;
}
