/**
 * Small helpers for writing wasm kernels out of other wasm kernels.
 *
 * A kernel function receives TensorInfos (not Tensors) and must return
 * TensorInfos; anything it allocates in between has to be freed by hand, since
 * the engine only tracks what the kernel returns. These helpers call the
 * registered wasm kernels directly (no engine bookkeeping, no tape) and free
 * intermediates with `backend.disposeData`, which honours reference counts
 * (Reshape returns the same dataId with one more reference).
 */
import * as tf from '@tensorflow/tfjs';

/** The parts of tfjs-backend-wasm's BackendWasm that our kernels use. */
export interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
  incRef(dataId: tf.DataId): void;
  dataIdMap: { get(dataId: tf.DataId): { id: number; memoryOffset: number; refCount: number } };
  wasm: { HEAPU8: Uint8Array };
}

/**
 * The wasm backend's heap as a WebAssembly.Memory: the single-threaded builds
 * export it as Module.asm.memory; the threaded one keeps its shared memory in
 * Module.wasmMemory (engine/backend/wasm-node.ts). Our SIMD modules import it.
 */
export function heapMemory(backend: unknown): WebAssembly.Memory | undefined {
  const mod = (backend as { wasm?: { asm?: { memory?: WebAssembly.Memory }; wasmMemory?: WebAssembly.Memory } }).wasm;
  return mod?.asm?.memory ?? mod?.wasmMemory;
}

/** Byte offset of a tensor's data on the wasm heap. */
export const heapOffset = (b: WasmBackendLike, t: tf.TensorInfo): number => b.dataIdMap.get(t.dataId).memoryOffset;

/** Explicit NHWC padding as tfjs's conv kernels accept it. */
export type ExplicitPad = [[0, 0], [number, number], [number, number], [0, 0]];

/** Runs the registered wasm kernel `name` on TensorInfos. */
export function runWasm(
  backend: WasmBackendLike,
  name: string,
  inputs: Record<string, tf.TensorInfo>,
  attrs: Record<string, unknown> = {},
): tf.TensorInfo {
  const k = tf.getKernel(name, 'wasm');
  if (k == null) throw new Error(`wasm kernel '${name}' is not registered`);
  const out = k.kernelFunc({ inputs, attrs: attrs as tf.NamedAttrMap, backend: backend as unknown as tf.KernelBackend });
  return Array.isArray(out) ? out[0] : out;
}

/** Frees TensorInfos made inside a kernel (reference counted). */
export function free(backend: WasmBackendLike, ...ts: (tf.TensorInfo | null | undefined)[]): void {
  for (const t of ts) if (t != null) backend.disposeData(t.dataId);
}

export const transpose = (b: WasmBackendLike, x: tf.TensorInfo, perm: number[]) =>
  runWasm(b, 'Transpose', { x }, { perm });

/**
 * Transpose that degrades to a free reshape when the permutation keeps the
 * order of all axes longer than 1 (e.g. moving a batch of 1 around).
 */
export function permute(b: WasmBackendLike, x: tf.TensorInfo, perm: number[]): tf.TensorInfo {
  const moved = perm.filter((p) => x.shape[p] !== 1);
  const kept = x.shape.map((_, i) => i).filter((i) => x.shape[i] !== 1);
  if (moved.every((p, i) => p === kept[i])) return reshape(b, x, perm.map((p) => x.shape[p]));
  return transpose(b, x, perm);
}

export const reshape = (b: WasmBackendLike, x: tf.TensorInfo, shape: number[]) =>
  runWasm(b, 'Reshape', { x }, { shape });

export const reverse = (b: WasmBackendLike, x: tf.TensorInfo, dims: number[]) =>
  runWasm(b, 'Reverse', { x }, { dims });

export const sum = (b: WasmBackendLike, x: tf.TensorInfo, axis: number[]) =>
  runWasm(b, 'Sum', { x }, { axis, keepDims: false });

export const slice = (b: WasmBackendLike, x: tf.TensorInfo, begin: number[], size: number[]) =>
  runWasm(b, 'Slice', { x }, { begin, size });

/** XNNPACK convolution, NHWC, explicit padding; stride and dilation may both exceed 1 here. */
export function conv2d(
  b: WasmBackendLike,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  strides: [number, number],
  dilations: [number, number],
  pad: ExplicitPad,
): tf.TensorInfo {
  return runWasm(b, 'Conv2D', { x, filter }, { strides, dilations, pad, dataFormat: 'NHWC', dimRoundingMode: undefined });
}

/** XNNPACK depthwise convolution, NHWC, explicit padding. */
export function depthwise(
  b: WasmBackendLike,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  strides: [number, number],
  dilations: [number, number],
  pad: ExplicitPad,
): tf.TensorInfo {
  return runWasm(b, 'DepthwiseConv2dNative', { x, filter }, { strides, dilations, pad, dataFormat: 'NHWC', dimRoundingMode: undefined });
}

/**
 * Inserts (sh−1) zero rows and (sw−1) zero columns between the pixels of an
 * NHWC tensor: [N,H,W,C] → [N,(H−1)·sh+1,(W−1)·sw+1,C]. This is the "dilated
 * output gradient" of a strided convolution's input gradient. Done in JS on
 * the wasm heap with one contiguous copy per pixel, since no wasm kernel does
 * it without a 6-D pad.
 */
export function dilateSpatial(b: WasmBackendLike, x: tf.TensorInfo, sh: number, sw: number): tf.TensorInfo {
  const [n, h, w, c] = x.shape;
  const oh = (h - 1) * sh + 1;
  const ow = (w - 1) * sw + 1;
  const out = b.makeOutput([n, oh, ow, c], 'float32');
  const dst = b.typedArrayFromHeap(out) as Float32Array;
  dst.fill(0);
  const src = b.typedArrayFromHeap(x) as Float32Array;
  for (let bi = 0; bi < n; bi++) {
    for (let i = 0; i < h; i++) {
      const srcRow = (bi * h + i) * w * c;
      const dstRow = (bi * oh + i * sh) * ow * c;
      if (sw === 1) {
        dst.set(src.subarray(srcRow, srcRow + w * c), dstRow);
      } else {
        for (let j = 0; j < w; j++) {
          const s = srcRow + j * c;
          dst.set(src.subarray(s, s + c), dstRow + j * sw * c);
        }
      }
    }
  }
  return out;
}

/** [h, w] from a tfjs strides / dilations attribute (number or pair). */
export function pair(v: number | [number, number] | number[] | undefined, dflt = 1): [number, number] {
  if (v == null) return [dflt, dflt];
  if (typeof v === 'number') return [v, v];
  return [v[0], v[1]];
}
