/**
 * BatchNorm (+ ReLU) folded into the preceding Conv2D at inference
 * (engine/train/fold.ts): the folded model's outputs against the same model
 * run layer by layer as tfjs defines it (inference mode), on the cpu and wasm
 * backends; which chains fold and which must not; and that the kernels
 * really change (no BatchNorm pass over activations, no separate Relu).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeGraph } from '../../../engine/analysis';
import { initBackend } from '../../../engine/backend';
import type { GraphDoc } from '../../../engine/graph/doc';
import { buildModel } from '../../../engine/train/build-model';
import { evaluateModel } from '../../../engine/train/evaluate';
import { CONV_RESIDUAL_KERNEL } from '../../../engine/backend/kernels/conv-forward';
import { planFold, withFoldedInference } from '../../../engine/train/fold';
import { memorySet } from '../../../engine/train/memory-set';
import { predictPixels } from '../../../engine/train/predict';
import { detectTask } from '../../../engine/train/task';
import { lossOn } from '../../../engine/train/trainer';
import { graph } from '../../helpers/graph-builder';

const rand = (n: number, seed: number, lo: number, hi: number) => {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * (hi - lo) + lo);
};

function build(doc: GraphDoc): tf.LayersModel {
  return buildModel(tf, doc, analyzeGraph(doc));
}

/** Non-trivial BatchNorm state: γ, β, moving mean and variance drawn per channel. */
function randomizeBatchNorms(model: tf.LayersModel, seed = 11): void {
  let k = seed;
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    // getWeights order: [gamma?, beta?, movingMean, movingVariance]
    const ws = layer.getWeights();
    const c = ws[0].shape[0];
    const names = layer.weights.map((w) => w.originalName.split('/').pop());
    const pick: Record<string, [number, number]> = { gamma: [0.5, 1.5], beta: [-0.5, 0.5], moving_mean: [-0.3, 0.3], moving_variance: [0.3, 2] };
    layer.setWeights(names.map((n) => tf.tensor1d(rand(c, k++, ...pick[n!]))));
  }
}

/** Conv biases are zero after construction; give them values so b − μ matters. */
function randomizeBiases(model: tf.LayersModel, seed = 101): void {
  let k = seed;
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'Conv2D') continue;
    const ws = layer.getWeights();
    if (ws.length === 2) layer.setWeights([ws[0], tf.tensor1d(rand(ws[1].shape[0], k++, -0.2, 0.2))]);
  }
}

/** Every output of the model, unfolded and folded. */
function predictAllBoth(model: tf.LayersModel, x: tf.Tensor): { plain: Float32Array[]; folded: Float32Array[] } {
  const run = () => tf.tidy(() => [model.predict(x, { batchSize: x.shape[0] })].flat().map((t) => t.dataSync() as Float32Array));
  return { plain: run(), folded: withFoldedInference(tf, model, run) };
}

function predictBoth(model: tf.LayersModel, x: tf.Tensor): { plain: Float32Array; folded: Float32Array } {
  const { plain, folded } = predictAllBoth(model, x);
  return { plain: plain[0], folded: folded[0] };
}

/** max |a − b| / max |a|, with a check that the reference is not degenerate. */
function relErr(want: Float32Array, got: Float32Array): number {
  expect(got.length).toBe(want.length);
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < want.length; i++) {
    scale = Math.max(scale, Math.abs(want[i]));
    diff = Math.max(diff, Math.abs(got[i] - want[i]));
    expect(Number.isFinite(got[i])).toBe(true);
  }
  expect(scale).toBeGreaterThan(1e-3);
  return diff / scale;
}

function input(shape: number[], seed = 3): tf.Tensor {
  return tf.tensor(rand(shape.reduce((a, b) => a * b, 1), seed, 0, 1), shape);
}

/** ResNet-20 with its softmax head turned linear, so the logits are compared (softmax would flatten differences). */
function resnet20Doc(): GraphDoc {
  const doc = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../templates/resnet20-cifar.json'), 'utf8')) as GraphDoc;
  for (const n of doc.nodes) if (n.type === 'dense') n.params = { ...n.params, activation: 'linear' };
  return doc;
}

const kernelCounts = async (f: () => unknown, batch: number) => {
  const info = await tf.profile(() => void f());
  // A feature map [batch, H > 1, W > 1, C]; the folds' own small BatchNorms run on weights ([kh, kw, Ci, Co], [1, 1, 1, C]).
  const isMap = (s: number[] | undefined) => s != null && s.length === 4 && s[0] === batch && s[1] > 1 && s[2] > 1;
  const count = (name: string, activations = false) => info.kernels.filter((k) => k.name === name && (!activations || isMap(k.inputShapes[0]))).length;
  return { fusedConv: count('FusedConv2D'), residual: count(CONV_RESIDUAL_KERNEL), bnOnActivations: count('FusedBatchNorm', true), relu: count('Relu'), addOnMaps: count('Add', true) };
};

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`fold on ${backend}`, () => {
    beforeAll(async () => {
      if (backend === 'wasm') await initBackend({ prefer: 'wasm', threads: 1 });
      else await tf.setBackend('cpu');
    });
    afterAll(async () => {
      await tf.setBackend('cpu');
    });

    it('ResNet-20 template: the folded prediction equals the unfolded one, 19 chains, 10 with their ReLU', () => {
      const model = build(resnet20Doc());
      randomizeBatchNorms(model);
      randomizeBiases(model);
      const plan = planFold(model);
      expect(plan.chains.length).toBe(19);
      expect(plan.chains.filter((c) => c.activation === 'relu').length).toBe(10);
      // With the residual kernel: the second convolution of each of the 9 blocks also takes its Add and ReLU.
      const withResidual = planFold(model, { residual: true });
      expect(withResidual.chains.length).toBe(19);
      expect(withResidual.chains.filter((c) => c.residual?.activation === 'relu' && c.residual.act != null).length).toBe(9);
      const x = input([backend === 'cpu' ? 2 : 8, 32, 32, 3]);
      const { plain, folded } = predictBoth(model, x);
      expect(relErr(plain, folded)).toBeLessThan(1e-4);
      x.dispose();
      model.dispose();
    }, 120_000);

    it('the kernels change: no BatchNorm over activations, ReLUs fused, same number of convolutions', async () => {
      const model = build(resnet20Doc());
      randomizeBatchNorms(model);
      const B = 4;
      const x = input([B, 32, 32, 3]);
      const run = () => tf.tidy(() => (model.predict(x, { batchSize: B }) as tf.Tensor).dataSync());
      run(); // builds the layers' weights outside the profile
      const plain = await kernelCounts(run, B);
      const folded = await kernelCounts(() => withFoldedInference(tf, model, run), B);
      expect(plain).toEqual({ fusedConv: 21, residual: 0, bnOnActivations: 19, relu: 19, addOnMaps: 9 });
      if (backend === 'wasm') {
        // The residual kernel computes each block's second convolution, its Add and its ReLU.
        expect(folded).toEqual({ fusedConv: 12, residual: 9, bnOnActivations: 0, relu: 0, addOnMaps: 0 });
      } else {
        // No residual kernel on cpu: the 9 Adds and the ReLUs after them stay.
        expect(folded).toEqual({ fusedConv: 21, residual: 0, bnOnActivations: 0, relu: 9, addOnMaps: 9 });
      }
      x.dispose();
      model.dispose();
    }, 120_000);

    it('conv → BN without ReLU, conv without bias, dilated conv → BN → ReLU6 (Activation), BN with neither γ nor β, depthwise convs', () => {
      const g = graph();
      g.input([12, 12, 3])
        .conv2d({ filters: 6, useBias: true })
        .batchNorm()
        .conv2d({ filters: 5, useBias: false, stride: [2, 2], padding: 'valid' })
        .batchNorm()
        .relu()
        .conv2d({ filters: 4, dilation: [2, 2], padding: 'same' })
        .batchNorm()
        .to('activation', { activation: 'relu6' })
        .conv2d({ filters: 4, kernel: [1, 1] })
        .batchNorm({ center: false, scale: false })
        .relu({ maxValue: 6 })
        .conv2d({ filters: 3 })
        .batchNorm({ center: false })
        .relu({ maxValue: 4 }) // clipped at 4: not a fused activation, the BN still folds
        .depthwiseConv2d({ depthMultiplier: 2, padding: 'same' })
        .batchNorm()
        .to('activation', { activation: 'relu6' })
        .depthwiseConv2d({ stride: [2, 2], useBias: false })
        .batchNorm()
        .flatten()
        .dense({ units: 5 });
      const model = build(g.doc);
      randomizeBatchNorms(model, 5);
      randomizeBiases(model, 7);
      const plan = planFold(model);
      expect(plan.chains.map((c) => c.activation)).toEqual(['linear', 'relu', 'relu6', 'relu6', 'linear', 'relu6', 'linear']);
      expect(plan.chains.map((c) => c.act === null)).toEqual([true, false, false, false, true, false, true]);
      expect(plan.chains.map((c) => c.conv.getClassName()).slice(-2)).toEqual(['DepthwiseConv2D', 'DepthwiseConv2D']);
      const x = input([3, 12, 12, 3], 9);
      const { plain, folded } = predictBoth(model, x);
      expect(relErr(plain, folded)).toBeLessThan(1e-4);
      model.dispose();
    });

    if (backend === 'wasm')
      it('MobileNet-v2 template (pointwise and depthwise chains, ReLU6): equal outputs, no BatchNorm over activations', async () => {
        const doc = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../templates/mobilenet-v2.json'), 'utf8')) as GraphDoc;
        for (const n of doc.nodes) if (n.type === 'dense') n.params = { ...n.params, activation: 'linear' };
        const model = build(doc);
        randomizeBatchNorms(model, 61);
        const plan = planFold(model);
        const bns = model.layers.filter((l) => l.getClassName() === 'BatchNormalization').length;
        expect(plan.chains.length).toBe(bns);
        expect(plan.chains.filter((c) => c.conv.getClassName() === 'DepthwiseConv2D').length).toBeGreaterThan(10);
        expect(plan.chains.filter((c) => c.activation === 'relu6').length).toBeGreaterThan(20);
        const x = input([1, 224, 224, 3], 13);
        const { plain, folded } = predictBoth(model, x);
        expect(relErr(plain, folded)).toBeLessThan(1e-4);
        const run = () => tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
        const counts = await kernelCounts(() => withFoldedInference(tf, model, run), 1);
        expect(counts.bnOnActivations).toBe(0);
        x.dispose();
        model.dispose();
      }, 120_000);

    it('a conv whose output also feeds an Add is not folded; a BN after Dense is not folded; outputs still equal', () => {
      const g = graph();
      const a = g.input([8, 8, 4]).conv2d({ filters: 4 }, { name: 'shared_out' });
      const b = a.batchNorm().relu();
      const sum = g.add(a, b);
      sum.flatten().dense({ units: 6 }).batchNorm({}, { name: 'bn_dense' }).relu().dense({ units: 3 });
      const model = build(g.doc);
      randomizeBatchNorms(model, 21);
      expect(planFold(model).chains).toEqual([]);
      const x = input([2, 8, 8, 4], 4);
      const { plain, folded } = predictBoth(model, x);
      expect(folded).toEqual(plain);
      model.dispose();
    });

    it('residual Adds: identity and projection shortcuts, ReLU / ReLU6 / none after, an Add that is a model output, and what must not fuse', () => {
      const residual = backend === 'wasm';
      const x0 = tf.input({ shape: [8, 8, 8] });
      const convBn = (t: tf.SymbolicTensor, filters: number, o: { strides?: number; kernelSize?: number } = {}) =>
        tf.layers.batchNormalization().apply(tf.layers.conv2d({ filters, kernelSize: o.kernelSize ?? 3, strides: o.strides ?? 1, padding: 'same' }).apply(t) as tf.SymbolicTensor) as tf.SymbolicTensor;
      // Identity shortcut → ReLU.
      const b1 = tf.layers.reLU().apply(tf.layers.add().apply([convBn(x0, 8), x0]) as tf.SymbolicTensor) as tf.SymbolicTensor;
      // Shortcut first, then ReLU6 (as an Activation layer).
      const b2 = tf.layers.activation({ activation: 'relu6' }).apply(tf.layers.add().apply([b1, convBn(b1, 8)]) as tf.SymbolicTensor) as tf.SymbolicTensor;
      // Projection shortcut (strided 1×1 conv → BN) and a strided main conv: neither preserves the shape, nothing fuses; no activation after.
      const b3 = tf.layers.add().apply([convBn(b2, 16, { strides: 2 }), convBn(b2, 16, { strides: 2, kernelSize: 1 })]) as tf.SymbolicTensor;
      // Both inputs shape-preserving chains: one of them takes the Add. The Add is a model output too.
      const b4 = tf.layers.add().apply([convBn(b3, 16), convBn(b3, 16)]) as tf.SymbolicTensor;
      // Three inputs: not fused.
      const b5 = tf.layers.add().apply([convBn(b4, 16), b4, b4]) as tf.SymbolicTensor;
      const head = tf.layers.dense({ units: 5 }).apply(tf.layers.flatten().apply(b5) as tf.SymbolicTensor) as tf.SymbolicTensor;
      const model = tf.model({ inputs: x0, outputs: [head, b4] });
      randomizeBatchNorms(model, 41);
      randomizeBiases(model, 141);
      const plan = planFold(model, { residual });
      expect(plan.chains.length).toBe(7);
      const fused = plan.chains.filter((c) => c.residual);
      expect(fused.map((c) => c.residual!.activation)).toEqual(residual ? ['relu', 'relu6', 'linear'] : []);
      const x = input([2, 8, 8, 8], 12);
      const { plain, folded } = predictAllBoth(model, x);
      for (let i = 0; i < 2; i++) expect(relErr(plain[i], folded[i])).toBeLessThan(1e-4);
      x.dispose();
      model.dispose();
    });

    it('a BN (or ReLU) that is a model output stops the chain before it', () => {
      // conv → BN → ReLU where the BN output is also a model output: fold conv+BN, keep the ReLU.
      const x0 = tf.input({ shape: [6, 6, 2] });
      const c = tf.layers.conv2d({ filters: 3, kernelSize: 3 }).apply(x0) as tf.SymbolicTensor;
      const n = tf.layers.batchNormalization().apply(c) as tf.SymbolicTensor;
      const r = tf.layers.reLU().apply(n) as tf.SymbolicTensor;
      const model = tf.model({ inputs: x0, outputs: [n, r] });
      randomizeBatchNorms(model, 31);
      const plan = planFold(model);
      expect(plan.chains.length).toBe(1);
      expect(plan.chains[0].act).toBeNull();
      const x = input([2, 6, 6, 2], 8);
      const { plain, folded } = predictAllBoth(model, x);
      for (let i = 0; i < 2; i++) expect(relErr(plain[i], folded[i])).toBeLessThan(1e-4);
      // A sub-model that outputs the convolution itself (what feature maps do) folds nothing.
      expect(planFold(tf.model({ inputs: x0, outputs: [c, r] })).chains).toEqual([]);
      model.dispose();
    });

    it('a model without BatchNorm: nothing to fold, identical output', () => {
      const g = graph();
      g.input([10, 10, 1]).conv2d({ filters: 4, activation: 'relu' }).maxPool2d().flatten().dense({ units: 3 });
      const model = build(g.doc);
      expect(planFold(model).chains).toEqual([]);
      const x = input([2, 10, 10, 1], 6);
      const { plain, folded } = predictBoth(model, x);
      expect(folded).toEqual(plain);
      model.dispose();
    });

    it('a nested model folds inside; training calls and the layers after the scope are untouched', () => {
      const inner = (() => {
        const i = tf.input({ shape: [6, 6, 2] });
        const c = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(i) as tf.SymbolicTensor;
        const n = tf.layers.batchNormalization().apply(c) as tf.SymbolicTensor;
        return tf.model({ inputs: i, outputs: tf.layers.activation({ activation: 'relu' }).apply(n) as tf.SymbolicTensor });
      })();
      const x0 = tf.input({ shape: [6, 6, 2] });
      const model = tf.model({ inputs: x0, outputs: tf.layers.dense({ units: 2 }).apply(tf.layers.flatten().apply(inner.apply(x0) as tf.SymbolicTensor)) as tf.SymbolicTensor });
      randomizeBatchNorms(inner, 41);
      const plan = planFold(model);
      expect(plan.chains.length).toBe(1);
      expect(plan.chains[0].activation).toBe('relu');
      const x = input([3, 6, 6, 2], 12);
      const { plain, folded } = predictBoth(model, x);
      expect(relErr(plain, folded)).toBeLessThan(1e-4);

      // training: true inside a scope runs the layers' own (batch-statistics) path.
      const train = () => tf.tidy(() => (model.apply(x, { training: true }) as tf.Tensor).dataSync() as Float32Array);
      const a = train();
      const b = withFoldedInference(tf, model, train);
      expect(relErr(a, b)).toBeLessThan(1e-6);

      // Scopes end, also on a throw and when nested.
      const conv = plan.chains[0].conv;
      expect(Object.hasOwn(conv, 'call')).toBe(false);
      expect(() => withFoldedInference(tf, model, () => withFoldedInference(tf, model, () => { throw new Error('boom'); }))).toThrow('boom');
      expect(Object.hasOwn(conv, 'call')).toBe(false);
      expect(Object.hasOwn(plan.chains[0].bn, 'call')).toBe(false);
      expect(Object.hasOwn(plan.chains[0].act!, 'call')).toBe(false);
      expect(() => withFoldedInference(tf, model, () => Promise.resolve(1))).toThrow(TypeError);
      expect(Object.hasOwn(conv, 'call')).toBe(false);
      model.dispose();
    });

    it('a Sequential model, alone and nested in a functional one', () => {
      const m = tf.sequential();
      m.add(tf.layers.conv2d({ inputShape: [6, 6, 2], filters: 4, kernelSize: 3 }));
      m.add(tf.layers.batchNormalization());
      m.add(tf.layers.reLU());
      m.add(tf.layers.flatten());
      m.add(tf.layers.dense({ units: 2 }));
      randomizeBatchNorms(m, 51);
      const i = tf.input({ shape: [6, 6, 2] });
      const outer = tf.model({ inputs: i, outputs: m.apply(i) as tf.SymbolicTensor });
      const x = input([3, 6, 6, 2], 14);
      for (const model of [m, outer]) {
        expect(planFold(model).chains.map((c) => c.activation)).toEqual(['relu']);
        const { plain, folded } = predictBoth(model, x);
        expect(relErr(plain, folded)).toBeLessThan(1e-4);
      }
      m.dispose();
    });

    it('does not leak tensors', () => {
      const model = build(resnet20Doc());
      const x = input([1, 32, 32, 3]);
      const run = () => tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
      withFoldedInference(tf, model, run);
      const before = tf.memory().numTensors;
      withFoldedInference(tf, model, run);
      expect(tf.memory().numTensors).toBe(before);
      x.dispose();
      model.dispose();
    }, 60_000);
  });
}

describe('the product inference paths fold (cpu)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('evaluation, validation and image predictions run without BatchNorm or ReLU passes over feature maps; same results as unfolded', async () => {
    const g = graph();
    g.input([8, 8, 1]).conv2d({ filters: 4, padding: 'same' }).batchNorm().relu().maxPool2d().flatten().dense({ units: 3, activation: 'softmax' });
    const model = build(g.doc);
    randomizeBatchNorms(model, 71);
    const n = 6;
    const pixels = rand(n * 64, 17, 0, 1);
    const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
    const set = memorySet(pixels, labels, [8, 8, 1]);
    const info = detectTask(model);
    if ('error' in info) throw new Error(info.error);
    const kernels = async (f: () => Promise<unknown>) => {
      const names: string[] = [];
      await tf.profile(async () => {
        await f();
        return [];
      }).then((p) => p.kernels.forEach((k) => names.push(k.name)));
      return { bn: names.filter((k) => k === 'FusedBatchNorm').length, relu: names.filter((k) => k === 'Relu').length };
    };
    let ev: Awaited<ReturnType<typeof evaluateModel>> | null = null;
    let val: Awaited<ReturnType<typeof lossOn>> = null;
    let top: ReturnType<typeof predictPixels> = [];
    const counts = {
      evaluate: await kernels(async () => void (ev = await evaluateModel(tf, model, set, ['a', 'b', 'c'], { dataShape: [8, 8, 1], threads: 1, batchSize: 4 }))),
      validate: await kernels(async () => void (val = await lossOn(tf, model, set, Int32Array.from([0, 1, 2, 3, 4, 5]), info, [8, 8, 1], 4))),
      predict: await kernels(async () => void (top = predictPixels(tf, model, pixels.subarray(0, 64), [8, 8, 1], ['a', 'b', 'c'], 3))),
    };
    // Only the folds' own small BatchNorms over the weights (2 per batch: filter and bias), no Relu.
    expect(counts).toEqual({ evaluate: { bn: 4, relu: 0 }, validate: { bn: 4, relu: 0 }, predict: { bn: 2, relu: 0 } });

    // The same figures as the unfolded model (tfjs's layers one by one).
    const probs = tf.tidy(() => (model.predict(tf.tensor4d(pixels, [n, 8, 8, 1])) as tf.Tensor).arraySync() as number[][]);
    const correct = probs.filter((row, i) => row.indexOf(Math.max(...row)) === labels[i]).length;
    const loss = -probs.reduce((sum, row, i) => sum + Math.log(row[labels[i]]), 0) / n;
    expect(ev!.accuracy).toBeCloseTo(correct / n, 10);
    expect(ev!.loss).toBeCloseTo(loss, 4);
    expect(val!.loss).toBeCloseTo(loss, 4);
    const best = probs[0].indexOf(Math.max(...probs[0]));
    expect(top[0].index).toBe(best);
    expect(top[0].probability).toBeCloseTo(probs[0][best], 5);
    model.dispose();
  });
});
