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

/**
 * Thousands separators in the user's numbers: 73856 → "73,856". Same text as
 * `Math.round(n).toLocaleString('en-US')`, without going through Intl: it is
 * called for every formula on every analysis (every keystroke), and Intl
 * costs about a microsecond a call.
 */
export function formatInt(n: number): string {
  const r = Math.round(n);
  if (!Number.isFinite(r)) return r.toLocaleString('en-US');
  if (r > -1000 && r < 1000) return Object.is(r, -0) ? '-0' : String(r);
  if (Math.abs(r) >= 1e21) return r.toLocaleString('en-US');
  const neg = r < 0;
  const digits = String(neg ? -r : r);
  let out = '';
  let i = digits.length % 3 || 3;
  out = digits.slice(0, i);
  for (; i < digits.length; i += 3) out += ',' + digits.slice(i, i + 3);
  return neg ? '-' + out : out;
}
