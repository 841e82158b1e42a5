/**
 * The code that runs inside a job's worker thread: looks up the job kind,
 * runs it with a context (progress, cancellation), and posts exactly one
 * final message. Errors become values with a message and a code, never a
 * stack trace for the user (the stack goes to the host's stderr).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ERROR_CODES } from '../../engine/api';
import type { FromWorker, JobFn, JobWorkerData, ToWorker } from './job-protocol';

/** Job kinds available in a worker: kind → lazy loader (so a worker loads only its own job's code). */
export type JobKindTable = Readonly<Record<string, () => Promise<JobFn>>>;

const isErrorCode = (c: unknown): c is (typeof ERROR_CODES)[number] =>
  typeof c === 'string' && (ERROR_CODES as readonly string[]).includes(c);

export async function runJobWorker(kinds: JobKindTable): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('runJobWorker must run in a worker thread');
  const data = workerData as JobWorkerData;
  const post = (m: FromWorker) => port.postMessage(m);
  const abort = new AbortController();
  port.on('message', (m: ToWorker) => {
    if (m?.t === 'cancel') abort.abort();
  });

  const load = Object.prototype.hasOwnProperty.call(kinds, data.kind) ? kinds[data.kind] : undefined;
  if (!load) {
    post({ t: 'error', error: { code: 'NOT_IMPLEMENTED', message: `No job of kind '${data.kind}' is available in this version.` } });
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
    if (abort.signal.aborted) {
      post({ t: 'cancelled' });
    } else {
      const code = isErrorCode((e as { code?: unknown })?.code) ? (e as { code: (typeof ERROR_CODES)[number] }).code : 'JOB_FAILED';
      const message = e instanceof Error ? e.message : String(e);
      // The stack is for us, in the host's log; the user gets the message.
      console.error(`job ${data.jobId} (${data.kind}) failed:`, e);
      post({ t: 'error', error: { code, message: message || 'the job failed without a message' } });
    }
  }
  // Closing the port lets the thread exit once the job's own handles are done.
  port.close();
}
