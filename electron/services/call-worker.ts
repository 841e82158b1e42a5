/**
 * Short engine calls that need tfjs (a prediction) run in one long-lived
 * worker thread instead of the host's main thread.
 *
 * Why: a prediction loads the trained model from disk and runs it. For the
 * small templates that takes milliseconds, but VGG-16's weights are 528 MB
 * and one image is ~15 G multiply-adds: seconds during which Electron's main
 * process (menus, dialogs, every IPC reply, job progress) or the web host
 * would stand still, and tfjs with the model's memory would stay in it. In
 * a worker the host keeps answering, and a crash or an out-of-memory error
 * ends only the call.
 *
 * Why not a job: a job starts a new thread, which loads tfjs and the wasm
 * module again (~0.3–1 s) for every prediction; this thread stays up while
 * predictions keep coming and exits after `idleMs` without one. It runs the
 * job kinds of the job worker's entry (job-kinds.ts), one call at a time.
 */
import type { Worker } from 'node:worker_threads';
import { err, type ApiError, type Result } from '../../engine/api';
import { spawnWorker } from '../../engine/train/parallel/spawn';
import { defaultWorkerEntry } from './job-runner';
import type { CallWorkerData, FromCallWorker, ToCallWorker } from './job-protocol';

export interface CallWorkerOptions {
  /** Worker entry file (the job worker's); defaults to the bundled job-worker.cjs, or job-worker.ts in development. */
  workerEntry?: string;
  /** Idle time after which the thread exits, ms (default 2 minutes); the next call starts a new one. */
  idleMs?: number;
  /** Longest a call may take before its thread is stopped and the call fails, ms (default 5 minutes). */
  callTimeoutMs?: number;
  /** V8 heap limit of the thread, MB (default: Node's). */
  maxHeapMb?: number;
}

interface Pending {
  kind: string;
  resolve: (r: Result<unknown>) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** How a message names a call of `kind`. */
const noun = (kind: string) => (kind === 'predict' ? 'prediction' : `${kind} call`);

/** What the renderer reads when the thread dies under a call. */
const crashed = (why: string) => (kind: string): ApiError => ({
  code: 'JOB_FAILED',
  message: `The ${noun(kind)} stopped unexpectedly (${why}). The app is still working; try again.`,
});

export class CallWorker {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly entry: string;
  private readonly idleMs: number;
  private readonly callTimeoutMs: number;

  constructor(private readonly options: CallWorkerOptions = {}) {
    this.entry = options.workerEntry ?? defaultWorkerEntry();
    this.idleMs = options.idleMs ?? 120_000;
    this.callTimeoutMs = options.callTimeoutMs ?? 300_000;
  }

  /** Whether the thread is up (it starts on the first call and exits when idle). */
  get running(): boolean {
    return this.worker !== null;
  }

  /** Run job kind `kind` on `payload` in the thread; its result, or its error as a value. Never throws. */
  call<T>(kind: string, payload: unknown): Promise<Result<T>> {
    let worker: Worker;
    try {
      worker = this.worker ?? this.start();
    } catch (e) {
      return Promise.resolve(err('JOB_FAILED', `could not start a worker thread for the ${noun(kind)}: ${e instanceof Error ? e.message : String(e)}`));
    }
    clearTimeout(this.idleTimer);
    worker.ref();
    const id = this.nextId++;
    return new Promise<Result<T>>((resolve) => {
      const timer = setTimeout(() => {
        // The call has hung: stop the thread (its other calls fail too) so the next call starts afresh.
        const seconds = Math.round(this.callTimeoutMs / 1000);
        this.stop(worker, () => ({ code: 'JOB_FAILED', message: `The ${noun(kind)} took longer than ${seconds} s and was stopped. The app is still working; try again, or with a smaller network.` }));
      }, this.callTimeoutMs);
      this.pending.set(id, { kind, resolve: resolve as (r: Result<unknown>) => void, timer });
      worker.postMessage({ t: 'call', id, kind, payload } satisfies ToCallWorker);
    });
  }

  /** Stop the thread; calls still running fail as cancelled. */
  async shutdown(): Promise<void> {
    const w = this.worker;
    if (w) {
      this.stop(w, () => ({ code: 'CANCELLED', message: 'The app is closing.' }));
      await w.terminate().catch(() => 0);
    }
  }

  private start(): Worker {
    const worker = spawnWorker(this.entry, {
      workerData: { serve: true } satisfies CallWorkerData,
      ...(this.options.maxHeapMb ? { resourceLimits: { maxOldGenerationSizeMb: this.options.maxHeapMb } } : {}),
    });
    this.worker = worker;
    worker.on('message', (m: FromCallWorker) => this.answer(m));
    worker.on('error', (e: Error & { code?: string }) => {
      // An uncaught exception or out-of-memory in the thread: its calls fail, the host goes on.
      const oom = e.code === 'ERR_WORKER_OUT_OF_MEMORY';
      this.stop(worker, oom
        ? (kind) => ({ code: 'JOB_FAILED', message: `The ${noun(kind)} ran out of memory and was stopped. The app is still working; try a smaller network.` })
        : crashed(e.message || String(e)));
    });
    worker.on('exit', (code) => this.stop(worker, crashed(`exit code ${code}`)));
    return worker;
  }

  private answer(m: FromCallWorker): void {
    const p = this.pending.get(m?.id);
    if (!p) return;
    this.pending.delete(m.id);
    clearTimeout(p.timer);
    p.resolve(m.t === 'result' ? { ok: true, value: m.value } : { ok: false, error: m.error });
    if (this.pending.size === 0 && this.worker) {
      const w = this.worker;
      // An idle thread must not keep the host process alive.
      w.unref();
      this.idleTimer = setTimeout(() => this.stop(w, crashed('it was idle')), this.idleMs);
      this.idleTimer.unref?.();
    }
  }

  /**
   * Retire `worker` (if it is still ours): every call still waiting on it
   * fails with `failure(kind)`, and the thread is terminated.
   */
  private stop(worker: Worker, failure: (kind: string) => ApiError): void {
    if (this.worker !== worker) return;
    this.worker = null;
    clearTimeout(this.idleTimer);
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.resolve({ ok: false, error: failure(p.kind) });
      this.pending.delete(id);
    }
    void worker.terminate().catch(() => 0);
  }
}
