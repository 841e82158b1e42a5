/**
 * The training and evaluation jobs through the real job runner: each in its
 * own worker thread, progress streamed, errors as values, and a job that runs
 * out of memory reported clearly while the next job still works.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobRunner } from '../../../electron/services/job-runner';
import type { JobEnd, JobProgress, TrainResult, EvaluationResult } from '../../../engine/api';
import { SMALL_SPEC, smallCnn } from './helpers';

let store: string;
beforeAll(() => {
  store = mkdtempSync(path.join(tmpdir(), 'cnnd-store-'));
  process.env.CNN_MODEL_STORE = store; // inherited by the worker threads
});
afterAll(() => rmSync(store, { recursive: true, force: true }));

function harness(opts: Partial<ConstructorParameters<typeof JobRunner>[0]> = {}) {
  const progress: JobProgress[] = [];
  const waiters = new Map<string, (e: JobEnd) => void>();
  const runner = new JobRunner({
    progressIntervalMs: 0,
    events: { progress: (e) => progress.push(e), end: (e) => waiters.get(e.jobId)?.(e) },
    ...opts,
  });
  const start = (kind: string, payload: unknown, onProgress?: (p: JobProgress) => void) => {
    const r = runner.start(kind, payload);
    if (!r.ok) throw new Error(r.error.message);
    const jobId = r.value.jobId;
    if (onProgress) {
      const push = progress.push.bind(progress);
      progress.push = (...ps: JobProgress[]) => {
        ps.filter((p) => p.jobId === jobId).forEach(onProgress);
        return push(...ps);
      };
    }
    return { jobId, ended: new Promise<JobEnd>((res) => waiters.set(jobId, res)) };
  };
  return { runner, progress, start };
}

const doc = smallCnn([20, 20, 1], 3);

describe('training jobs in worker threads', () => {
  it('trains with streamed progress, then evaluates the stored model by id', async () => {
    const h = harness();
    const t = h.start('train', { doc, dataset: { spec: SMALL_SPEC }, settings: { epochs: 2, batchSize: 32, learningRate: 0.005 }, limit: 600 });
    const end = await t.ended;
    expect(end.status).toBe('done');
    const res = (end as { result: TrainResult }).result;
    expect(res.epochsRun).toBe(2);
    const mine = h.progress.filter((p) => p.jobId === t.jobId && p.train);
    expect(mine.filter((p) => p.train!.stage === 'epoch').map((p) => p.train!.epoch)).toEqual([1, 2]);
    expect(mine.some((p) => p.train!.stage === 'batch' && p.message?.startsWith('Epoch 1/2 · batch'))).toBe(true);
    expect(mine.at(-1)!.fraction).toBe(1);

    const ev = await h.start('evaluate', { model: { modelId: res.modelId }, dataset: { spec: SMALL_SPEC }, mistakes: 3 }).ended;
    expect(ev.status).toBe('done');
    const r = (ev as { result: EvaluationResult }).result;
    expect(r.confusion.flat().reduce((a, b) => a + b, 0)).toBe(300);
    expect(r.mistakes.length).toBeLessThanOrEqual(3);
    for (const m of r.mistakes) expect(Buffer.from(m.image, 'base64').subarray(1, 4).toString()).toBe('PNG');
  });

  it('cancel ends the run within a batch and keeps the model', async () => {
    const h = harness();
    let t: { jobId: string; ended: Promise<JobEnd> };
    // eslint-disable-next-line prefer-const
    t = h.start('train', { doc, dataset: { spec: SMALL_SPEC }, settings: { epochs: 50, batchSize: 16 } }, (p) => {
      if (p.train?.stage === 'batch' && p.train.batch === 3) h.runner.cancel(t.jobId);
    });
    const end = await t.ended;
    expect(end.status).toBe('done');
    const res = (end as { result: TrainResult }).result;
    expect(res.stoppedEarly).toBe(true);
    expect(res.epochsRun).toBe(0);
    expect(res.modelId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('reports a bad request as an error value naming the problem, and an out-of-memory crash clearly; the next job works', async () => {
    const h = harness();
    const bad = await h.start('train', { doc: smallCnn([20, 20, 1], 2), dataset: { spec: SMALL_SPEC }, settings: { epochs: 1 } }).ended;
    expect(bad).toMatchObject({ status: 'error', error: { code: 'INVALID_GRAPH' } });
    expect((bad as { error: { message: string } }).error.message).toMatch(/3 classes but the network's output has 2 units/);
    const missing = await h.start('train', { doc, dataset: { spec: 'mnist:/nonexistent/dir' }, settings: { epochs: 1 } }).ended;
    expect(missing.status).toBe('error');
    expect((missing as { error: { message: string } }).error.message).toMatch(/nonexistent/);

    const small = harness({ maxHeapMb: 24 });
    const oom = await small.start('train', { doc, dataset: { spec: 'builtin:shapes?size=128&n=100000' }, settings: { epochs: 1, batchSize: 4096 } }).ended;
    expect(oom.status).toBe('error');
    const msg = (oom as { error: { message: string } }).error.message;
    expect(msg).toMatch(/out of memory|crashed|stopped unexpectedly/);

    const next = await h.start('train', { doc, dataset: { spec: SMALL_SPEC }, settings: { epochs: 1 }, limit: 200 }).ended;
    expect(next.status).toBe('done');
  });
});
