/**
 * What a job implementation sees, and the messages between the job runner
 * (main thread) and a job's worker thread. A job kind is a function
 * `(payload, ctx) => Promise<result>` listed in job-kinds.ts; it runs in its
 * own worker thread so the window and IPC stay responsive, and so a crash or
 * an out-of-memory error ends only that job.
 */
import type { ApiError, JobProgress } from '../../engine/api';

/** Progress as a job reports it; the runner adds jobId and kind. */
export type JobProgressReport = Omit<JobProgress, 'jobId' | 'kind'>;

/** Handed to a job implementation. */
export interface JobContext {
  jobId: string;
  /**
   * Aborted when the user cancels. Check it between batches (`signal.aborted`)
   * or listen to it; throw (any error) to end as 'cancelled', or return a
   * result to end as 'done' (e.g. training stopped early keeps its model).
   * A job that ignores it is terminated after the grace period.
   */
  signal: AbortSignal;
  /** Report progress; cheap to call often (the runner coalesces batch-level updates). */
  progress(p: JobProgressReport): void;
}

/** A job implementation. The payload is the contract request, already validated by the handler. */
export type JobFn = (payload: unknown, ctx: JobContext) => Promise<unknown>;

/** What the worker receives as workerData. */
export interface JobWorkerData {
  jobId: string;
  kind: string;
  payload: unknown;
}

/**
 * workerData of a call worker (call-worker.ts): a long-lived thread on the
 * same entry that runs short calls of the same job kinds, one at a time,
 * with no progress and no cancellation.
 */
export interface CallWorkerData {
  serve: true;
}

/** Main → call worker. */
export type ToCallWorker = { t: 'call'; id: number; kind: string; payload: unknown };

/** Call worker → main: one answer per call. */
export type FromCallWorker = { t: 'result'; id: number; value: unknown } | { t: 'failed'; id: number; error: ApiError };

/** Main → worker. */
export type ToWorker = { t: 'cancel' };

/** Worker → main. */
export type FromWorker =
  | { t: 'progress'; progress: JobProgressReport }
  | { t: 'done'; result: unknown }
  | { t: 'cancelled' }
  | { t: 'error'; error: ApiError };

/**
 * An error a job may throw with a contract error code, e.g.
 * `throw new JobError('INVALID_GRAPH', 'the network has 2 errors: …')`.
 * Other errors end the job with JOB_FAILED and their message.
 */
export class JobError extends Error {
  constructor(
    readonly code: ApiError['code'],
    message: string,
  ) {
    super(message);
    this.name = 'JobError';
  }
}
