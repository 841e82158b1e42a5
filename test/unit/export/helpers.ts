/**
 * Shared by the export/import tests: a graph that uses every layer type,
 * random weights (including BatchNorm statistics, which the default
 * initialisers leave at 0 and 1 and so would not test the formula) and the
 * engine's own outputs as the oracle.
 */
import * as tf from '@tensorflow/tfjs';
import { analyzeGraph } from '../../../engine/analysis';
import type { GraphDoc } from '../../../engine/graph/doc';
import { buildModel } from '../../../engine/train/build-model';
import { graph } from '../../helpers/graph-builder';

/** Deterministic uniform [0, 1) numbers. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** Build the doc's model with every weight randomised (BN variance positive). */
export function randomModel(doc: GraphDoc, seed = 1): tf.LayersModel {
  const analysis = analyzeGraph(doc);
  const model = buildModel(tf, doc, analysis);
  const r = rng(seed);
  for (const layer of model.layers) {
    if (layer.weights.length === 0) continue;
    const values = layer.weights.map((w) => {
      const n = w.shape.reduce((a: number, b) => a * (b as number), 1);
      const name = w.originalName;
      const fanIn = w.shape.length > 1 ? (w.shape.slice(0, -1) as number[]).reduce((a, b) => a * b, 1) : 1;
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const u = r() * 2 - 1;
        if (/moving_variance/.test(name)) data[i] = 0.5 + r();
        else if (/gamma/.test(name)) data[i] = 0.6 + 0.8 * r();
        else if (/moving_mean|beta|bias/.test(name)) data[i] = 0.2 * u;
        else data[i] = u * Math.sqrt(3 / Math.max(1, fanIn));
      }
      return tf.tensor(data, w.shape as number[]);
    });
    layer.setWeights(values);
    values.forEach((v) => v.dispose());
  }
  return model;
}

/** NHWC float input of the model's input shape, values in [0, 1). */
export function randomInput(shape: readonly number[], batch: number, seed = 2): { data: Float32Array; dims: number[] } {
  const r = rng(seed);
  const n = batch * shape.reduce((a, b) => a * b, 1);
  return { data: Float32Array.from({ length: n }, () => r()), dims: [batch, ...shape] };
}

/** The engine's outputs for an input, in the model's output order. */
export function engineOutputs(model: tf.LayersModel, input: { data: Float32Array; dims: number[] }): Float32Array[] {
  return tf.tidy(() => {
    const y = model.predict(tf.tensor(input.data, input.dims)) as tf.Tensor | tf.Tensor[];
    return (Array.isArray(y) ? y : [y]).map((t) => Float32Array.from(t.dataSync() as Float32Array));
  });
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/**
 * One graph per group of layer types and settings, together covering the
 * whole catalog: 'same' windows with odd/even sizes, strides, dilation,
 * depth multipliers, transposed convs with k > s and k < s, bilinear
 * upsampling, reshape, every activation function, merges, several outputs.
 */
export function catalogGraphs(): { name: string; doc: GraphDoc }[] {
  const out: { name: string; doc: GraphDoc }[] = [];
  {
    const g = graph('convs');
    const x = g.input([11, 10, 3]).rescaling({ scale: 0.5, offset: -0.25 });
    const a = x.conv2d({ filters: 5, kernel: [3, 2], stride: 2, padding: 'same', activation: 'relu6' });
    const b = x.conv2d({ filters: 4, kernel: 3, dilation: 2, padding: 'same', activation: 'elu' }).to('depthwise-conv2d', { kernel: 3, stride: 2, depthMultiplier: 2, activation: 'selu' });
    const c = x.to('separable-conv2d', { filters: 6, kernel: 3, dilation: 2, depthMultiplier: 2, activation: 'gelu' }).maxPool2d({ pool: 3, stride: 2, padding: 'same' });
    const d = x.avgPool2d({ pool: 3, stride: 2, padding: 'same' }).to('conv2d', { filters: 3, kernel: 1, useBias: false, activation: 'swish' });
    const cat = g.concat(a, b, c, d);
    const bn = cat.batchNorm({ epsilon: 0.01 }).leakyRelu({ alpha: 0.2 });
    bn.globalAvgPool2d().dense({ units: 7, activation: 'softmax' });
    bn.globalMaxPool2d().dense({ units: 3, activation: 'tanh' });
    out.push({ name: 'convs', doc: g.doc });
  }
  {
    const g = graph('upsampling');
    const x = g.input([6, 7, 2]).conv2d({ filters: 4, activation: 'softplus' });
    const t1 = x.conv2dTranspose({ filters: 3, kernel: 3, stride: 2, padding: 'same', activation: 'softsign' });
    const t2 = x.conv2dTranspose({ filters: 3, kernel: 4, stride: 2, padding: 'same' });
    const t3 = x.conv2dTranspose({ filters: 3, kernel: 1, stride: 2, padding: 'valid' }).to('elu');
    const up = x.to('upsampling2d', { size: 2, interpolation: 'nearest' }).conv2d({ filters: 3, kernel: 1 });
    const bil = x.to('upsampling2d', { size: [2, 2], interpolation: 'bilinear' }).conv2d({ filters: 3, kernel: 1 });
    const s = g.add(t1, t2, t3, up, bil).zeroPadding2d({ top: 1, bottom: 2, left: 0, right: 1 }).sigmoid();
    s.conv2dTranspose({ filters: 2, kernel: 3, stride: 2, padding: 'valid' }).tanh();
    out.push({ name: 'upsampling', doc: g.doc });
  }
  {
    const g = graph('dense');
    const x = g.input([4, 4, 3]).flatten().dense({ units: 12, activation: 'relu' }).batchNorm().dropout({ rate: 0.3 });
    const r = x.reshape({ targetShape: [2, 2, 3] }).conv2d({ filters: 2, kernel: 2, padding: 'valid' }).to('activation', { activation: 'sigmoid' }).flatten();
    g.concat(r, x.dense({ units: 4 })).dense({ units: 5 }).softmax();
    out.push({ name: 'dense', doc: g.doc });
  }
  return out;
}
