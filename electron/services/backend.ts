/**
 * The compute backend for the status bar. Loading tfjs and the wasm module
 * takes a moment and memory, so it happens on the call worker's thread
 * (call-worker.ts), on the first request, once; the training jobs choose
 * their backend the same way (engine/backend) in their own threads, so this
 * is what they run on. Nothing of tfjs is loaded in the host's own thread.
 */
import { err, type BackendInfo, type Result } from '../../engine/api';
import type { CallWorker } from './call-worker';

export class BackendService {
  private info: Promise<Result<BackendInfo>> | null = null;

  constructor(private readonly calls: Pick<CallWorker, 'call'>) {}

  get(): Promise<Result<BackendInfo>> {
    this.info ??= this.calls.call<BackendInfo>('backend-info', null).then((r) => {
      if (r.ok) return r;
      this.info = null; // allow a retry
      return err('INTERNAL', `No compute backend could be loaded: ${r.error.message.split('\n')[0]}`);
    });
    return this.info;
  }
}
