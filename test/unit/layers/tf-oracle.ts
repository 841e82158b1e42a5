/**
 * tfjs as the oracle for one layer: build it through its LayerDef's toTfjs on
 * symbolic inputs of the given shapes, and report what tfjs says (output
 * shape, parameter count, trainable split), or that tfjs rejected it.
 */
import * as tf from '@tensorflow/tfjs';
import { getLayerDef, resolveParams, type AnyLayerDef } from '../../../engine/layers';

export interface TfVerdict {
  /** Output shape without the batch axis; null when tfjs threw. */
  shape: number[] | null;
  params: number;
  trainable: number;
  nonTrainable: number;
  /** tfjs' message when it threw while building. */
  error?: string;
}

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
let uid = 0;

/** The def and its resolved params; throws if the test's params are themselves invalid. */
export function resolved(type: string, params: Record<string, unknown>): { def: AnyLayerDef; p: Record<string, unknown> } {
  const def = getLayerDef(type);
  if (!def) throw new Error(`no layer type ${type}`);
  const r = resolveParams(def, params);
  if (r.errors.length || r.unknown.length) throw new Error(`bad test params for ${type}: ${JSON.stringify(r)}`);
  return { def, p: r.params };
}

/** Build `type` with `params` on inputs of `inputShapes` in tfjs and read back what it made. */
export function tfLayer(type: string, params: Record<string, unknown>, inputShapes: readonly (readonly number[])[]): TfVerdict {
  const { def, p } = resolved(type, params);
  try {
    const layer = def.toTfjs(tf, p as never, `${type}_${++uid}`, inputShapes);
    const ins = inputShapes.map((s) => tf.input({ shape: [...s] }));
    const out = layer.apply(ins.length === 1 ? ins[0] : ins) as tf.SymbolicTensor;
    return {
      shape: out.shape.slice(1) as number[],
      params: layer.countParams(),
      trainable: layer.trainableWeights.reduce((a, w) => a + size(w.shape as number[]), 0),
      nonTrainable: layer.nonTrainableWeights.reduce((a, w) => a + size(w.shape as number[]), 0),
    };
  } catch (e) {
    return { shape: null, params: 0, trainable: 0, nonTrainable: 0, error: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * Whether tfjs refuses `type` on these inputs: it throws while building, gives
 * a dimension ≤ 0, or throws when actually run on zeros (some checks, such as
 * stride with dilation, live only in the kernels).
 */
export function tfRejects(type: string, params: Record<string, unknown>, inputShapes: readonly (readonly number[])[]): { rejected: boolean; how: string } {
  const v = tfLayer(type, params, inputShapes);
  if (v.shape === null) return { rejected: true, how: `throws: ${v.error}` };
  // null is tfjs' unknown dimension, not a refusal: then running it decides.
  if (v.shape.some((d) => d !== null && !(d > 0))) return { rejected: true, how: `dimension ${JSON.stringify(v.shape)}` };
  const { def, p } = resolved(type, params);
  const layer = def.toTfjs(tf, p as never, `${type}_${++uid}`, inputShapes);
  try {
    tf.tidy(() => {
      const xs = inputShapes.map((s) => tf.zeros([1, ...s]));
      layer.apply(xs.length === 1 ? xs[0] : xs);
    });
    return { rejected: false, how: `builds ${JSON.stringify(v.shape)} and runs` };
  } catch (e) {
    return { rejected: true, how: `run throws: ${e instanceof Error ? e.message : String(e)}` };
  }
}
