/**
 * Trained weights as plain arrays keyed by layer name, the form every exporter
 * reads. Taken from a built tf model or decoded from TF.js files; the order
 * inside a layer is the tfjs/Keras order (kernel, bias; gamma, beta, moving
 * mean, moving variance; …), which is also Keras' `get_weights()` order.
 */
import type * as tfjs from '@tensorflow/tfjs';

/** One weight array of a layer. */
export interface WeightArray {
  /** Short name inside the layer: `kernel`, `bias`, `gamma`, `moving_mean`, `depthwise_kernel`… */
  name: string;
  /** Shape in the TF.js/Keras layout (channels last; conv kernels H×W×in×out). */
  shape: number[];
  data: Float32Array;
}

/** Weights of every layer that has some, by layer name (the analysis name). */
export type LayerWeights = Map<string, WeightArray[]>;

/** `conv_1/kernel` or `conv_1/kernel_3` (a deduplicated variable) → `kernel`. */
export function shortWeightName(full: string): string {
  const last = full.split('/').pop() ?? full;
  return last.replace(/_\d+$/, '').replace(/:0$/, '');
}

/** Copy every layer's weights out of a tf model (synchronous reads; small models). */
export function weightsFromModel(model: tfjs.LayersModel): LayerWeights {
  const out: LayerWeights = new Map();
  for (const layer of model.layers) {
    if (layer.weights.length === 0) continue;
    const values = layer.getWeights();
    out.set(
      layer.name,
      layer.weights.map((w, i) => ({ name: shortWeightName(w.originalName), shape: [...w.shape] as number[], data: Float32Array.from(values[i].dataSync() as Float32Array) })),
    );
  }
  return out;
}

/**
 * Weights decoded from a TF.js weights manifest (float32 only). Entries are
 * grouped by the layer part of their name (`block1_conv1/kernel` →
 * `block1_conv1`), in manifest order.
 */
export function weightsFromManifest(specs: readonly { name: string; shape: number[]; dtype?: string }[], data: ArrayBuffer): LayerWeights {
  const out: LayerWeights = new Map();
  let offset = 0;
  for (const s of specs) {
    if (s.dtype && s.dtype !== 'float32') throw new Error(`weight ${s.name} is ${s.dtype}; only float32 weights can be exported`);
    const n = s.shape.reduce((a, b) => a * b, 1);
    if (offset + n * 4 > data.byteLength) throw new Error(`the weights file is shorter than its manifest says (at ${s.name})`);
    const arr = new Float32Array(data.slice(offset, offset + n * 4));
    offset += n * 4;
    const parts = s.name.split('/');
    const layer = parts.length > 1 ? parts[parts.length - 2] : parts[0];
    const list = out.get(layer) ?? [];
    list.push({ name: shortWeightName(s.name), shape: [...s.shape], data: arr });
    out.set(layer, list);
  }
  return out;
}

/** The named weight of a layer, or a clear error. */
export function pickWeight(weights: LayerWeights, layer: string, name: string): WeightArray {
  const w = weights.get(layer)?.find((x) => x.name === name);
  if (!w) throw new Error(`layer ${layer} has no weight "${name}" (has: ${(weights.get(layer) ?? []).map((x) => x.name).join(', ') || 'none'}); are the weights from this network?`);
  return w;
}

/** Permute an array of `shape` by `perm` (numpy.transpose). */
export function transposeArray(data: Float32Array, shape: readonly number[], perm: readonly number[]): { data: Float32Array; shape: number[] } {
  const r = shape.length;
  const outShape = perm.map((p) => shape[p]);
  const inStrides = new Array<number>(r);
  inStrides[r - 1] = 1;
  for (let i = r - 2; i >= 0; i--) inStrides[i] = inStrides[i + 1] * shape[i + 1];
  const stridesByOut = perm.map((p) => inStrides[p]);
  const out = new Float32Array(data.length);
  if (r === 4) {
    // Conv kernels: plain nested loops are ~10× faster than the generic odometer.
    const [n0, n1, n2, n3] = outShape;
    const [s0, s1, s2, s3] = stridesByOut;
    let o = 0;
    for (let a = 0; a < n0; a++)
      for (let b = 0; b < n1; b++)
        for (let c = 0; c < n2; c++) {
          const base = a * s0 + b * s1 + c * s2;
          for (let d = 0; d < n3; d++) out[o++] = data[base + d * s3];
        }
    return { data: out, shape: outShape };
  }
  const idx = new Array<number>(r).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let i = 0; i < r; i++) src += idx[i] * stridesByOut[i];
    out[o] = data[src];
    for (let i = r - 1; i >= 0; i--) {
      if (++idx[i] < outShape[i]) break;
      idx[i] = 0;
    }
  }
  return { data: out, shape: outShape };
}
