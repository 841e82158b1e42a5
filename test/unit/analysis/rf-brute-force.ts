/**
 * An independent brute-force receptive field, in one dimension: run each
 * layer's data flow on dependency masks (which input pixels can influence
 * each value) over a finite image, with the layer's own indexing written out
 * plainly (gather for windows, scatter for transposed convolutions, as
 * TensorFlow computes them). Shares no code with engine/analysis.
 *
 * Each unit also carries `clean`: it was computed without touching padding
 * (at any layer). Receptive fields in the Distill convention count padding
 * as part of the field, so only clean units can be compared exactly.
 */

export type Op1 =
  | { kind: 'win'; k: number; s: number; d: number; pad: 'same' | 'valid' }
  | { kind: 'zpad'; before: number; after: number }
  | { kind: 'tconv'; k: number; s: number; pad: 'same' | 'valid' }
  | { kind: 'up'; s: number; bilinear: boolean };

export interface Unit {
  /** Input pixels this unit depends on. */
  deps: Set<number>;
  /** Computed without reading padding anywhere upstream. */
  clean: boolean;
}
export type Masks = Unit[];

export function inputMasks(n: number): Masks {
  return Array.from({ length: n }, (_, i) => ({ deps: new Set([i]), clean: true }));
}

function unit(): Unit {
  return { deps: new Set(), clean: true };
}
/** Read input unit i into u (i may be out of range: padding). */
function read(u: Unit, inp: Masks, i: number) {
  const x = inp[i];
  if (!x) {
    u.clean = false;
    return;
  }
  for (const v of x.deps) u.deps.add(v);
  if (!x.clean) u.clean = false;
}

/** Apply one op; returns null if the output would be empty (invalid config). */
export function applyOp(inp: Masks, op: Op1): Masks | null {
  const n = inp.length;
  switch (op.kind) {
    case 'win': {
      const kd = op.d * (op.k - 1) + 1;
      const out = op.pad === 'same' ? Math.ceil(n / op.s) : Math.ceil((n - kd + 1) / op.s);
      if (out <= 0) return null;
      const before = op.pad === 'same' ? Math.floor(Math.max((out - 1) * op.s + kd - n, 0) / 2) : 0;
      const res: Masks = [];
      for (let o = 0; o < out; o++) {
        const u = unit();
        for (let t = 0; t < op.k; t++) read(u, inp, o * op.s - before + t * op.d);
        res.push(u);
      }
      return res;
    }
    case 'zpad': {
      const res: Masks = [];
      for (let o = 0; o < n + op.before + op.after; o++) {
        const u = unit();
        read(u, inp, o - op.before);
        res.push(u);
      }
      return res;
    }
    case 'tconv': {
      const out = op.pad === 'same' ? n * op.s : n * op.s + Math.max(op.k - op.s, 0);
      const full = (n - 1) * op.s + op.k;
      const crop = Math.floor(Math.max(full - out, 0) / 2);
      const res: Masks = Array.from({ length: out }, unit);
      // Scatter: input x, tap t lands on output x·s + t − crop.
      for (let x = 0; x < n; x++)
        for (let t = 0; t < op.k; t++) {
          const y = x * op.s + t - crop;
          if (y >= 0 && y < out) read(res[y], inp, x);
        }
      // An output that some tap would have fed from outside the input is not clean.
      for (let y = 0; y < out; y++)
        for (let t = 0; t < op.k; t++) {
          const v = y + crop - t;
          if (v % op.s === 0 && (v / op.s < 0 || v / op.s >= n)) res[y].clean = false;
        }
      return res;
    }
    case 'up': {
      const out = n * op.s;
      const res: Masks = [];
      for (let y = 0; y < out; y++) {
        const u = unit();
        if (!op.bilinear) read(u, inp, Math.floor(y / op.s));
        else {
          // tf.image.resizeBilinear, alignCorners false, halfPixelCenters false:
          // source y·(n/out) = y/s, blending floor and the next one by frac.
          const src = y / op.s;
          const i0 = Math.floor(src);
          read(u, inp, i0);
          if (src > i0) read(u, inp, i0 + 1); // past the end TF clamps: count it as padding
        }
        res.push(u);
      }
      return res;
    }
  }
}

export function runChain(n: number, ops: readonly Op1[]): Masks | null {
  let m: Masks | null = inputMasks(n);
  for (const op of ops) {
    m = applyOp(m, op);
    if (!m || m.length === 0) return null;
  }
  return m;
}

export function orMasks(a: Masks, b: Masks): Masks {
  return a.map((x, i) => ({ deps: new Set([...x.deps, ...b[i].deps]), clean: x.clean && b[i].clean }));
}

/** [first, last] pixel a unit depends on, or null if none. */
export function extent(u: Unit): [number, number] | null {
  if (u.deps.size === 0) return null;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of u.deps) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return [lo, hi];
}
