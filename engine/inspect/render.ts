/**
 * The pictures of each view, from the numbers the views compute. Shared by the
 * CLI (PNG files) and the inspect job (PNG base64 over the contract).
 */
import type { FilterBank } from './filters';
import {
  blankImage,
  colorOf,
  gridImage,
  mapToImage,
  overlayHeat,
  pixelsToImage,
  scaleFor,
  strokeBox,
  upscale,
  type ColorMapName,
} from './image';
import type { InspectImage } from './input';
import type { GridLayout, MapStack, PixelBox, RgbaImage } from './types';

/** A picture with its grid layout (when it is a grid of tiles). */
export interface Picture {
  image: RgbaImage;
  layout?: GridLayout;
}

/** A grid picture and where its tiles are. */
export interface GridPicture {
  image: RgbaImage;
  layout: GridLayout;
}

/** Options for grids of maps. */
export interface GridOptions {
  /** Most tiles shown (default 64); channels after it are left out. */
  maxTiles?: number;
  /** About how many pixels a tile's side should be (default 64). */
  tileSize?: number;
  map?: ColorMapName;
}

/**
 * Feature maps as a grid, each map normalised to its own range (so a weak
 * channel's pattern is still visible; a constant map shows as the darkest colour).
 */
export function renderFeatureMaps(s: MapStack, o: GridOptions = {}): GridPicture {
  const n = Math.min(s.channels, o.maxTiles ?? 64);
  const scale = scaleFor(Math.max(s.height, s.width), o.tileSize ?? 64);
  const channels = Array.from({ length: n }, (_, i) => i);
  if (s.height === 1 && s.width === 1) {
    // A vector layer: one strip, values normalised over the whole layer.
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      lo = Math.min(lo, s.data[i]);
      hi = Math.max(hi, s.data[i]);
    }
    const tiles = channels.map((c) => mapToImage(s, c, o.map ?? 'viridis', 12, [lo, hi]));
    return gridImage(tiles, { pad: 1, cols: Math.min(n, 32), scale: 12, channels });
  }
  // Big maps (VGG's 224×224) are shrunk by whole factors (block means) so the
  // grid stays a few hundred pixels a side: 64 full-size tiles would be a
  // 1,800-pixel picture that takes seconds to encode and does not fit a screen.
  const maxTile = 2 * (o.tileSize ?? 64);
  const f = Math.max(1, Math.ceil(Math.max(s.height, s.width) / maxTile));
  if (f > 1) {
    const small = shrinkMaps(s, f, n);
    const tiles = channels.map((c) => mapToImage(small, c, o.map ?? 'viridis', 1));
    return gridImage(tiles, { scale: 1 / f, channels });
  }
  const tiles = channels.map((c) => mapToImage(s, c, o.map ?? 'viridis', scale));
  return gridImage(tiles, { scale, channels });
}

/** The first `n` channels of a stack, each f×f block replaced by its mean (edge blocks may be smaller). */
export function shrinkMaps(s: MapStack, f: number, n = s.channels): MapStack {
  const h = Math.ceil(s.height / f);
  const w = Math.ceil(s.width / f);
  const data = new Float32Array(h * w * n);
  const count = new Float32Array(h * w);
  for (let y = 0; y < s.height; y++)
    for (let x = 0; x < s.width; x++) {
      const o = (Math.floor(y / f) * w + Math.floor(x / f)) * n;
      const i = (y * s.width + x) * s.channels;
      for (let c = 0; c < n; c++) data[o + c] += s.data[i + c];
      count[o / n]++;
    }
  for (let p = 0; p < h * w; p++) for (let c = 0; c < n; c++) data[p * n + c] /= count[p];
  return { height: h, width: w, channels: n, data };
}

/**
 * Filters as small pictures: RGB when they have 3 input channels (each filter
 * stretched to its own min–max), otherwise blue–white–red around zero (a
 * filter with more than 1 input channel shows the mean over them).
 */
export function renderFilters(b: FilterBank, o: GridOptions = {}): GridPicture {
  const n = Math.min(b.count, o.maxTiles ?? 64);
  const { kernelHeight: kh, kernelWidth: kw, inChannels: ci } = b;
  const scale = scaleFor(Math.max(kh, kw), o.tileSize ?? 48);
  const per = kh * kw * ci;
  const tiles: RgbaImage[] = [];
  for (let f = 0; f < n; f++) {
    const w = b.data.subarray(f * per, (f + 1) * per);
    const img = blankImage(kw, kh);
    if (ci === 3) {
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of w) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      const span = hi - lo || 1;
      for (let i = 0; i < kh * kw; i++) img.data.set([0, 1, 2].map((k) => Math.round(((w[i * 3 + k] - lo) / span) * 255)).concat(255), i * 4);
    } else {
      const mean = new Float32Array(kh * kw);
      for (let i = 0; i < kh * kw; i++) {
        let s = 0;
        for (let k = 0; k < ci; k++) s += w[i * ci + k];
        mean[i] = s / ci;
      }
      let m = 0;
      for (const v of mean) m = Math.max(m, Math.abs(v));
      for (let i = 0; i < kh * kw; i++) {
        const [r, g, bl] = colorOf('diverging', m > 0 ? 0.5 + mean[i] / (2 * m) : 0.5);
        img.data.set([r, g, bl, 255], i * 4);
      }
    }
    tiles.push(upscale(img, scale));
  }
  return gridImage(tiles, { scale, channels: tiles.map((_, i) => i), pad: 3 });
}

/** The value at a fraction `q` of the sorted values (e.g. 0.99). */
export function quantile(v: Float32Array, q: number): number {
  if (v.length === 0) return 0;
  const s = Float32Array.from(v).sort();
  return s[Math.min(s.length - 1, Math.max(0, Math.floor(q * (s.length - 1))))];
}

/** A saliency map in [0, 1]: clipped at its 99th percentile (PAIR saliency's convention), so one hot pixel does not darken the rest. */
export function saliencyHeat(map: Float32Array): Float32Array {
  const hi = quantile(map, 0.99) || Math.max(0, ...map);
  const out = new Float32Array(map.length);
  if (hi > 0) for (let i = 0; i < map.length; i++) out[i] = Math.min(1, map[i] / hi);
  return out;
}

/** The input enlarged to about `target` pixels, and the scale used. */
export function inputPicture(img: InspectImage, target = 224): { image: RgbaImage; scale: number } {
  const scale = scaleFor(Math.max(img.shape[0], img.shape[1]), target);
  return { image: pixelsToImage(img.pixels, img.shape, scale), scale };
}

/** A heat map (input-sized, [0, 1]) alone, enlarged like the input picture. */
export function heatPicture(heat: Float32Array, h: number, w: number, scale: number, map: ColorMapName = 'inferno'): RgbaImage {
  return mapToImage({ height: h, width: w, channels: 1, data: heat }, 0, map, scale, [0, 1]);
}

/** A heat map laid over the (enlarged) input picture. */
export function overlayPicture(img: InspectImage, heat: Float32Array, target = 224, map: ColorMapName = 'jet'): RgbaImage {
  const { image, scale } = inputPicture(img, target);
  const w = img.shape[1];
  const big = new Float32Array(image.width * image.height);
  for (let y = 0; y < image.height; y++) for (let x = 0; x < image.width; x++) big[y * image.width + x] = heat[Math.floor(y / scale) * w + Math.floor(x / scale)];
  return overlayHeat(image, big, { map });
}

/**
 * The effective receptive field over the input, with the theoretical box
 * (green, 2 px) and the box of the pixels with non-zero gradient (orange, 1 px).
 */
export function erfPicture(img: InspectImage, erfMap: Float32Array, theoretical: PixelBox | null, nonZero: PixelBox | null, target = 224): RgbaImage {
  let m = 0;
  for (const v of erfMap) m = Math.max(m, v);
  // sqrt: the gradient falls off fast from the centre (roughly Gaussian); a
  // linear scale would show only the middle few pixels.
  const heat = Float32Array.from(erfMap, (v) => (m > 0 ? Math.sqrt(v / m) : 0));
  const pic = overlayPicture(img, heat, target, 'inferno');
  const scale = scaleFor(Math.max(img.shape[0], img.shape[1]), target);
  if (nonZero) strokeBox(pic, nonZero, scale, [255, 160, 0, 255], 1);
  if (theoretical) strokeBox(pic, theoretical, scale, [40, 230, 90, 255], 2);
  return pic;
}
