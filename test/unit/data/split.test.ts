import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openDataset, splitTrainValidation } from '../../../engine/data';

describe('splitTrainValidation', () => {
  it('is a deterministic, disjoint, complete, stratified split', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 0, maxLength: 300 }), fc.double({ min: 0, max: 0.95, noNaN: true }), fc.integer({ min: 0, max: 1000 }), (labels, f, seed) => {
        const a = splitTrainValidation(labels, f, seed);
        const b = splitTrainValidation(labels, f, seed);
        expect(Array.from(a.train)).toEqual(Array.from(b.train));
        expect(Array.from(a.validation)).toEqual(Array.from(b.validation));
        const all = [...a.train, ...a.validation].sort((x, y) => x - y);
        expect(all).toEqual(labels.map((_, i) => i));
        for (const part of [a.train, a.validation]) for (let i = 1; i < part.length; i++) expect(part[i]).toBeGreaterThan(part[i - 1]);
        for (let k = 0; k <= 4; k++) {
          const nk = labels.filter((l) => l === k).length;
          const vk = Array.from(a.validation).filter((i) => labels[i] === k).length;
          expect(vk).toBe(Math.round(nk * f));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('depends on the seed; a plain count works too', () => {
    const labels = Array.from({ length: 1000 }, (_, i) => i % 10);
    expect(Array.from(splitTrainValidation(labels, 0.1, 1).validation)).not.toEqual(Array.from(splitTrainValidation(labels, 0.1, 2).validation));
    const c = splitTrainValidation(1000, 0.25, 3);
    expect(c.validation.length).toBe(250);
    expect(c.train.length).toBe(750);
    expect(Array.from(splitTrainValidation(1000, 0.25, 3).validation)).toEqual(Array.from(c.validation));
  });

  it('rejects a fraction outside [0, 1)', () => {
    expect(() => splitTrainValidation(10, 1, 0)).toThrow(/Validation fraction 1 is not from 0 up to/);
    expect(() => splitTrainValidation(10, -0.1, 0)).toThrow(/-0.1/);
    expect(() => splitTrainValidation(10, Number.NaN, 0)).toThrow(/NaN/);
  });

  it('feeds batches through indices', async () => {
    const ds = await openDataset('builtin:shapes?n=120&size=10');
    const { train, validation } = splitTrainValidation(await ds.labels('train'), 0.25, 7);
    expect(validation.length).toBe(30);
    const seen: number[] = [];
    for await (const b of ds.batches('train', { batchSize: 8, indices: validation })) seen.push(...b.indices);
    expect(seen).toEqual(Array.from(validation));
    expect(train.length).toBe(90);
  });
});
