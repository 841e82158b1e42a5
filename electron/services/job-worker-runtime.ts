/**
 * The code that runs inside a job's worker thread: looks up the job kind,
 * runs it with a context (progress, cancellation), and posts exactly one
 * final message. Errors become values with a message and a code, never a
 * stack trace for the user (the stack goes to the host's stderr).
 *
 * The same entry also serves a call worker (workerData {serve: true},
 * call-worker.ts): a thread that stays up and answers short calls of the
 * same kinds, one after the other.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { ERROR_CODES, type ApiError } from '../../engine/api';
import type { CallWorkerData, FromCallWorker, FromWorker, JobFn, JobWorkerData, ToCallWorker, ToWorker } from './job-protocol';

/** Job kinds available in a worker: kind → lazy loader (so a worker loads only its own job's code). */
export type JobKindTable = Readonly<Record<string, () => Promise<JobFn>>>;

const isErrorCode = (c: unknown): c is (typeof ERROR_CODES)[number] =>
  typeof c === 'string' && (ERROR_CODES as readonly string[]).includes(c);

/** The loader of `kind`, or undefined for a kind this version does not have. */
function loaderOf(kinds: JobKindTable, kind: string): (() => Promise<JobFn>) | undefined {
  return Object.prototype.hasOwnProperty.call(kinds, kind) ? kinds[kind] : undefined;
}

const unknownKind = (kind: string): ApiError => ({ code: 'NOT_IMPLEMENTED', message: `No job of kind '${kind}' is available in this version.` });

/** A thrown error as the renderer gets it: its contract code (else JOB_FAILED) and message; the stack goes to the host's log. */
function toApiError(e: unknown, what: string): ApiError {
  const code = isErrorCode((e as { code?: unknown })?.code) ? (e as { code: (typeof ERROR_CODES)[number] }).code : 'JOB_FAILED';
  const message = e instanceof Error ? e.message : String(e);
  console.error(`${what} failed:`, e);
  return { code, message: message || 'the job failed without a message' };
}

export async function runJobWorker(kinds: JobKindTable): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('runJobWorker must run in a worker thread');
  if ((workerData as Partial<CallWorkerData> | null)?.serve === true) return serveCalls(port, kinds);
  const data = workerData as JobWorkerData;
  const post = (m: FromWorker) => port.postMessage(m);
  const abort = new AbortController();
  port.on('message', (m: ToWorker) => {
    if (m?.t === 'cancel') abort.abort();
  });

  const load = loaderOf(kinds, data.kind);
  if (!load) {
    post({ t: 'error', error: unknownKind(data.kind) });
    port.close();
    return;
  }
  try {
    const fn = await load();
    const result = await fn(data.payload, {
      jobId: data.jobId,
      signal: abort.signal,
      progress: (p) => post({ t: 'progress', progress: p }),
    });
    post({ t: 'done', result });
  } catch (e) {
    if (abort.signal.aborted) post({ t: 'cancelled' });
    else post({ t: 'error', error: toApiError(e, `job ${data.jobId} (${data.kind})`) });
  }
  // Closing the port lets the thread exit once the job's own handles are done.
  port.close();
}

/**
 * Answer calls until the main thread terminates this one. Calls run one at
 * a time in arrival order (they share this thread's tfjs and memory); each
 * gets a context whose signal never aborts and whose progress goes nowhere.
 */
function serveCalls(port: MessagePort, kinds: JobKindTable): Promise<void> {
  const post = (m: FromCallWorker) => port.postMessage(m);
  const never = new AbortController().signal;
  let queue = Promise.resolve();
  const run = async (m: ToCallWorker) => {
    const load = loaderOf(kinds, m.kind);
    if (!load) return post({ t: 'failed', id: m.id, error: unknownKind(m.kind) });
    try {
      const fn = await load();
      post({ t: 'result', id: m.id, value: await fn(m.payload, { jobId: `call-${m.id}`, signal: never, progress: () => {} }) });
    } catch (e) {
      post({ t: 'failed', id: m.id, error: toApiError(e, `call ${m.id} (${m.kind})`) });
    }
  };
  port.on('message', (m: ToCallWorker) => {
    if (m?.t === 'call') queue = queue.then(() => run(m));
  });
  return new Promise(() => {});
}
