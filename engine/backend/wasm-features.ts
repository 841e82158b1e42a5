/**
 * WebAssembly features our own kernels may use beyond what tfjs-backend-wasm
 * needs.
 *
 * Relaxed SIMD (f32x4.relaxed_madd: a fused multiply-add where the CPU has
 * one) is on by default in Chromium ≥ 114 and so in Electron 45; Node 20's
 * V8 (11.3) has it behind --experimental-wasm-relaxed-simd. V8 reads that
 * flag when it validates or compiles a module, so setting it at run time is
 * enough for modules compiled afterwards (in every thread of the process).
 */
import v8 from 'node:v8';

// (module (func (param v128 v128 v128) (result v128) local.get 0 local.get 1 local.get 2 f32x4.relaxed_madd))
const RELAXED_MADD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 1, 96, 3, 123, 123, 123, 1, 123, 3, 2, 1, 0, 10, 13, 1, 11, 0, 32, 0, 32, 1, 32, 2, 253, 133, 2, 11,
]);

const validates = (bytes: Uint8Array<ArrayBuffer>) => {
  try {
    return WebAssembly.validate(bytes);
  } catch {
    return false;
  }
};

let relaxed: boolean | undefined;

/**
 * Whether modules compiled from now on may use relaxed SIMD, turning on V8's
 * flag first when this engine has it but not by default. CNN_WASM_RELAXED=0
 * keeps it off (to measure what it brings).
 */
export function relaxedSimd(): boolean {
  if (relaxed !== undefined) return relaxed;
  if (process.env.CNN_WASM_RELAXED === '0') return (relaxed = false);
  if (validates(RELAXED_MADD_PROBE)) return (relaxed = true);
  try {
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    /* not a V8 that knows the flag */
  }
  return (relaxed = validates(RELAXED_MADD_PROBE));
}
