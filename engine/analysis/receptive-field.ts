/**
 * Receptive fields, per spatial axis, following Araujo, Norris & Sim,
 * "Computing Receptive Fields of Convolutional Neural Networks", Distill 2019,
 * extended to transposed convolutions and upsampling. Conventions in
 * docs/analysis.md.
 *
 * For ordinary layers (convolution, pooling, padding) every output unit sees
 * a region of the same size, and the textbook recurrence holds: with kernel k,
 * dilation d (k' = d(k−1)+1), stride s and padding p before,
 *   r' = r + (k'−1)·j,  j' = j·s,  start' = start + ((k'−1)/2 − p)·j.
 *
 * A transposed convolution breaks that: with k=3, s=2 the even outputs see two
 * inputs and the odd ones one. So each axis is tracked exactly as a periodic
 * pattern: `q` consecutive output units (one period) each have their own
 * region [lo, hi] in input pixels, and unit u = φ + m·q has the region of unit
 * φ moved by m·q·j pixels. For ordinary networks q = 1 and this is exactly
 * the recurrence above; tests compare it with a brute-force dependency mask.
 *
 * Pixel coordinates are integers (pixel 0 is the first); regions may reach
 * outside the image (into padding), as in the Distill article.
 */
import type { RfStep } from '../layers/types';
import type { ReceptiveField, RfPattern } from './types';

type Pair = readonly [number, number];

/** The receptive field of one axis as a periodic pattern of regions. */
export interface AxisRf {
  /** Jump: pixels between neighbouring output units (may be fractional after upsampling). */
  j: number;
  /** Period in output units. */
  q: number;
  /** First and last input pixel seen by units 0..q−1; ±Infinity for a unit that sees nothing. */
  lo: number[];
  hi: number[];
  /** A bound, not exact (a merge of branches whose grids do not line up, or a huge period). */
  approx?: boolean;
}

/** Per axis [height, width]; `global` once every unit sees the whole input. */
export interface RfState {
  axes: readonly [AxisRf, AxisRf] | null;
  /** [H, W] of the network input the field is measured in. */
  image: Pair;
  global: boolean;
  /** The summary, computed once per state (see summarize). */
  summary?: ReceptiveField;
}

/** Periods beyond this are collapsed to a (slightly larger) linear bound. */
export const MAX_PERIOD = 1024;

const mod = (a: number, n: number) => ((a % n) + n) % n;
function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** First input pixel seen by unit x (any integer, also outside the output). */
function loOf(a: AxisRf, x: number): number {
  const φ = mod(x, a.q);
  return a.lo[φ] + ((x - φ) / a.q) * a.q * a.j;
}
function hiOf(a: AxisRf, x: number): number {
  const φ = mod(x, a.q);
  return a.hi[φ] + ((x - φ) / a.q) * a.q * a.j;
}

/**
 * Region [first, last] of input pixels seen by unit u of this axis (u may lie
 * outside the layer's output, e.g. in its padding). [Infinity, -Infinity]
 * when the unit sees nothing. Used by overlays to draw a unit's field.
 */
export function unitRegion(a: AxisRf, u: number): [number, number] {
  return [loOf(a, u), hiOf(a, u)];
}

/** Shortest period that describes the same pattern (keeps q small). */
function reduce(a: AxisRf): AxisRf {
  if (a.q === 1) return a;
  for (let p = 1; p < a.q; p++) {
    if (a.q % p) continue;
    let same = true;
    for (let φ = p; φ < a.q && same; φ++) {
      const shift = Math.floor(φ / p) * p * a.j;
      const b = φ % p;
      same = a.lo[φ] === a.lo[b] + shift && a.hi[φ] === a.hi[b] + shift;
    }
    if (same) return { ...a, q: p, lo: a.lo.slice(0, p), hi: a.hi.slice(0, p) };
  }
  return a;
}

/** Collapse a too-long period to q = 1 with a region that bounds every unit's. */
function collapse(a: AxisRf): AxisRf {
  if (a.q <= MAX_PERIOD) return a;
  let lo = Infinity;
  let hi = -Infinity;
  for (let φ = 0; φ < a.q; φ++) {
    if (a.lo[φ] > a.hi[φ]) continue;
    lo = Math.min(lo, a.lo[φ] - φ * a.j);
    hi = Math.max(hi, a.hi[φ] - φ * a.j);
  }
  return { j: a.j, q: 1, lo: [lo], hi: [hi], approx: true };
}

/** The network input: pixel u sees itself. */
export function inputAxis(): AxisRf {
  return { j: 1, q: 1, lo: [0], hi: [0] };
}

/**
 * A sliding window (convolution, pooling, zero padding): output unit u reads
 * input units u·s − p + t·d for taps t in [0, k).
 */
export function windowAxis(a: AxisRf, k: number, s: number, d: number, p: number): AxisRf {
  const q = a.q / gcd(a.q, s);
  const lo: number[] = [];
  const hi: number[] = [];
  for (let φ = 0; φ < q; φ++) {
    let L = Infinity;
    let H = -Infinity;
    for (let t = 0; t < k; t++) {
      const x = φ * s - p + t * d;
      L = Math.min(L, loOf(a, x));
      H = Math.max(H, hiOf(a, x));
    }
    lo.push(L);
    hi.push(H);
  }
  return reduce({ j: a.j * s, q, lo, hi, approx: a.approx });
}

/**
 * A transposed convolution (or upsampling): the full transposed convolution
 * writes input unit x, tap t to output x·s + t·d, and the first `crop`
 * outputs are cut off. So output y reads the inputs x = (y + crop − t·d)/s
 * for the taps t where that is a whole number. The output grid is s times
 * finer (j' = j/s) and the pattern repeats every s·q outputs.
 */
export function transposedAxis(a: AxisRf, k: number, s: number, d: number, crop: number): AxisRf {
  const q = a.q * s;
  const lo: number[] = [];
  const hi: number[] = [];
  for (let ψ = 0; ψ < q; ψ++) {
    let L = Infinity;
    let H = -Infinity;
    for (let t = 0; t < k; t++) {
      const v = ψ + crop - t * d;
      if (mod(v, s) !== 0) continue;
      const x = v / s;
      L = Math.min(L, loOf(a, x));
      H = Math.max(H, hiOf(a, x));
    }
    lo.push(L);
    hi.push(H);
  }
  return collapse(reduce({ j: a.j / s, q, lo, hi, approx: a.approx }));
}

/**
 * Where branches merge (Add, Concatenate), unit u of the merge sees the union
 * of what unit u of each input sees. When the inputs share a jump (always, for
 * branches that line up), that union is exact, per unit; its size is the
 * maximum over the paths when the branches are centred alike. Otherwise the
 * field is bounded over the `n` actual output units and marked approximate.
 */
export function mergeAxes(as: readonly AxisRf[], n: number): AxisRf {
  if (as.length === 1) return as[0];
  const j = as[0].j;
  if (as.every((a) => a.j === j)) {
    let q = 1;
    for (const a of as) q = (q * a.q) / gcd(q, a.q);
    if (q <= MAX_PERIOD) {
      const lo: number[] = [];
      const hi: number[] = [];
      for (let φ = 0; φ < q; φ++) {
        let L = Infinity;
        let H = -Infinity;
        for (const a of as) {
          L = Math.min(L, loOf(a, φ));
          H = Math.max(H, hiOf(a, φ));
        }
        lo.push(L);
        hi.push(H);
      }
      return reduce({ j, q, lo, hi, approx: as.some((a) => a.approx) });
    }
  }
  // Grids that do not line up: no periodic pattern. Bound it over the real units.
  let size = 0;
  let lo0 = Infinity;
  let hi0 = -Infinity;
  const units = Math.max(1, Math.min(n, 4096));
  for (let u = 0; u < units; u++) {
    let L = Infinity;
    let H = -Infinity;
    for (const a of as) {
      L = Math.min(L, loOf(a, u));
      H = Math.max(H, hiOf(a, u));
    }
    if (u === 0) [lo0, hi0] = [L, H];
    size = Math.max(size, H - L + 1);
  }
  const c = (lo0 + hi0) / 2;
  return { j: Math.max(...as.map((a) => a.j)), q: 1, lo: [c - (size - 1) / 2], hi: [c + (size - 1) / 2], approx: true };
}

/** Field of the network input of image size [H, W]. */
export function inputState(image: Pair): RfState {
  return { axes: [inputAxis(), inputAxis()], image, global: false };
}

/** Apply a layer's step to its (merged) input field. */
export function applyStep(st: RfState, step: RfStep): RfState {
  if (st.global || !st.axes) return st;
  const f = step.transposed ? transposedAxis : windowAxis;
  const axes = [0, 1].map((a) => f(st.axes![a], step.kernel[a], step.stride[a], step.dilation[a], step.padBefore[a])) as unknown as [AxisRf, AxisRf];
  return { axes, image: st.image, global: false };
}

/** Every unit sees the whole input (Flatten, Dense on a vector, global pooling). */
export function globalState(st: RfState): RfState {
  return { axes: st.axes, image: st.image, global: true };
}

/** Merge of branches; `out` is the merge's output shape (for the rare unaligned case). */
export function mergeStates(sts: readonly RfState[], out: readonly number[]): RfState {
  if (sts.length === 1) return sts[0];
  if (sts.some((s) => s.global || !s.axes)) return globalState(sts[0]);
  const axes = [0, 1].map((a) => mergeAxes(sts.map((s) => s.axes![a]), out[a] ?? 1)) as unknown as [AxisRf, AxisRf];
  return { axes, image: sts[0].image, global: false };
}

/**
 * What the user sees: size (widest unit), effective stride, start (centre of
 * unit 0). Layers that keep the grid (activations, BatchNorm…) pass their
 * input's state on unchanged, so they share one summary object (fewer
 * allocations per keystroke). Summaries are read-only.
 */
export function summarize(st: RfState): ReceptiveField {
  return (st.summary ??= summarizeNew(st));
}

function summarizeNew(st: RfState): ReceptiveField {
  if (st.global || !st.axes) {
    const j = st.axes ? ([st.axes[0].j, st.axes[1].j] as const) : ([1, 1] as const);
    return { size: [st.image[0], st.image[1]], stride: j, start: [(st.image[0] - 1) / 2, (st.image[1] - 1) / 2], global: true };
  }
  const size: number[] = [];
  const start: number[] = [];
  let varies = false;
  let approx = false;
  for (const a of st.axes) {
    let widest = 0;
    let first = -1;
    for (let φ = 0; φ < a.q; φ++) {
      if (a.lo[φ] > a.hi[φ]) continue;
      widest = Math.max(widest, a.hi[φ] - a.lo[φ] + 1);
      if (first < 0) first = φ;
    }
    size.push(widest);
    // Unit 0 may see nothing (e.g. upsampling by a 1-tap transposed conv); then
    // extrapolate the centre back from the first unit that sees something.
    start.push(first < 0 ? 0 : (a.lo[first] + a.hi[first]) / 2 - first * a.j);
    if (a.q > 1) varies = true;
    if (a.approx) approx = true;
  }
  // The pattern is only needed when units differ; with period 1 the region of
  // unit u is start + u·stride ± (size − 1)/2 (rfUnitRegion).
  const pattern = st.axes.every((a) => a.q === 1) ? undefined : st.axes.map(
    (a): RfPattern => ({ period: a.q, first: a.lo.map((v) => (Number.isFinite(v) ? v : null)), last: a.hi.map((v) => (Number.isFinite(v) ? v : null)) }),
  ) as unknown as [RfPattern, RfPattern];
  const rf: ReceptiveField = { size: size as unknown as Pair, stride: [st.axes[0].j, st.axes[1].j], start: start as unknown as Pair };
  if (pattern) rf.pattern = pattern;
  if (varies) rf.varies = true;
  if (approx) rf.approximate = true;
  return rf;
}

/**
 * The textbook recurrence for one ordinary layer, per axis (for docs and
 * tests): returns [r', j', start'].
 */
export function recurrence(r: number, j: number, start: number, k: number, s: number, d: number, p: number): [number, number, number] {
  const kd = d * (k - 1) + 1;
  return [r + (kd - 1) * j, j * s, start + ((kd - 1) / 2 - p) * j];
}

/**
 * Input pixels [first, last] seen by output unit `u` along `axis` (0 = height,
 * 1 = width), from an analysed receptive field; null if the unit sees none.
 * For a global field: the whole image.
 */
export function rfUnitRegion(rf: ReceptiveField, axis: 0 | 1, u: number): [number, number] | null {
  if (rf.global) return [0, rf.size[axis] - 1];
  if (!rf.pattern) {
    const c = rf.start[axis] + u * rf.stride[axis];
    return [c - (rf.size[axis] - 1) / 2, c + (rf.size[axis] - 1) / 2];
  }
  const p = rf.pattern[axis];
  const φ = mod(u, p.period);
  const first = p.first[φ];
  const last = p.last[φ];
  if (first === null || last === null) return null;
  const shift = ((u - φ) / p.period) * p.period * rf.stride[axis];
  return [first + shift, last + shift];
}
