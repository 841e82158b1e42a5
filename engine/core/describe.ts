/**
 * A value received from a user's file, quoted for a message: its JSON text,
 * shortened, or a word for what it is when it cannot be printed (too deeply
 * nested, cyclic, a function). Never throws, never recurses unboundedly
 * (String() of a 100,000-deep array overflows the stack; JSON.stringify
 * throws a RangeError we catch).
 *
 * @example describeValue("full") === '"full"'; describeValue(NaN) === 'NaN'
 */
export function describeValue(v: unknown, max = 80): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'function' || typeof v === 'symbol') return `a ${typeof v}`;
  let s: string | undefined;
  try {
    s = JSON.stringify(v);
  } catch {
    s = undefined;
  }
  if (s === undefined) return Array.isArray(v) ? 'a list' : v === null ? 'null' : typeof v === 'object' ? 'an object' : typeof v;
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}
