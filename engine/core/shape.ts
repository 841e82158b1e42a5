/**
 * A tensor shape as the analysis sees it: channels-last (H, W, C for images),
 * with the batch axis omitted. A Dense output is `[units]`.
 *
 * @example [224, 224, 3]
 */
export type Shape = readonly number[];

/** Number of elements in one sample of this shape (the product of its dims). */
export function shapeSize(s: Shape): number {
  let n = 1;
  for (const d of s) n *= d;
  return n;
}

/** `[56, 56, 64]` → `56×56×64`, as shown to the user. */
export function formatShape(s: Shape | null | undefined): string {
  if (!s) return '?';
  return s.length === 0 ? 'scalar' : s.join('×');
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Thousands separators in the user's numbers: 73856 → "73,856". */
export function formatInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
