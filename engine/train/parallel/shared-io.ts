/**
 * Moving tensor data between a thread's tfjs backend and the shared buffers
 * of data-parallel training without a JavaScript copy in between.
 *
 * `dataSync()` on the wasm backend returns a fresh copy of the tensor's bytes;
 * per step the training thread read every weight that way (to publish them)
 * and every replica every gradient, and these copies are garbage that V8
 * frees only at its next collection. In the training thread, whose young
 * generation is large, ~30 MB of them were alive at a time (28×28 net). Here
 * the bytes go straight from the wasm heap to the shared buffer, and from a
 * shared buffer straight into a new tensor (the wasm backend copies values
 * into its heap when a tensor is made).
 */
import type * as tfjs from '@tensorflow/tfjs';

type TF = typeof tfjs;

/** The part of tfjs-backend-wasm's BackendWasm used here. */
interface HeapBackend {
  typedArrayFromHeap(t: { dataId: tfjs.DataId; shape: number[]; dtype: tfjs.DataType }): Float32Array | Int32Array | Uint8Array;
}

function heapBackend(tf: TF): HeapBackend | null {
  if (tf.getBackend() !== 'wasm') return null;
  const b = tf.backend() as unknown as Partial<HeapBackend>;
  return typeof b.typedArrayFromHeap === 'function' ? (b as HeapBackend) : null;
}

/** Copy float32 tensor `t`'s values into `dest` (same length). */
export function readInto(tf: TF, t: tfjs.Tensor, dest: Float32Array): void {
  if (t.size !== dest.length) throw new Error(`readInto: the tensor has ${t.size} values, the destination ${dest.length}`);
  const b = t.dtype === 'float32' ? heapBackend(tf) : null;
  // A view on the wasm heap, used at once (a later allocation may grow and move the heap).
  dest.set(b ? (b.typedArrayFromHeap(t) as Float32Array) : (t.dataSync() as Float32Array));
}

/**
 * A tensor holding a copy of `values` (a view on a shared buffer that will be
 * overwritten later). The wasm backend copies into its heap when the tensor
 * is made; other backends may keep the array they are given, so they get a
 * private copy.
 */
export function tensorFrom(tf: TF, values: Float32Array, shape: number[]): tfjs.Tensor {
  return tf.tensor(heapBackend(tf) ? values : values.slice(), shape, 'float32');
}

/** A Float32Array of `length` on `buf`, replaced by a larger SharedArrayBuffer when it does not fit. */
export function sharedFloats(buf: SharedArrayBuffer | null, length: number): Float32Array {
  const fits = buf != null && buf.byteLength >= length * 4;
  return new Float32Array(fits ? buf : new SharedArrayBuffer(Math.max(length, 1) * 4), 0, length);
}
