/**
 * Runs long work (training, evaluation, inspection, export) off the main
 * thread: one worker thread per job, so a job that crashes or runs out of
 * memory ends only itself and the app keeps working.
 *
 * start(kind, payload) → {jobId}; progress streams as `onJobProgress`
 * events; every job ends with exactly one `onJobEnd` event (done, cancelled
 * or error); cancel(jobId) asks the job to stop and terminates it if it does
 * not within the grace period.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { randomUUID } from 'node:crypto';
import { spawnWorker, workerEntry } from '../../engine/train/parallel/spawn';
import { err, ok, type ApiError, type JobEnd, type JobKind, type JobProgress, type JobStarted, type Result } from '../../engine/api';
import type { FromWorker, JobProgressReport, JobWorkerData, ToWorker } from './job-protocol';

/** Where the runner sends job events (the transports broadcast them to the renderer). */
export interface JobEvents {
  progress(e: JobProgress): void;
  end(e: JobEnd): void;
}

export interface JobRunnerOptions {
  events: JobEvents;
  /** Worker entry file; defaults to the bundled job-worker.cjs beside this code, or job-worker.ts via tsx in development. */
  workerEntry?: string;
  /** How long a cancelled job may take to stop before its thread is terminated (default 10 s). */
  cancelGraceMs?: number;
  /** Minimum time between two batch-level progress events of one job (default 50 ms); epoch-level ones are never dropped. */
  progressIntervalMs?: number;
  /** V8 heap limit for a job's thread, MB; exceeding it ends the job with a clear error (default: Node's). */
  maxHeapMb?: number;
  /** Most jobs running at once (default 2: the engine's work is CPU-bound). */
  maxConcurrent?: number;
}

/** A job in the runner's table. */
interface RunningJob {
  jobId: string;
  kind: string;
  worker: Worker;
  startedAt: number;
  cancelRequested: boolean;
  killTimer?: ReturnType<typeof setTimeout>;
  ended: boolean;
  lastProgressAt: number;
  pendingProgress?: JobProgressReport;
  flushTimer?: ReturnType<typeof setTimeout>;
}

// ESM in development (tsx, vitest) and CommonJS in the bundle: find our folder either way.
const HERE = typeof __dirname === 'string' ? __dirname : path.dirname(fileURLToPath(import.meta.url));

/** The default worker entry: the bundled job-worker.cjs beside this code, or job-worker.ts in development. */
export function defaultWorkerEntry(): string {
  return workerEntry(HERE, 'job-worker');
}

export class JobRunner {
  private readonly jobs = new Map<string, RunningJob>();
  private readonly opts: Required<Omit<JobRunnerOptions, 'workerEntry' | 'maxHeapMb'>> & Pick<JobRunnerOptions, 'maxHeapMb'>;
  private readonly entry: string;

  constructor(options: JobRunnerOptions) {
    this.opts = {
      cancelGraceMs: 10_000,
      progressIntervalMs: 50,
      maxConcurrent: 2,
      ...options,
    };
    this.entry = options.workerEntry ?? defaultWorkerEntry();
  }

  /** Start a job in a new worker thread. */
  start(kind: JobKind | (string & {}), payload: unknown): Result<JobStarted> {
    const running = [...this.jobs.values()].filter((j) => !j.ended).length;
    if (running >= this.opts.maxConcurrent) {
      return err(
        'NOT_SUPPORTED',
        `${running} jobs are already running (at most ${this.opts.maxConcurrent} at once on this machine). Wait for one to finish or cancel it.`,
      );
    }
    const jobId = randomUUID();
    const data: JobWorkerData = { jobId, kind, payload };
    let worker: Worker;
    try {
      worker = spawnWorker(this.entry, {
        workerData: data,
        ...(this.opts.maxHeapMb ? { resourceLimits: { maxOldGenerationSizeMb: this.opts.maxHeapMb } } : {}),
      });
    } catch (e) {
      return err('JOB_FAILED', `could not start a worker thread for the ${kind} job: ${e instanceof Error ? e.message : String(e)}`);
    }
    const job: RunningJob = { jobId, kind, worker, startedAt: Date.now(), cancelRequested: false, ended: false, lastProgressAt: 0 };
    this.jobs.set(jobId, job);

    worker.on('message', (m: FromWorker) => this.onMessage(job, m));
    worker.on('error', (e: Error & { code?: string }) => {
      // An uncaught exception or out-of-memory in the job's thread: report it, keep the app.
      const oom = e.code === 'ERR_WORKER_OUT_OF_MEMORY';
      this.finish(job, {
        status: 'error',
        error: {
          code: 'JOB_FAILED',
          message: oom
            ? `The ${kind} job ran out of memory and was stopped. Try a smaller batch size or a smaller network.`
            : `The ${kind} job crashed: ${e.message || String(e)}. The app is still working; you can start it again.`,
        },
      });
    });
    worker.on('exit', (code) => {
      if (job.cancelRequested) this.finish(job, { status: 'cancelled' });
      else
        this.finish(job, {
          status: 'error',
          error: { code: 'JOB_FAILED', message: `The ${kind} job stopped unexpectedly (exit code ${code}). The app is still working; you can start it again.` },
        });
      if (job.killTimer) clearTimeout(job.killTimer);
      this.jobs.delete(jobId);
    });
    return ok({ jobId, kind: kind as JobKind });
  }

  /** Ask a job to stop. Ok when the job is unknown or already over (cancelling twice is harmless). */
  cancel(jobId: string): Result<void> {
    const job = this.jobs.get(jobId);
    if (!job || job.ended) return ok(undefined);
    if (job.cancelRequested) return ok(undefined);
    job.cancelRequested = true;
    const msg: ToWorker = { t: 'cancel' };
    job.worker.postMessage(msg);
    job.killTimer = setTimeout(() => {
      // The job did not honour its signal in time: stop the thread.
      void job.worker.terminate();
    }, this.opts.cancelGraceMs);
    return ok(undefined);
  }

  /** Jobs still running. */
  list(): { jobId: string; kind: string; startedAt: string }[] {
    return [...this.jobs.values()]
      .filter((j) => !j.ended)
      .map((j) => ({ jobId: j.jobId, kind: j.kind, startedAt: new Date(j.startedAt).toISOString() }));
  }

  /** Terminate every job (on quit). Each ends with 'cancelled'. */
  async shutdown(): Promise<void> {
    const all = [...this.jobs.values()];
    for (const j of all) j.cancelRequested = true;
    await Promise.all(all.map((j) => j.worker.terminate().catch(() => 0)));
  }

  private onMessage(job: RunningJob, m: FromWorker): void {
    if (job.ended || typeof m !== 'object' || m === null) return;
    switch (m.t) {
      case 'progress':
        this.progress(job, m.progress);
        break;
      case 'done':
        this.finish(job, { status: 'done', result: m.result });
        break;
      case 'cancelled':
        this.finish(job, { status: 'cancelled' });
        break;
      case 'error':
        this.finish(job, { status: 'error', error: m.error });
        break;
    }
  }

  private progress(job: RunningJob, p: JobProgressReport): void {
    const now = Date.now();
    const important = p.train?.stage === 'epoch' || p.fraction === 1;
    if (important || now - job.lastProgressAt >= this.opts.progressIntervalMs) {
      if (job.flushTimer) clearTimeout(job.flushTimer);
      job.flushTimer = undefined;
      job.pendingProgress = undefined;
      job.lastProgressAt = now;
      this.opts.events.progress({ jobId: job.jobId, kind: job.kind as JobKind, ...p });
      return;
    }
    // Coalesce a burst of batch updates: keep the latest, send it when the interval has passed.
    job.pendingProgress = p;
    job.flushTimer ??= setTimeout(() => {
      job.flushTimer = undefined;
      const q = job.pendingProgress;
      job.pendingProgress = undefined;
      if (q && !job.ended) {
        job.lastProgressAt = Date.now();
        this.opts.events.progress({ jobId: job.jobId, kind: job.kind as JobKind, ...q });
      }
    }, this.opts.progressIntervalMs - (now - job.lastProgressAt));
  }

  private finish(
    job: RunningJob,
    end: { status: 'done'; result: unknown } | { status: 'cancelled' } | { status: 'error'; error: ApiError },
  ): void {
    if (job.ended) return;
    job.ended = true;
    if (job.flushTimer) clearTimeout(job.flushTimer);
    if (job.pendingProgress) this.opts.events.progress({ jobId: job.jobId, kind: job.kind as JobKind, ...job.pendingProgress });
    job.pendingProgress = undefined;
    this.opts.events.end({ jobId: job.jobId, kind: job.kind, ...end } as JobEnd);
    if (job.killTimer) clearTimeout(job.killTimer);
    // The final message is in; a job that left timers or handles open must not keep its thread alive.
    void job.worker.terminate().catch(() => 0);
  }
}
