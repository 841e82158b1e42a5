/**
 * Pictures from numbers: colour maps, per-map normalisation, grids of tiles,
 * heat-map overlays and boxes. Pure TypeScript (no tfjs, no DOM, no Node), so
 * the renderer may use it too.
 */
import type { GridLayout, MapStack, PixelBox, RgbaImage } from './types';

/** Colour maps: `viridis`/`inferno` (perceptually uniform, for magnitudes), `jet` (classic heat map), `grey`, `diverging` (blue–white–red, 0.5 = white, for signed values). */
export type ColorMapName = 'viridis' | 'inferno' | 'jet' | 'grey' | 'diverging';

// Polynomial fits of matplotlib's viridis and inferno (Matt Zucker, CC0),
// accurate to a few 1/255 steps: no 256-entry tables to ship.
const VIRIDIS = [
  [0.2777273272234177, 0.005407344544966578, 0.3340998053353061],
  [0.1050930431085774, 1.404613529898575, 1.384590162594685],
  [-0.3308618287255563, 0.214847559468213, 0.09509516302823659],
  [-4.634230498983486, -5.799100973351585, -19.33244095627987],
  [6.228269936347081, 14.17993336680509, 56.69055260068105],
  [4.776384997670288, -13.74514537774601, -65.35303263337234],
  [-5.435455855934631, 4.645852612178535, 26.3124352495832],
];
const INFERNO = [
  [0.0002189403691192265, 0.001651004631001012, -0.01948089843709184],
  [0.1065134194856116, 0.5639564367884091, 3.932712388889277],
  [11.60249308247187, -3.972853965665698, -15.9423941062914],
  [-41.70399613139459, 17.43639888205313, 44.35414519872813],
  [77.162935699427, -33.40235894210092, -81.80730925738993],
  [-71.31942824499214, 32.62606426397723, 73.20951985803202],
  [25.13112622477341, -12.24266895238567, -23.07032500287172],
];

const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);

function poly(c: number[][], t: number, k: number): number {
  let v = c[6][k];
  for (let i = 5; i >= 0; i--) v = c[i][k] + t * v;
  return clamp01(v);
}

const LUTS = new Map<ColorMapName, Uint8Array>();

/**
 * 256 colours of a map, [r, g, b] × 256: pictures look colours up here
 * instead of evaluating the map per pixel (a 30× difference on big grids).
 */
export function colorLut(map: ColorMapName): Uint8Array {
  let lut = LUTS.get(map);
  if (!lut) {
    lut = new Uint8Array(256 * 3);
    for (let i = 0; i < 256; i++) lut.set(colorOf(map, i / 255), i * 3);
    LUTS.set(map, lut);
  }
  return lut;
}

/** The colour of `t` ∈ [0, 1] (clamped) in a colour map, as [r, g, b] bytes. */
export function colorOf(map: ColorMapName, t: number): [number, number, number] {
  const x = Number.isFinite(t) ? clamp01(t) : 0;
  let r: number, g: number, b: number;
  switch (map) {
    case 'viridis':
    case 'inferno': {
      const c = map === 'viridis' ? VIRIDIS : INFERNO;
      r = poly(c, x, 0);
      g = poly(c, x, 1);
      b = poly(c, x, 2);
      break;
    }
    case 'jet':
      r = clamp01(1.5 - Math.abs(4 * x - 3));
      g = clamp01(1.5 - Math.abs(4 * x - 2));
      b = clamp01(1.5 - Math.abs(4 * x - 1));
      break;
    case 'diverging': {
      // Blue (0) → white (0.5) → red (1): the sign of a weight reads at a glance.
      const d = Math.abs(x - 0.5) * 2;
      if (x < 0.5) [r, g, b] = [1 - 0.8 * d, 1 - 0.6 * d, 1 - 0.1 * d];
      else [r, g, b] = [1 - 0.1 * d, 1 - 0.8 * d, 1 - 0.8 * d];
      break;
    }
    default:
      r = g = b = x;
  }
  return [Math.round(r * 255), Math.round(g * 255), Math.round(b * 255)];
}

/** A blank picture filled with one colour. */
export function blankImage(width: number, height: number, rgba: [number, number, number, number] = [0, 0, 0, 0]): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < data.length; i += 4) data.set(rgba, i);
  return { width, height, data };
}

/** Smallest and largest finite value of channel `c` of a stack (0, 0 when it has none). */
export function channelRange(s: MapStack, c: number): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = c; i < s.data.length; i += s.channels) {
    const v = s.data[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return Number.isFinite(lo) ? [lo, hi] : [0, 0];
}

/**
 * One channel of a stack as a colour-mapped picture, normalised to its own
 * range (a constant map shows as the map's lowest colour, so an all-zero
 * ReLU map reads as "off", not as noise), enlarged `scale`× (nearest).
 * `range` overrides the normalisation (e.g. one range for the whole layer).
 */
export function mapToImage(s: MapStack, c: number, map: ColorMapName = 'viridis', scale = 1, range?: [number, number]): RgbaImage {
  const [lo, hi] = range ?? channelRange(s, c);
  const span = hi - lo;
  const lut = colorLut(map);
  const W = s.width * scale;
  const out: RgbaImage = { width: W, height: s.height * scale, data: new Uint8ClampedArray(W * s.height * scale * 4) };
  const d = out.data;
  for (let y = 0; y < s.height; y++) {
    const row = y * scale * W * 4;
    for (let x = 0; x < s.width; x++) {
      const v = s.data[(y * s.width + x) * s.channels + c];
      const t = span > 0 ? (v - lo) / span : 0;
      const k = (t > 0 ? (t < 1 ? Math.round(t * 255) : 255) : 0) * 3;
      for (let dx = 0; dx < scale; dx++) {
        const o = row + (x * scale + dx) * 4;
        d[o] = lut[k];
        d[o + 1] = lut[k + 1];
        d[o + 2] = lut[k + 2];
        d[o + 3] = 255;
      }
    }
    // The other rows of this map row are copies of the first.
    for (let dy = 1; dy < scale; dy++) d.copyWithin(row + dy * W * 4, row, row + W * 4);
  }
  return out;
}

/**
 * Pixels HWC in [0, 1] with 1 or 3 channels (other counts: the first one, or
 * the mean of the first three) as a picture, enlarged `scale`×.
 */
export function pixelsToImage(pixels: Float32Array, shape: readonly [number, number, number] | readonly number[], scale = 1): RgbaImage {
  const [h, w, c] = shape;
  const W = w * scale;
  const out: RgbaImage = { width: W, height: h * scale, data: new Uint8ClampedArray(W * h * scale * 4) };
  const d = out.data;
  const byte = (v: number) => (v > 0 ? (v < 1 ? Math.round(v * 255) : 255) : 0);
  for (let y = 0; y < h; y++) {
    const row = y * scale * W * 4;
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * c;
      const r = byte(pixels[i]);
      const g = c >= 3 ? byte(pixels[i + 1]) : r;
      const b = c >= 3 ? byte(pixels[i + 2]) : r;
      for (let dx = 0; dx < scale; dx++) {
        const o = row + (x * scale + dx) * 4;
        d[o] = r;
        d[o + 1] = g;
        d[o + 2] = b;
        d[o + 3] = 255;
      }
    }
    for (let dy = 1; dy < scale; dy++) d.copyWithin(row + dy * W * 4, row, row + W * 4);
  }
  return out;
}

/** Fill a rectangle (clipped to the picture). */
export function fillRect(img: RgbaImage, x0: number, y0: number, w: number, h: number, rgba: [number, number, number, number]): void {
  const xa = Math.max(0, x0);
  const ya = Math.max(0, y0);
  const xb = Math.min(img.width, x0 + w);
  const yb = Math.min(img.height, y0 + h);
  for (let y = ya; y < yb; y++) for (let x = xa; x < xb; x++) img.data.set(rgba, (y * img.width + x) * 4);
}

/** Copy `src` into `dst` with its top-left corner at (x0, y0), clipped. */
export function blit(dst: RgbaImage, src: RgbaImage, x0: number, y0: number): void {
  const xa = Math.max(0, -x0);
  const xb = Math.min(src.width, dst.width - x0);
  if (xa >= xb) return;
  for (let y = 0; y < src.height; y++) {
    const ty = y0 + y;
    if (ty < 0 || ty >= dst.height) continue;
    dst.data.set(src.data.subarray((y * src.width + xa) * 4, (y * src.width + xb) * 4), (ty * dst.width + x0 + xa) * 4);
  }
}

/** Integer enlargement factor so a map of `side` pixels shows at about `target` pixels (1…32). */
export function scaleFor(side: number, target: number): number {
  return Math.max(1, Math.min(32, Math.round(target / Math.max(1, side))));
}

/**
 * Lay out equal-size tiles in a near-square grid on a dark background.
 * Returns the picture and its layout (for mapping clicks back to tiles).
 */
export function gridImage(tiles: readonly RgbaImage[], opts: { pad?: number; cols?: number; scale?: number; channels?: number[]; background?: [number, number, number, number] } = {}): { image: RgbaImage; layout: GridLayout } {
  const n = tiles.length;
  const pad = opts.pad ?? 2;
  const tw = n ? tiles[0].width : 0;
  const th = n ? tiles[0].height : 0;
  const cols = Math.max(1, opts.cols ?? Math.ceil(Math.sqrt(n)));
  const rows = Math.max(1, Math.ceil(n / cols));
  const image = blankImage(pad + cols * (tw + pad), pad + rows * (th + pad), opts.background ?? [32, 32, 36, 255]);
  tiles.forEach((t, i) => blit(image, t, pad + (i % cols) * (tw + pad), pad + Math.floor(i / cols) * (th + pad)));
  return {
    image,
    layout: { count: n, cols, rows, tileWidth: tw, tileHeight: th, pad, scale: opts.scale ?? 1, channels: opts.channels ?? tiles.map((_, i) => i) },
  };
}

/**
 * Which tile and map pixel a point of a grid picture falls on, or null for
 * the gaps. The inverse of {@link gridImage}'s placement.
 */
export function gridHit(layout: GridLayout, px: number, py: number): { tile: number; channel: number; row: number; col: number } | null {
  const cx = Math.floor((px - layout.pad) / (layout.tileWidth + layout.pad));
  const cy = Math.floor((py - layout.pad) / (layout.tileHeight + layout.pad));
  if (cx < 0 || cy < 0 || cx >= layout.cols || cy >= layout.rows) return null;
  const ox = px - layout.pad - cx * (layout.tileWidth + layout.pad);
  const oy = py - layout.pad - cy * (layout.tileHeight + layout.pad);
  if (ox < 0 || oy < 0 || ox >= layout.tileWidth || oy >= layout.tileHeight) return null;
  const tile = cy * layout.cols + cx;
  if (tile >= layout.count) return null;
  return { tile, channel: layout.channels[tile], row: Math.floor(oy / layout.scale), col: Math.floor(ox / layout.scale) };
}

/**
 * Bilinear resize of a single-channel map to `h × w`, sampling at pixel
 * centres (align_corners = false, the tf.image / OpenCV convention).
 */
export function resizeBilinear(src: Float32Array, sh: number, sw: number, h: number, w: number): Float32Array {
  const out = new Float32Array(h * w);
  for (let y = 0; y < h; y++) {
    const fy = Math.min(Math.max((y + 0.5) * (sh / h) - 0.5, 0), sh - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, sh - 1);
    const ay = fy - y0;
    for (let x = 0; x < w; x++) {
      const fx = Math.min(Math.max((x + 0.5) * (sw / w) - 0.5, 0), sw - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, sw - 1);
      const ax = fx - x0;
      const top = src[y0 * sw + x0] * (1 - ax) + src[y0 * sw + x1] * ax;
      const bot = src[y1 * sw + x0] * (1 - ax) + src[y1 * sw + x1] * ax;
      out[y * w + x] = top * (1 - ay) + bot * ay;
    }
  }
  return out;
}

/** Scale a map to [0, 1] by its maximum (values below 0 become 0); all-zero stays zero. */
export function normaliseMax(v: Float32Array): Float32Array {
  let hi = 0;
  for (const x of v) if (x > hi) hi = x;
  const out = new Float32Array(v.length);
  if (hi > 0) for (let i = 0; i < v.length; i++) out[i] = Math.max(0, v[i]) / hi;
  return out;
}

/**
 * A heat map (h × w values in [0, 1]) laid over an image of the same size:
 * each pixel blends the heat colour over the (slightly dimmed) image with an
 * opacity growing with the heat, so cold regions show the picture itself.
 */
export function overlayHeat(base: RgbaImage, heat: Float32Array, opts: { map?: ColorMapName; alpha?: number } = {}): RgbaImage {
  const map = opts.map ?? 'jet';
  const alpha = opts.alpha ?? 0.6;
  const out: RgbaImage = { width: base.width, height: base.height, data: new Uint8ClampedArray(base.data) };
  if (heat.length !== base.width * base.height) throw new Error(`overlayHeat: heat map has ${heat.length} values for a ${base.width}×${base.height} image`);
  const lut = colorLut(map);
  for (let i = 0; i < heat.length; i++) {
    const t = clamp01(heat[i]);
    const k = Math.round(t * 255) * 3;
    const r = lut[k];
    const g = lut[k + 1];
    const b = lut[k + 2];
    // sqrt: weak evidence still tints the image; strong evidence covers it.
    const a = alpha * Math.sqrt(t);
    const o = i * 4;
    out.data[o] = (1 - a) * base.data[o] * 0.85 + a * r;
    out.data[o + 1] = (1 - a) * base.data[o + 1] * 0.85 + a * g;
    out.data[o + 2] = (1 - a) * base.data[o + 2] * 0.85 + a * b;
    out.data[o + 3] = 255;
  }
  return out;
}

/** Enlarge a picture `scale`× (nearest neighbour). */
export function upscale(img: RgbaImage, scale: number): RgbaImage {
  if (scale === 1) return img;
  const out = blankImage(img.width * scale, img.height * scale);
  for (let y = 0; y < out.height; y++)
    for (let x = 0; x < out.width; x++) {
      const s = (Math.floor(y / scale) * img.width + Math.floor(x / scale)) * 4;
      out.data.set(img.data.subarray(s, s + 4), (y * out.width + x) * 4);
    }
  return out;
}

/**
 * Outline a box of input pixels (inclusive bounds, may reach outside: it is
 * clipped) on a picture whose pixels are `scale`× input pixels.
 */
export function strokeBox(img: RgbaImage, box: PixelBox, scale: number, rgba: [number, number, number, number], width = 2): void {
  const x0 = Math.round(box.left * scale);
  const y0 = Math.round(box.top * scale);
  const x1 = Math.round((box.right + 1) * scale) - 1;
  const y1 = Math.round((box.bottom + 1) * scale) - 1;
  const w = Math.max(1, width);
  // Edges that fall outside the image are drawn at the border, so a box that
  // spills into the padding still shows where it is cut.
  const cx0 = Math.max(0, x0);
  const cy0 = Math.max(0, y0);
  const cx1 = Math.min(img.width - 1, x1);
  const cy1 = Math.min(img.height - 1, y1);
  if (cx0 > cx1 || cy0 > cy1) return;
  fillRect(img, cx0, cy0, cx1 - cx0 + 1, w, rgba);
  fillRect(img, cx0, cy1 - w + 1, cx1 - cx0 + 1, w, rgba);
  fillRect(img, cx0, cy0, w, cy1 - cy0 + 1, rgba);
  fillRect(img, cx1 - w + 1, cy0, w, cy1 - cy0 + 1, rgba);
}

/** Place pictures side by side (top-aligned) with a gap. */
export function hconcat(images: readonly RgbaImage[], gap = 8, background: [number, number, number, number] = [32, 32, 36, 255]): RgbaImage {
  const w = images.reduce((s, i) => s + i.width, 0) + gap * Math.max(0, images.length - 1);
  const h = Math.max(0, ...images.map((i) => i.height));
  const out = blankImage(w, h, background);
  let x = 0;
  for (const i of images) {
    blit(out, i, x, 0);
    x += i.width + gap;
  }
  return out;
}
