/**
 * The inspect job through the real job runner (a worker thread per job):
 * weights loaded from disk, images from a dataset sample or PNG bytes, every
 * view as a PNG, errors as values, cancel.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobRunner } from '../../../electron/services/job-runner';
import type { InspectRequest, InspectResult, JobEnd, JobProgress } from '../../../engine/api';
import { openDataset } from '../../../engine/data';
import { decodePngRgba, encodePngRgba, featureMaps, pixelsToImage, renderFeatureMaps } from '../../../engine/inspect';
import { saveWeights } from '../../../engine/train/weights';
import { graph } from '../../helpers/graph-builder';
import { build, tf } from './helpers';

const SPEC = 'builtin:shapes?size=20&classes=3&n=60&test=30';
let dir: string;
const g = graph();
g.input([20, 20, 1], { id: 'in' })
  .conv2d({ filters: 6, activation: 'relu' }, { id: 'c1', name: 'c1' })
  .maxPool2d({}, { id: 'p1' })
  .conv2d({ filters: 8, activation: 'relu' }, { id: 'c2', name: 'c2' })
  .flatten()
  .dense({ units: 3, activation: 'softmax' }, { id: 'head', name: 'head' });
const doc = g.doc;
const { model } = build(doc, 5);

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'cnnd-inspect-'));
  await saveWeights(tf, model, path.join(dir, 'w'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function harness() {
  const progress: JobProgress[] = [];
  const waiters = new Map<string, (e: JobEnd) => void>();
  const runner = new JobRunner({ progressIntervalMs: 0, cancelGraceMs: 20_000, events: { progress: (e) => progress.push(e), end: (e) => waiters.get(e.jobId)?.(e) } });
  const start = (req: InspectRequest) => {
    const r = runner.start('inspect', req);
    if (!r.ok) throw new Error(r.error.message);
    return { jobId: r.value.jobId, ended: new Promise<JobEnd>((res) => waiters.set(r.value.jobId, res)) };
  };
  return { runner, progress, start };
}

const isPng = (b64: string) => Buffer.from(b64, 'base64').subarray(1, 4).toString() === 'PNG';

describe('inspect job', () => {
  it('computes all image views for a dataset sample with the saved weights', async () => {
    const h = harness();
    const t = h.start({
      model: { doc, weightsPath: path.join(dir, 'w') },
      view: 'activations',
      views: ['activations', 'filters', 'saliency', 'smoothgrad', 'gradcam', 'effective-rf'],
      nodeId: 'c1',
      sample: { spec: SPEC, split: 'test', index: 4 },
      samples: 4,
    });
    const end = await t.ended;
    expect(end.status, JSON.stringify(end)).toBe('done');
    const r = (end as { result: InspectResult }).result;
    expect(r.images.map((i) => i.view)).toEqual(['activations', 'filters', 'saliency', 'smoothgrad', 'gradcam', 'effective-rf']);
    for (const i of r.images) expect(isPng(i.base64)).toBe(true);
    expect(r.classNames).toHaveLength(3);
    expect(r.prediction?.length).toBe(3);
    expect(r.notes?.some((n) => n.includes('test sample 4'))).toBe(true);
    // The feature-map grid equals the one computed here from the same weights and sample.
    const ds = await openDataset(SPEC);
    const s = await ds.sample('test', 4);
    await ds.close();
    const want = renderFeatureMaps(featureMaps(tf, model, 'c1', { pixels: s.pixels, shape: s.shape }));
    const got = decodePngRgba(Buffer.from(r.images[0].base64, 'base64'));
    expect([got.width, got.height]).toEqual([want.image.width, want.image.height]);
    expect(Buffer.from(got.data).equals(Buffer.from(want.image.data))).toBe(true);
    expect(r.images[0].grid).toEqual(want.layout);
    // Effective RF of the centre unit of c1 (3×3 kernel, 'same' padding, output 20×20): unit (10, 10) sees input rows/cols 9…11.
    expect(r.stats).toMatchObject({ 'unit.row': 10, 'unit.col': 10, 'rf.top': 9, 'rf.bottom': 11, 'rf.left': 9, 'rf.right': 11 });
    expect(r.input?.scale).toBeGreaterThan(1);
    const fr = h.progress.filter((p) => p.jobId === t.jobId).map((p) => p.fraction ?? 0);
    expect(fr.at(-1)).toBe(1);
  });

  it('takes an image as PNG bytes, and inspects a network without weights (random, said so)', async () => {
    const img = new Float32Array(20 * 20).map((_, i) => (i % 20 > 10 ? 1 : 0));
    const b64 = Buffer.from(encodePngRgba(pixelsToImage(img, [20, 20, 1]))).toString('base64');
    const end = await harness().start({ model: { doc }, view: 'gradcam', nodeId: 'c2', image: { base64: b64 }, classIndex: 2 }).ended;
    expect(end.status, JSON.stringify(end)).toBe('done');
    const r = (end as { result: InspectResult }).result;
    expect(r.images[0].layer).toBe('c2');
    expect(r.notes?.[0]).toMatch(/random weights/);
  });

  it('names the classes from the training.json that `cli train` writes beside the weights (weights named by their model.json)', async () => {
    const w = path.join(dir, 'w-cli');
    await saveWeights(tf, model, w);
    writeFileSync(path.join(w, 'training.json'), JSON.stringify({ dataset: SPEC, classNames: ['circle', 'square', 'triangle'], dataShape: [20, 20, 1] }));
    const img = new Float32Array(20 * 20).map((_, i) => (i % 20 > 10 ? 1 : 0));
    const b64 = Buffer.from(encodePngRgba(pixelsToImage(img, [20, 20, 1]))).toString('base64');
    const end = await harness().start({ model: { doc, weightsPath: path.join(w, 'model.json') }, view: 'activations', nodeId: 'c1', image: { base64: b64 } }).ended;
    expect(end.status, JSON.stringify(end)).toBe('done');
    expect((end as { result: InspectResult }).result.classNames).toEqual(['circle', 'square', 'triangle']);
  });

  it('reports a bad request as an error naming what is wrong', async () => {
    const end = await harness().start({ model: { doc }, view: 'activations', nodeId: 'c1', sample: { spec: SPEC, index: 999 } }).ended;
    expect(end.status).toBe('error');
    expect((end as { error: { message: string } }).error.message).toMatch(/sample 999 does not exist: the test split .* has 30 images/);
    const end2 = await harness().start({ model: { doc }, view: 'saliency', nodeId: 'c1' }).ended;
    expect((end2 as { error: { message: string } }).error.message).toMatch(/needs an image/);
  });

  it('channel maximisation streams progress and can be cancelled', async () => {
    const h = harness();
    let t: { jobId: string; ended: Promise<JobEnd> } | null = null;
    const seen: number[] = [];
    t = h.start({ model: { doc }, view: 'maximize', nodeId: 'c2', channel: 3, steps: 500 });
    const timer = setInterval(() => {
      const mine = h.progress.filter((p) => p.jobId === t!.jobId && (p.fraction ?? 0) > 0.02);
      if (mine.length) {
        seen.push(mine[0].fraction!);
        h.runner.cancel(t!.jobId);
        clearInterval(timer);
      }
    }, 20);
    const end = await t.ended;
    clearInterval(timer);
    expect(end.status).toBe('cancelled');
    expect(seen.length).toBe(1);
  });
});
