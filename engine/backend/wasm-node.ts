/**
 * Loading tfjs-backend-wasm in Node (main process, worker threads, CLI).
 *
 * tfjs-backend-wasm assumes a browser for two things:
 * - it fetches the .wasm next to the page, so in Node we point it at the files
 *   inside node_modules (`setWasmPaths`);
 * - its multi-threaded build is disabled in Node (WASM_HAS_MULTITHREAD_SUPPORT
 *   returns false, tfjs issue #3830) because it hands Emscripten a Blob URL
 *   for the pthread worker, which Node's worker_threads cannot load. The
 *   Emscripten glue itself supports Node workers, so for threads we start the
 *   threaded-SIMD module ourselves with the worker script written to a file,
 *   and register a 'wasm' backend built on it.
 * The threaded build also caps XNNPACK's pool at (logical cores / 2), read via
 * os.cpus() when the module starts; we present the requested count to it.
 */
import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

/** What loading the wasm backend produced. */
export interface WasmLoadResult {
  /** XNNPACK thread-pool size actually in use (1 = single-threaded). */
  threads: number;
  /** True when the SIMD build runs. */
  simd: boolean;
  /** Which .wasm binary runs. */
  binary: 'tfjs-backend-wasm.wasm' | 'tfjs-backend-wasm-simd.wasm' | 'tfjs-backend-wasm-threaded-simd.wasm';
  /** Why a requested thread count was not honoured, if it was not. */
  note?: string;
}

function nodeRequire(): NodeRequire {
  try {
    return createRequire(import.meta.url);
  } catch {
    // Bundled to CommonJS (Electron main): import.meta is unavailable.
    return createRequire(path.join(process.cwd(), 'package.json'));
  }
}

/** Folder of the installed @tensorflow/tfjs-backend-wasm package. */
export function wasmPackageDir(): string {
  return path.dirname(nodeRequire().resolve('@tensorflow/tfjs-backend-wasm/package.json'));
}

const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 10, 9, 1, 7, 0, 65, 0, 253, 15, 26, 11]);

/** True when this WebAssembly engine validates a SIMD instruction (same probe as tfjs). */
export function wasmSimdSupported(): boolean {
  try {
    return WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

/** True when shared memory and worker threads are available for the threaded build. */
export function wasmThreadsSupported(): boolean {
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    nodeRequire()('node:worker_threads');
    return typeof SharedArrayBuffer === 'function';
  } catch {
    return false;
  }
}

let loaded: WasmLoadResult | null = null;

/**
 * Registers the 'wasm' backend so that `tf.setBackend('wasm')` works in Node.
 * Must run before the first `tf.setBackend('wasm')`; later calls return the
 * first result (the module cannot be swapped once tfjs has initialised it).
 * @param threads XNNPACK threads wanted; > 1 selects the threaded-SIMD build.
 */
export async function prepareWasm(threads: number): Promise<WasmLoadResult> {
  if (loaded) return loaded;
  const wasmPkg = await import('@tensorflow/tfjs-backend-wasm');
  const dir = wasmPackageDir();
  const simd = wasmSimdSupported();
  if (threads > 1 && simd && wasmThreadsSupported()) {
    try {
      loaded = await registerThreaded(wasmPkg, dir, threads);
      return loaded;
    } catch (e) {
      const note = `threaded build failed (${(e as Error).message ?? e}); using one thread`;
      wasmPkg.setWasmPaths(path.join(dir, 'dist') + path.sep);
      loaded = { threads: 1, simd, binary: simd ? 'tfjs-backend-wasm-simd.wasm' : 'tfjs-backend-wasm.wasm', note };
      return loaded;
    }
  }
  wasmPkg.setWasmPaths(path.join(dir, 'dist') + path.sep);
  loaded = {
    threads: 1,
    simd,
    binary: simd ? 'tfjs-backend-wasm-simd.wasm' : 'tfjs-backend-wasm.wasm',
    note: threads > 1 ? (simd ? 'threads unavailable (no shared WebAssembly memory or worker_threads)' : 'threads need SIMD, which this engine lacks') : undefined,
  };
  return loaded;
}

interface EmscriptenModule {
  cwrap(name: string, ret: string | null, args: string[]): (...a: number[]) => number;
  tfjs?: Record<string, unknown>;
}

async function registerThreaded(
  wasmPkg: typeof import('@tensorflow/tfjs-backend-wasm'),
  dir: string,
  threads: number,
): Promise<WasmLoadResult> {
  const req = nodeRequire();
  const mainScript = path.join(dir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.js');
  const factory = req(mainScript) as (cfg: Record<string, unknown>) => Promise<EmscriptenModule>;
  const { wasmWorkerContents } = req(path.join(dir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.worker.js')) as { wasmWorkerContents: string };
  // The worker source is a template literal whose "\n" escapes became real
  // newlines inside string literals; tfjs re-escapes them the same way.
  const workerFile = path.join(os.tmpdir(), `cnn-designer-tfjs-wasm-${process.pid}.worker.cjs`);
  fs.writeFileSync(workerFile, wasmWorkerContents.replace(/\n/g, '\\n'));
  const realCpus = os.cpus;
  // The module sizes its pool as min(requested, logicalCores / 2); show it 2×threads.
  (os as { cpus: () => os.CpuInfo[] }).cpus = () => new Array(threads * 2).fill(realCpus()[0] ?? {});
  let mod: EmscriptenModule;
  try {
    mod = await factory({
      locateFile: (p: string) => (p.endsWith('.worker.js') ? workerFile : path.join(dir, 'dist', p)),
      mainScriptUrlOrBlob: mainScript,
    });
  } finally {
    (os as { cpus: () => os.CpuInfo[] }).cpus = realCpus;
  }
  mod.tfjs = {
    init: mod.cwrap('init', null, []),
    initWithThreadsCount: mod.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: mod.cwrap('get_threads_count', 'number', []),
    registerTensor: mod.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: mod.cwrap('dispose_data', null, ['number']),
    dispose: mod.cwrap('dispose', null, []),
  };
  wasmPkg.setThreadsCount(threads);
  const BackendWasm = (wasmPkg as unknown as { BackendWasm: new (m: EmscriptenModule) => tf.KernelBackend }).BackendWasm;
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', () => new BackendWasm(mod), 2);
  return { threads, simd: true, binary: 'tfjs-backend-wasm-threaded-simd.wasm' };
}

/** XNNPACK threads of the running wasm backend (after setBackend). */
export async function wasmThreadsInUse(): Promise<number> {
  const wasmPkg = await import('@tensorflow/tfjs-backend-wasm');
  return wasmPkg.getThreadsCount();
}
