/**
 * The built-in dataset: images of simple shapes drawn from a seed, so a
 * first-time user can train at once with nothing to download.
 *
 * Each sample is drawn on demand from hash(seed, split, index): the same spec
 * gives the same pixels on every machine, and nothing is held in memory. To
 * need a CNN (a linear model on raw pixels does poorly) every image varies in
 * position, size, rotation, colours (foreground brighter or darker than the
 * background), a background gradient and pixel noise. The shapes are drawn
 * anti-aliased (supersampled) then quantised to bytes like a real image.
 */
import { RecordDataset, type SplitSource } from './base';
import type { DatasetKind } from './kind';
import { checkParams, channelsParam, formatSpec, numParam } from './spec';
import { hash32, Rng } from './rng';
import { DatasetError } from './errors';

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

const COS36 = Math.cos(Math.PI / 5);
const SIN36 = Math.sin(Math.PI / 5);
const STAR_INNER = 0.45;
// Edge of a five-pointed star's first spike, from the tip (1, 0) to the inner corner at 36°.
const SAX = STAR_INNER * COS36 - 1;
const SAY = STAR_INNER * SIN36;
const STAR_NUM = SAX * 0 - SAY * 1; // cross(B − A, A) with A = (1, 0)
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
      // five-pointed star: fold the angle into the first half-spike and test against its edge
      const rho = Math.hypot(u, v);
      if (rho === 0) return true;
      let a = Math.atan2(v, u) % ((2 * Math.PI) / 5);
      if (a < 0) a += (2 * Math.PI) / 5;
      if (a > Math.PI / 5) a = (2 * Math.PI) / 5 - a;
      const dx = Math.cos(a);
      const dy = Math.sin(a);
      const t = STAR_NUM / (SAX * dy - SAY * dx);
      return rho <= t;
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
  const noise = new Float32Array(S * S * C);
  for (let i = 0; i < noise.length; i += 2) {
    const [a, b] = rng.normalPair();
    noise[i] = a * opts.noise;
    if (i + 1 < noise.length) noise[i + 1] = b * opts.noise;
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
  async open(p, spec) {
    const o = parseShapesOptions(spec, p);
    const counter = { samplesRead: 0 };
    const rec = o.size * o.size * o.channels;
    const split = (id: 0 | 1, count: number): SplitSource => {
      const labels = new Int32Array(count);
      for (let i = 0; i < count; i++) labels[i] = i % o.classes;
      return {
        count,
        labels,
        async read(indices, out) {
          for (let k = 0; k < indices.length; k++) drawShape(o, id, indices[k], out, k * rec);
          counter.samplesRead += indices.length;
        },
      };
    };
    return new RecordDataset({
      spec: formatSpec(p),
      name: `Shapes ${o.size}×${o.size}${o.channels === 3 ? ' colour' : ''}`,
      inputShape: [o.size, o.size, o.channels],
      classNames: SHAPE_CLASSES.slice(0, o.classes),
      train: split(0, o.n),
      test: split(1, o.test),
      counter,
    });
  },
};
