/**
 * Seeded randomness. Everything random in engine/data (shuffles, splits, the
 * synthetic images) comes from here so that a seed gives the same result on
 * every machine and every run. Math.random is never used.
 */

/** Mixes 32-bit integers into one well-spread 32-bit hash (murmur3 finaliser over a running state). */
export function hash32(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    h = Math.imul(h ^ (p | 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    // Fold in the fractional part too, so non-integer seeds are not silently truncated.
    const frac = Math.floor((p - Math.floor(p)) * 0x100000000);
    if (frac) h = Math.imul(h ^ frac, 0x27d4eb2d);
  }
  return h >>> 0;
}

/** A seeded generator (mulberry32: 32-bit state, fast, good enough for shuffles and image noise). */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = hash32(seed) | 0;
  }
  /** Uniform 32-bit unsigned integer. */
  nextU32(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
  /** Integer uniform in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** Two independent standard normals (Box–Muller). */
  normalPair(): [number, number] {
    const u = 1 - this.next();
    const v = this.next();
    const m = Math.sqrt(-2 * Math.log(u));
    return [m * Math.cos(2 * Math.PI * v), m * Math.sin(2 * Math.PI * v)];
  }
  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

/** Shuffles `a` in place (Fisher–Yates) with a seeded generator; returns it. */
export function shuffleInPlace<T extends { length: number; [i: number]: number }>(a: T, seed: number): T {
  const rng = new Rng(seed);
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}

/** 0, 1, …, n−1 in a seeded random order. */
export function permutation(n: number, seed: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return shuffleInPlace(a, seed);
}
