import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { JobRunner } from '../../../electron/services/job-runner';
import type { JobEnd, JobProgress } from '../../../engine/api';

const ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'fake-job-worker.ts');

function harness(opts: Partial<ConstructorParameters<typeof JobRunner>[0]> = {}) {
  const progress: JobProgress[] = [];
  const ends: JobEnd[] = [];
  const waiters = new Map<string, (e: JobEnd) => void>();
  const runner = new JobRunner({
    workerEntry: ENTRY,
    events: {
      progress: (e) => progress.push(e),
      end: (e) => {
        ends.push(e);
        waiters.get(e.jobId)?.(e);
      },
    },
    ...opts,
  });
  const start = (kind: string, payload: unknown = {}) => {
    const r = runner.start(kind, payload);
    if (!r.ok) throw new Error(r.error.message);
    const jobId = r.value.jobId;
    const ended = new Promise<JobEnd>((resolve) => {
      const done = ends.find((e) => e.jobId === jobId);
      if (done) resolve(done);
      else waiters.set(jobId, resolve);
    });
    return { jobId, ended };
  };
  return { runner, progress, ends, start };
}

describe('JobRunner (worker threads)', () => {
  it('streams progress and ends with the result', async () => {
    const h = harness({ progressIntervalMs: 0 });
    const { jobId, ended } = h.start('count', { n: 5 });
    const end = await ended;
    expect(end).toEqual({ jobId, kind: 'count', status: 'done', result: { counted: 5 } });
    const mine = h.progress.filter((p) => p.jobId === jobId);
    expect(mine.map((p) => p.fraction)).toEqual([0.2, 0.4, 0.6, 0.8, 1]);
    expect(mine[0].message).toBe('step 1/5');
    expect(h.ends.filter((e) => e.jobId === jobId)).toHaveLength(1);
  });

  it('reports a crashing job as an error and keeps working', async () => {
    const h = harness();
    const crashed = await h.start('crash').ended;
    expect(crashed.status).toBe('error');
    if (crashed.status !== 'error') return;
    expect(crashed.error.code).toBe('JOB_FAILED');
    expect(crashed.error.message).toMatch(/crashed: boom from a timer/);
    expect(crashed.error.message).not.toMatch(/at .*\.ts:\d+/); // no stack trace for the user
    // The runner (and the process) still work after the crash.
    const next = await h.start('count', { n: 2 }).ended;
    expect(next.status).toBe('done');
  });

  it('ends a job that exits abruptly with a clear error', async () => {
    const h = harness();
    const e = await h.start('exit').ended;
    expect(e.status).toBe('error');
    if (e.status === 'error') expect(e.error.message).toMatch(/exit code 3/);
  });

  it('passes a contract error code thrown by the job through', async () => {
    const h = harness();
    const e = await h.start('invalid').ended;
    expect(e).toMatchObject({ status: 'error', error: { code: 'INVALID_GRAPH', message: expect.stringMatching(/Dense on an unflattened/) } });
  });

  it('says so when a job kind does not exist', async () => {
    const h = harness();
    const e = await h.start('no-such-kind').ended;
    expect(e).toMatchObject({ status: 'error', error: { code: 'NOT_IMPLEMENTED' } });
  });

  it('cancels a job that honours its signal', async () => {
    const h = harness();
    const { jobId, ended } = h.start('count', { n: 100_000 });
    await new Promise((r) => setTimeout(r, 200));
    expect(h.runner.cancel(jobId).ok).toBe(true);
    expect(h.runner.cancel(jobId).ok).toBe(true); // twice is harmless
    expect((await ended).status).toBe('cancelled');
    expect(h.runner.cancel('unknown-job').ok).toBe(true);
  });

  it('terminates a job that ignores cancellation after the grace period', async () => {
    const h = harness({ cancelGraceMs: 300 });
    const { jobId, ended } = h.start('stubborn');
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    h.runner.cancel(jobId);
    expect((await ended).status).toBe('cancelled');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(h.runner.list()).toEqual([]);
  });

  it('reports running out of memory', async () => {
    const h = harness({ maxHeapMb: 64 });
    const e = await h.start('hog').ended;
    expect(e.status).toBe('error');
    if (e.status === 'error') expect(e.error.message).toMatch(/ran out of memory/);
  });

  it('coalesces floods of batch progress but keeps the epoch update', async () => {
    const h = harness({ progressIntervalMs: 1000 });
    const { jobId, ended } = h.start('flood');
    expect((await ended).status).toBe('done');
    const mine = h.progress.filter((p) => p.jobId === jobId);
    expect(mine.length).toBeLessThan(20);
    expect(mine.at(-1)?.train?.stage).toBe('epoch');
  });

  it('limits concurrent jobs with a clear message', async () => {
    const h = harness({ maxConcurrent: 1 });
    const a = h.start('count', { n: 50 });
    const second = h.runner.start('count', { n: 1 });
    expect(second.ok).toBe(false);
    if (!second.ok) expect(second.error.message).toMatch(/already running/);
    h.runner.cancel(a.jobId);
    await a.ended;
  });
});
