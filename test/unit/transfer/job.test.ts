/**
 * Fine-tuning through the training job (what the app runs): starting from a
 * trained model, a copy with a replaced head and frozen convolutions loads
 * the matching layers and reports the rest; a network sharing nothing with
 * the starting model is refused with the report.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { JobProgress, TrainResult } from '../../../engine/api';
import { runTrainJob } from '../../../engine/train/job';
import { freezeBefore, replaceHead } from '../../../engine/transfer/doc-ops';
import { graph } from '../../helpers/graph-builder';
import { SMALL_SPEC, smallCnn } from '../train/helpers';

const store = mkdtempSync(path.join(tmpdir(), 'cnnd-transfer-store-'));
process.env.CNN_MODEL_STORE = store;
afterAll(() => rmSync(store, { recursive: true, force: true }));

const ctx = (progress: JobProgress[] = []) => ({ jobId: 'j', signal: new AbortController().signal, progress: (p: Omit<JobProgress, 'jobId' | 'kind'>) => void progress.push(p as JobProgress) });

describe('training job with a starting model', () => {
  it('loads matching layers, reports the replaced head, refuses a network with nothing in common', async () => {
    const docA = smallCnn([20, 20, 1], 3);
    const a: TrainResult = await runTrainJob({ doc: docA, dataset: { spec: SMALL_SPEC }, settings: { epochs: 1, batchSize: 32 }, limit: 300 }, ctx());
    const f = freezeBefore(docA, 'head');
    if (!f.ok) throw new Error(f.error);
    const r = replaceHead(f.doc, 3);
    if (!r.ok) throw new Error(r.error);
    const progress: JobProgress[] = [];
    const b = await runTrainJob({ doc: r.doc, dataset: { spec: SMALL_SPEC }, settings: { epochs: 1, batchSize: 32 }, limit: 300, initialModel: { modelId: a.modelId } }, ctx(progress));
    expect(b.transfer!.matched.length).toBe(2);
    expect(b.transfer!.missing).toEqual([r.headName]);
    expect(b.transfer!.unused).toEqual(['head']);
    expect(progress.some((p) => p.message?.startsWith('Loaded 2 of 3 layers'))).toBe(true);

    const g = graph();
    g.input([20, 20, 1]).conv2d({ filters: 3 }, { name: 'other' }).flatten().dense({ units: 3, activation: 'softmax' }, { name: 'other_head' });
    await expect(runTrainJob({ doc: g.doc, dataset: { spec: SMALL_SPEC }, settings: { epochs: 1 }, limit: 100, initialModel: { modelId: a.modelId } }, ctx())).rejects.toThrow(/None of the starting model's layers fit/);
  }, 120_000);
});
