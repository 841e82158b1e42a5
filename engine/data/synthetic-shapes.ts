/**
 * The built-in dataset: images of simple shapes drawn from a seed, so a
 * first-time user can train at once with nothing to download.
 *
 * Each sample is drawn on demand from hash(seed, split, index): the same spec
 * gives the same pixels on every machine. Drawn samples are kept in a bounded
 * cache (OpenOptions.cacheMB), so big sets stream and small ones are drawn once. To
 * need a CNN (a linear model on raw pixels does poorly) every image varies in
 * position, size, rotation, colours (foreground brighter or darker than the
 * background), a background gradient and pixel noise (near-Gaussian). The shapes are drawn
 * anti-aliased (supersampled) then quantised to bytes like a real image.
 */
import { RecordDataset, type SplitSource } from './base';
import type { DatasetKind } from './kind';
import { checkParams, channelsParam, formatSpec, numParam } from './spec';
import { hash32, Rng } from './rng';
import { DatasetError } from './errors';
import { DEFAULT_CACHE_MB } from './types';

/** Class names in label order; `classes=k` keeps the first k. */
export const SHAPE_CLASSES = ['circle', 'square', 'triangle', 'cross', 'ring', 'star'] as const;

/** Options of `builtin:shapes`, all set in the spec. */
export interface ShapesOptions {
  /** Image side in pixels (8…128). Default 28, like MNIST. */
  size: number;
  /** 1 (grey, default) or 3 (colour). */
  channels: 1 | 3;
  /** Training samples. Default 6000. */
  n: number;
  /** Test samples. Default 1000. */
  test: number;
  /** Number of classes, 2…6 (the first k of SHAPE_CLASSES). Default 6. */
  classes: number;
  /** Standard deviation of the pixel noise, 0…0.5. Default 0.08. */
  noise: number;
  seed: number;
}

/** The star's outline: x, y of 10 vertices, tips (radius 1) at 0°, 72°, … and inner corners (radius 0.45) between. */
const STAR = Array.from({ length: 10 }, (_, j) => {
  const r = j % 2 ? 0.45 : 1;
  return [r * Math.cos((j * Math.PI) / 5), r * Math.sin((j * Math.PI) / 5)];
}).flat();
/** Squared radius of the circle inscribed in the star's inner pentagon (0.45 · cos 36°). */
const STAR_CORE2 = (0.45 * Math.cos(Math.PI / 5)) ** 2;
/** Outward normals of the triangle's edges, (cos a, sin a) for a = −90°, 30°, 150°. */
const TRI = [0, -1, Math.cos(Math.PI / 6), Math.sin(Math.PI / 6), -Math.cos(Math.PI / 6), Math.sin(Math.PI / 6)];

/** Whether the point (u, v), in units of the shape's radius around its centre, is inside shape `k`. */
function inside(k: number, u: number, v: number): boolean {
  switch (k) {
    case 0: // circle
      return u * u + v * v <= 0.81;
    case 1: // square (same area as the circle, roughly)
      return Math.abs(u) <= 0.72 && Math.abs(v) <= 0.72;
    case 2:
      // equilateral triangle inscribed in the unit circle: inside all three edges (inradius 0.5)
      return u * TRI[0] + v * TRI[1] <= 0.5 && u * TRI[2] + v * TRI[3] <= 0.5 && u * TRI[4] + v * TRI[5] <= 0.5;
    case 3: // cross (plus sign)
      return (Math.abs(u) <= 0.28 && Math.abs(v) <= 0.95) || (Math.abs(v) <= 0.28 && Math.abs(u) <= 0.95);
    case 4: {
      // ring
      const r2 = u * u + v * v;
      return r2 <= 0.95 * 0.95 && r2 >= 0.55 * 0.55;
    }
    case 5: {
      // five-pointed star: crossing-number test against its 10-vertex outline,
      // after the cheap cases (inside its core pentagon's incircle, outside its tips' circle)
      const r2 = u * u + v * v;
      if (r2 <= STAR_CORE2) return true;
      if (r2 > 1) return false;
      let inside = false;
      for (let i = 0, j = 18; i < 20; j = i, i += 2) {
        const xi = STAR[i];
        const yi = STAR[i + 1];
        const xj = STAR[j];
        const yj = STAR[j + 1];
        if (yi > v !== yj > v && u < ((xj - xi) * (v - yi)) / (yj - yi) + xi) inside = !inside;
      }
      return inside;
    }
    default:
      return false;
  }
}

/** Draws sample `index` of `split` as uint8 HWC into `out` at `o`; returns its label. */
export function drawShape(opts: ShapesOptions, split: 0 | 1, index: number, out: Uint8Array, o: number): number {
  const { size: S, channels: C, classes } = opts;
  const label = index % classes;
  const rng = new Rng(hash32(opts.seed, split, index));
  // Colours: background and foreground at least 0.3 apart in brightness, either way round.
  const bg = new Float32Array(3);
  const fg = new Float32Array(3);
  const bgL = rng.uniform(0, 1);
  let fgL = rng.uniform(0, 1);
  if (Math.abs(fgL - bgL) < 0.3) fgL = bgL < 0.5 ? bgL + 0.3 + rng.uniform(0, 0.7 - bgL) : bgL - 0.3 - rng.uniform(0, bgL - 0.3);
  for (let c = 0; c < 3; c++) {
    // In colour, tint each channel around the brightness chosen above.
    const tint = C === 3 ? rng.uniform(-0.25, 0.25) : 0;
    bg[c] = Math.min(1, Math.max(0, bgL + tint));
    fg[c] = Math.min(1, Math.max(0, fgL + (C === 3 ? rng.uniform(-0.25, 0.25) : 0)));
  }
  const radius = rng.uniform(0.2, 0.42) * S;
  const cx = rng.uniform(radius, S - radius);
  const cy = rng.uniform(radius, S - radius);
  const theta = rng.uniform(0, 2 * Math.PI);
  const cosT = Math.cos(theta);
  const sinT = Math.sin(theta);
  const gradA = rng.uniform(0, 2 * Math.PI);
  const gradAmp = rng.uniform(0, 0.2);
  const gx = (Math.cos(gradA) * gradAmp) / S;
  const gy = (Math.sin(gradA) * gradAmp) / S;
  // 3×3 supersampling for small images, 2×2 above 48 px (enough there, and 2.25× faster).
  const ss = S > 48 ? 2 : 3;
  const inv = 1 / radius;
  // Every shape lies inside its unit circle: pixels farther than that (plus a
  // pixel's half-diagonal) are pure background and skip the supersampling.
  const far2 = (radius + 0.75) ** 2;
  // Pixel noise: the sum of the 4 bytes of one random word (Irwin–Hall, rescaled
  // to mean 0 and variance 1) is close to Gaussian and far cheaper than
  // Box–Muller, which dominated the drawing time.
  const noise = new Float32Array(S * S * C);
  const k = opts.noise / Math.sqrt((4 * (256 * 256 - 1)) / 12);
  for (let i = 0; i < noise.length; i++) {
    const r = rng.nextU32();
    noise[i] = ((r & 255) + ((r >>> 8) & 255) + ((r >>> 16) & 255) + (r >>> 24) - 510) * k;
  }
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      let cover = 0;
      const dx0 = x + 0.5 - cx;
      const dy0 = y + 0.5 - cy;
      if (dx0 * dx0 + dy0 * dy0 <= far2) {
        for (let sy = 0; sy < ss; sy++) {
          for (let sx = 0; sx < ss; sx++) {
            const px = x + (sx + 0.5) / ss - cx;
            const py = y + (sy + 0.5) / ss - cy;
            // Rotate into the shape's frame and scale by its radius.
            const u = (px * cosT + py * sinT) * inv;
            const v = (-px * sinT + py * cosT) * inv;
            if (inside(label, u, v)) cover++;
          }
        }
      }
      const a = cover / (ss * ss);
      const g = (x - S / 2) * gx + (y - S / 2) * gy;
      const p = o + (y * S + x) * C;
      for (let c = 0; c < C; c++) {
        const val = bg[c] * (1 - a) + fg[c] * a + g + noise[p - o + c];
        out[p + c] = Math.max(0, Math.min(255, Math.round(val * 255)));
      }
    }
  }
  return label;
}

export function parseShapesOptions(spec: string, p: import('./spec').ParsedSpec): ShapesOptions {
  checkParams(spec, p, shapesKind.options);
  if (p.target !== 'shapes') {
    throw new DatasetError('BAD_SPEC', `Dataset spec "${spec}": there is no built-in set "${p.target}".`, 'The built-in set is "builtin:shapes".');
  }
  return {
    size: numParam(spec, p, 'size', 28, 8, 128),
    channels: channelsParam(spec, p, 1) ?? 1,
    n: numParam(spec, p, 'n', 6000, 10, 1_000_000),
    test: numParam(spec, p, 'test', 1000, 10, 1_000_000),
    classes: numParam(spec, p, 'classes', SHAPE_CLASSES.length, 2, SHAPE_CLASSES.length),
    noise: numParam(spec, p, 'noise', 0.08, 0, 0.5, false),
    seed: numParam(spec, p, 'seed', 0, 0, 2 ** 31 - 1),
  };
}

export const shapesKind: DatasetKind = {
  kind: 'builtin',
  label: 'Shapes (built in)',
  description: 'Circles, squares, triangles, crosses, rings and stars of random position, size, rotation and colour, drawn from a seed. No download.',
  options: ['size', 'channels', 'n', 'test', 'classes', 'noise', 'seed'],
  presets: [
    { spec: 'builtin:shapes', label: 'Shapes 28×28 grey', description: '6 shape classes, 6,000 training and 1,000 test images, 28×28×1 like MNIST.' },
    { spec: 'builtin:shapes?channels=3&size=32', label: 'Shapes 32×32 colour', description: '6 shape classes, 6,000 training and 1,000 test images, 32×32×3 like CIFAR-10.' },
  ],
  async open(p, spec, opts) {
    const o = parseShapesOptions(spec, p);
    // The default set at 28×28 takes 5.5 MB, at 32×32×3 21 MB.
    const cacheLimit = (opts.cacheMB ?? DEFAULT_CACHE_MB) * 1024 * 1024;
    const counter = { samplesRead: 0 };
    const rec = o.size * o.size * o.channels;
    // Drawn samples are kept (up to cacheMB for both splits) so that later epochs cost nothing;
    // past the budget, samples are drawn again each time they are read.
    let cacheBytes = 0;
    const caches: Map<number, Uint8Array>[] = [];
    const split = (id: 0 | 1, count: number): SplitSource => {
      const labels = new Int32Array(count);
      for (let i = 0; i < count; i++) labels[i] = i % o.classes;
      const cache = new Map<number, Uint8Array>();
      caches.push(cache);
      return {
        count,
        labels,
        async read(indices, out) {
          for (let k = 0; k < indices.length; k++) {
            const hit = cache.get(indices[k]);
            if (hit) {
              out.set(hit, k * rec);
              continue;
            }
            drawShape(o, id, indices[k], out, k * rec);
            counter.samplesRead++;
            if (cacheBytes + rec <= cacheLimit) {
              cache.set(indices[k], out.slice(k * rec, (k + 1) * rec));
              cacheBytes += rec;
            }
          }
        },
      };
    };
    const train = split(0, o.n);
    const test = split(1, o.test);
    return new RecordDataset({
      spec: formatSpec(p),
      name: `Shapes ${o.size}×${o.size}${o.channels === 3 ? ' colour' : ''}`,
      inputShape: [o.size, o.size, o.channels],
      classNames: SHAPE_CLASSES.slice(0, o.classes),
      train,
      test,
      counter,
      resources: {
        residentBytes: () => cacheBytes,
        close: async () => {
          for (const c of caches) c.clear();
          cacheBytes = 0;
        },
      },
    });
  },
};
