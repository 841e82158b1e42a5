import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { listDatasets, previewDatasetResult } from '../../../electron/services/datasets';

describe('dataset picker requests', () => {
  it('lists the built-in set as available', async () => {
    const r = await listDatasets();
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const builtin = r.value.find((d) => d.spec.startsWith('builtin:'));
    expect(builtin?.available).toBe(true);
    expect(r.value.every((d) => d.detail.length > 0)).toBe(true);
  });

  it('previews a dataset: class counts add up and samples are real PNGs of the input size', async () => {
    const spec = 'builtin:shapes?n=120&test=30&classes=3';
    const r = await previewDatasetResult({ spec, count: 9 });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const p = r.value;
    expect(p.classNames).toHaveLength(3);
    expect(p.classCounts.reduce((a, b) => a + b, 0)).toBe(120);
    expect(p.testCount).toBe(30);
    expect(p.samples).toHaveLength(9);
    expect(new Set(p.samples.map((s) => s.label))).toEqual(new Set([0, 1, 2]));
    const png = PNG.sync.read(Buffer.from(p.samples[0].image, 'base64'));
    // Previews are enlarged to at least 56 px wide, by a whole factor of the input size.
    expect(png.width % p.inputShape[1]).toBe(0);
    expect(png.width).toBeGreaterThanOrEqual(56);
  });

  it('a missing folder is an error value naming it, never a throw', async () => {
    const r = await previewDatasetResult({ spec: 'fashion-mnist:/nonexistent/fmnist' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('NOT_FOUND');
    expect(r.error.message).toContain('/nonexistent/fmnist');
  });
});
