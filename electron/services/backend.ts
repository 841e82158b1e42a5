/**
 * The compute backend for the status bar. Loading tfjs and the wasm module
 * takes a moment and memory, so it happens on the first request, once; the
 * training jobs choose their backend the same way (engine/backend) in their
 * own threads, so this is what they run on.
 */
import { err, ok, type BackendInfo, type BackendName, type Result } from '../../engine/api';

const LABEL: Record<BackendName, string> = {
  tensorflow: 'TensorFlow (native, @tensorflow/tfjs-node)',
  wasm: 'WebAssembly (XNNPACK)',
  cpu: 'plain JavaScript (slow for training)',
};

export class BackendService {
  private info: Promise<Result<BackendInfo>> | null = null;

  get(): Promise<Result<BackendInfo>> {
    this.info ??= this.load();
    return this.info;
  }

  private async load(): Promise<Result<BackendInfo>> {
    try {
      const { initBackend } = await import('../../engine/backend/index');
      const b = await initBackend();
      const extras = b.name === 'wasm' ? [b.simd ? 'SIMD' : 'no SIMD', `${b.threads ?? 1} thread${(b.threads ?? 1) === 1 ? '' : 's'}`] : [];
      return ok({
        backend: b.name,
        detail: extras.length ? `${LABEL[b.name]}, ${extras.join(', ')}` : LABEL[b.name],
        // The pure-JS backend always loads; better ones than the chosen one failed (see notes).
        available: b.name === 'cpu' ? ['cpu'] : [b.name, 'cpu'],
        notes: (b.reason ?? '').split('; ').filter(Boolean),
      });
    } catch (e) {
      this.info = null; // allow a retry
      return err('INTERNAL', `No compute backend could be loaded: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
    }
  }
}
