/**
 * Analysis takes two shortcuts for speed; each must give exactly what the
 * plain version gives.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveParamsFast } from '../../../engine/analysis/resolve';
import { formatInt } from '../../../engine/core/shape';
import { LAYER_DEFS, resolveParams, type ParamSchema } from '../../../engine/layers';

describe('formatInt without Intl', () => {
  it('equals Math.round(n).toLocaleString("en-US")', () => {
    for (const n of [0, -0, -0.4, 0.5, 999, 999.5, 1000, -1000, 73_856, 1_234_567.5, -987_654_321, 2 ** 53, 1e20, 1e21, 1.5e22, Infinity, -Infinity, NaN])
      expect(formatInt(n)).toBe(Math.round(n).toLocaleString('en-US'));
    fc.assert(
      fc.property(fc.double({ noNaN: false }), (n) => formatInt(n) === Math.round(n).toLocaleString('en-US')),
      { numRuns: 3000, seed: 4 },
    );
  });
});

describe('resolveParamsFast', () => {
  // For each layer: values right for its specs, wrong for them, and unknown keys.
  const valueArb = fc.oneof(
    fc.integer({ min: -5, max: 300 }),
    fc.double({ noNaN: false }),
    fc.constantFrom('same', 'valid', 'relu', 'nearest', 'bilinear', 'max', '', 'x'),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.integer({ min: -1, max: 40 }), { maxLength: 4 }),
  );
  it.each(LAYER_DEFS.map((d) => [d.type, d] as const))('%s: same result as resolveParams', (_t, def) => {
    const keys = [...Object.keys(def.params as ParamSchema), 'bogus', 'kernel_size'];
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...keys), valueArb), (raw) => {
        expect(resolveParamsFast(def, raw)).toEqual(resolveParams(def, raw));
      }),
      { numRuns: 60, seed: 5 },
    );
    expect(resolveParamsFast(def, undefined)).toEqual(resolveParams(def, undefined));
  });
});

describe('resolveParamsCached', () => {
  it('reuses a result only while the stored values are unchanged, even when mutated in place', async () => {
    const { resolveParamsCached } = await import('../../../engine/analysis/resolve');
    const conv = LAYER_DEFS.find((d) => d.type === 'conv2d')!;
    const raw: Record<string, unknown> = { filters: 8, kernel: [3, 3] };
    const first = resolveParamsCached(conv, raw);
    expect(resolveParamsCached(conv, raw)).toBe(first); // cached
    raw.filters = 16;
    expect(resolveParamsCached(conv, raw).params.filters).toBe(16);
    (raw.kernel as number[])[0] = 5;
    expect(resolveParamsCached(conv, raw).params.kernel).toEqual([5, 3]);
    raw.kernel = [[1]];
    expect(resolveParamsCached(conv, raw).errors.map((e) => e.field)).toEqual(['kernel']);
    (raw.kernel as number[][])[0][0] = 2; // nested values are never cached
    expect(resolveParamsCached(conv, raw).errors[0].message).toMatch(/\[\[2\]\]/);
    delete raw.kernel;
    expect(resolveParamsCached(conv, raw)).toEqual(resolveParams(conv, raw));
  });
});
