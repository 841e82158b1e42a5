/**
 * The few pieces of the WebAssembly binary format our hand-assembled SIMD
 * modules need (conv-simd-gemm.ts, conv-forward.ts, winograd.ts,
 * batch-norm-simd.ts, elementwise-simd.ts): LEB128 integers, vectors,
 * sections, names, value types, the heap import — and boundModule, which
 * compiles each module once and binds it to a backend's memory.
 * https://webassembly.github.io/spec/core/binary/
 */

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (i32.const immediates, negative offsets). */
export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

/** A vector: its length, then its items. */
export const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
/** A section: id, byte size, body. */
export const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
/** A name (ASCII). */
export const str = (s: string) => [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];

/** Value types. */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;

/** The import of the backend's heap: env.memory, shared (with a 4 GiB maximum, as the threaded build's) or not. */
export const memoryImport = (shared: boolean) =>
  [...str('env'), ...str('memory'), 0x02, ...(shared ? [0x03, ...uleb(1), ...uleb(65536)] : [0x00, ...uleb(1)])];

const compiled = new Map<string, WebAssembly.Module | null>();
const bound = new WeakMap<WebAssembly.Memory, Map<string, unknown>>();

/**
 * One of our hand-assembled modules, bound to `memory` (the wasm backend's
 * heap: its own, or the threaded build's shared one): `assemble(shared)`
 * gives its bytes, compiled once per (key, shared); `bind` turns the
 * instance's exports into what callers use, made once per (memory, key).
 * `key` must name everything the bytes depend on except `shared`. Null when
 * this JavaScript engine refuses the module (no wasm SIMD, or no relaxed
 * SIMD), remembered per memory too; callers then fall back to tfjs's kernels
 * or JS loops.
 */
export function boundModule<T>(
  memory: WebAssembly.Memory, key: string, assemble: (shared: boolean) => Uint8Array<ArrayBuffer>,
  bind: (exports: WebAssembly.Exports) => T,
): T | null {
  let perMemory = bound.get(memory);
  if (perMemory?.has(key)) return perMemory.get(key) as T | null;
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const modKey = `${key}/${shared ? 'shared' : 'own'}`;
  if (!compiled.has(modKey)) {
    try {
      compiled.set(modKey, new WebAssembly.Module(assemble(shared)));
    } catch {
      compiled.set(modKey, null);
    }
  }
  const mod = compiled.get(modKey);
  let made: T | null = null;
  if (mod) {
    try {
      made = bind(new WebAssembly.Instance(mod, { env: { memory } }).exports);
    } catch {
      made = null;
    }
  }
  if (!perMemory) bound.set(memory, (perMemory = new Map()));
  perMemory.set(key, made);
  return made;
}
