/**
 * Python literals for the code generators and the layers' `keras` /
 * `pytorch` hooks. No imports: layer files may use it freely.
 */

/** A Python literal for a JSON-like value: True/False/None, tuples for pairs. */
export function py(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`cannot write ${v} as a Python number`);
    return String(v);
  }
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return v.length === 1 ? `(${py(v[0])},)` : `(${v.map(py).join(', ')})`;
  throw new Error(`cannot write ${JSON.stringify(v)} as a Python literal`);
}

/** A float literal (always with a point, so Python keeps it a float). */
export function pyFloat(v: number): string {
  const s = py(v);
  return /[.eE]/.test(s) ? s : `${s}.0`;
}

/** A Python string for a docstring or comment line (no newlines, no quotes trouble). */
export function pyText(s: string): string {
  return s.replace(/[\r\n]+/g, ' ').replace(/\\/g, '\\\\').replace(/"""/g, '\\"\\"\\"');
}
