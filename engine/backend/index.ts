/**
 * Choosing and preparing the TensorFlow.js backend.
 *
 * Order of preference: 'tensorflow' (@tensorflow/tfjs-node, native
 * libtensorflow; an optional dependency that is often absent), then 'wasm'
 * (@tensorflow/tfjs-backend-wasm, XNNPACK, plus the gradient kernels we
 * register in ./kernels), then 'cpu' (pure JavaScript, always there). The
 * result says which one runs and why the better ones did not.
 *
 * Pure engine code: no Electron, no React.
 */
import * as tf from '@tensorflow/tfjs';
import { registerFusedAdamKernel } from './fused-adam';
import { registerCpuFixes } from './kernels/cpu-fixes';
import { registerWasmGradKernels } from './kernels/register';

export { createAdam, FusedAdamOptimizer } from './fused-adam';
export { relaxedSimd } from './wasm-features';
export { WASM_GRAD_KERNELS } from './kernels/register';
import { prepareWasm, wasmThreadsInUse } from './wasm-node';
import { relaxedSimd } from './wasm-features';

/** A compute backend the engine can run on. */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/** The backends, best first. */
export const BACKEND_NAMES: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

/** Options of {@link initBackend}. */
export interface InitBackendOptions {
  /**
   * Force one backend (the CLI's `--backend`, the app setting). Falls back to
   * the CNN_BACKEND environment variable; when neither is set the best one
   * that loads is used. Forcing one that cannot load rejects with a message
   * naming the cause.
   */
  prefer?: BackendName;
  /**
   * XNNPACK threads for the wasm backend. Default: CNN_WASM_THREADS, else 1.
   * More than 1 loads the threaded-SIMD build (see wasm-node.ts); in
   * tfjs-backend-wasm 4.22 its convolution and matmul operators run without
   * the thread pool, so on our benchmarks extra threads only add start-up
   * cost (docs/performance.md).
   */
  threads?: number;
}

/** What {@link initBackend} set up. */
export interface BackendInfo {
  /** The backend now active in tfjs. */
  name: BackendName;
  /** The tfjs namespace to use (the same instance the backend was registered on). */
  tf: typeof tf;
  /** wasm only: XNNPACK threads in use. */
  threads?: number;
  /** wasm only: whether the SIMD build runs. */
  simd?: boolean;
  /** wasm only: whether our own kernels may use relaxed SIMD (fused multiply-add), see wasm-features.ts. */
  relaxedSimd?: boolean;
  /**
   * Why this backend and not a better one, e.g. "tensorflow: Cannot find
   * package '@tensorflow/tfjs-node'". Also says when it was forced.
   */
  reason?: string;
  /** wasm only: the gradient kernels we registered. */
  kernels?: string[];
}

let current: BackendInfo | null = null;

/** The backend chosen by the last {@link initBackend}, or null before it. */
export function backendInfo(): BackendInfo | null {
  return current;
}

/** Parses a backend name from user input (CLI flag, env, setting). */
export function parseBackendName(v: string | undefined): BackendName | undefined {
  if (v == null || v.trim() === '') return undefined;
  const s = v.trim().toLowerCase();
  const alias: Record<string, BackendName> = { tensorflow: 'tensorflow', node: 'tensorflow', 'tfjs-node': 'tensorflow', wasm: 'wasm', cpu: 'cpu' };
  const name = alias[s];
  if (!name) throw new Error(`unknown backend '${v}': use one of ${BACKEND_NAMES.join(', ')}`);
  return name;
}

function defaultThreads(): number {
  const env = process.env.CNN_WASM_THREADS;
  if (env != null && env !== '') {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 1) throw new Error(`CNN_WASM_THREADS must be a whole number ≥ 1; got '${env}'`);
    return n;
  }
  return 1;
}

const errText = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0];

async function tryTensorflow(): Promise<void> {
  if (tf.findBackendFactory('tensorflow') == null) {
    // Importing tfjs-node registers the 'tensorflow' backend on the shared tfjs-core.
    const name = '@tensorflow/tfjs-node';
    await import(/* @vite-ignore */ name);
  }
  if (!(await tf.setBackend('tensorflow'))) throw new Error('tfjs-node loaded but its backend failed to initialise');
}

async function tryWasm(threads: number): Promise<Pick<BackendInfo, 'threads' | 'simd' | 'relaxedSimd' | 'kernels' | 'reason'>> {
  // Before any of our kernels' modules is compiled (see wasm-features.ts).
  const relaxed = relaxedSimd();
  const load = await prepareWasm(threads);
  const kernels = registerWasmGradKernels();
  registerFusedAdamKernel();
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise (see the console for the Emscripten message)');
  return { threads: await wasmThreadsInUse(), simd: load.simd, relaxedSimd: relaxed, kernels, reason: load.note };
}

async function tryCpu(): Promise<void> {
  registerCpuFixes(tf);
  if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend failed to initialise');
}

/**
 * Picks and activates the best backend that loads (or the forced one).
 * @throws when a forced backend cannot load; the message names the cause and
 *   the alternatives.
 * @example
 * const { name, tf, reason } = await initBackend();
 * console.log(`training on ${name}${reason ? ` (${reason})` : ''}`);
 */
export async function initBackend(opts: InitBackendOptions = {}): Promise<BackendInfo> {
  const forced = opts.prefer ?? parseBackendName(process.env.CNN_BACKEND);
  const threads = opts.threads ?? defaultThreads();
  if (forced) {
    const source = opts.prefer ? 'requested' : 'forced by CNN_BACKEND';
    try {
      if (forced === 'tensorflow') {
        await tryTensorflow();
        current = { name: 'tensorflow', tf, reason: source };
      } else if (forced === 'wasm') {
        const w = await tryWasm(threads);
        current = { name: 'wasm', tf, ...w, reason: [source, w.reason].filter(Boolean).join('; ') };
      } else {
        await tryCpu();
        current = { name: 'cpu', tf, reason: source };
      }
      return current;
    } catch (e) {
      const hint = forced === 'tensorflow'
        ? 'install @tensorflow/tfjs-node (it needs to download libtensorflow) or choose wasm or cpu'
        : 'choose another backend (tensorflow, wasm or cpu)';
      throw new Error(`backend '${forced}' (${source}) is unavailable: ${errText(e)}; ${hint}`);
    }
  }
  const failures: string[] = [];
  try {
    await tryTensorflow();
    current = { name: 'tensorflow', tf };
    return current;
  } catch (e) {
    failures.push(`tensorflow: ${errText(e)}`);
  }
  try {
    const w = await tryWasm(threads);
    current = { name: 'wasm', tf, ...w, reason: [...failures, w.reason].filter(Boolean).join('; ') };
    return current;
  } catch (e) {
    failures.push(`wasm: ${errText(e)}`);
  }
  await tryCpu();
  current = { name: 'cpu', tf, reason: failures.join('; ') };
  return current;
}
