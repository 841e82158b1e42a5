/**
 * The compute backend in plain words, for the status bar (the contract's
 * `backendInfo`): the one {@link initBackend} picks in this thread, and why
 * not a better one. The host asks its call worker (a worker thread, like the
 * training jobs), so this is the backend the jobs run on. On wasm it also
 * says how many threads training may share a batch between (automatic:
 * one per core, engine/train/parallel), not XNNPACK's own pool, which our
 * kernels do not use.
 */
import type { BackendInfo, BackendName } from '../api';
import { initBackend } from '../backend';
import { MAX_REPLICAS, coreCount } from './parallel/replicas';

const LABEL: Record<BackendName, string> = {
  tensorflow: 'TensorFlow (native, @tensorflow/tfjs-node)',
  wasm: 'WebAssembly (XNNPACK)',
  cpu: 'plain JavaScript (slow for training)',
};

export async function describeBackend(): Promise<BackendInfo> {
  const b = await initBackend();
  const threads = Math.min(coreCount(), MAX_REPLICAS);
  const extras = b.name === 'wasm' ? [b.simd ? 'SIMD' : 'no SIMD', threads > 1 ? `trains on up to ${threads} threads` : 'trains on 1 thread'] : [];
  return {
    backend: b.name,
    detail: extras.length ? `${LABEL[b.name]}, ${extras.join(', ')}` : LABEL[b.name],
    // The pure-JS backend always loads; better ones than the chosen one failed (see notes).
    available: b.name === 'cpu' ? ['cpu'] : [b.name, 'cpu'],
    notes: (b.reason ?? '').split('; ').filter(Boolean),
  };
}
