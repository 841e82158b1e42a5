/**
 * Each template, built as a TensorFlow.js model by the engine's builder, has
 * the parameter counts and output shapes the analysis shows — model total,
 * trainable split, and every layer's countParams() and output shape. tfjs is
 * the independent oracle here.
 */
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeGraph } from '../../../engine/analysis/analyze';
import type { GraphDoc } from '../../../engine/graph/doc';
import { listTemplates } from '../../../engine/templates/index';
import { buildModel } from '../../../engine/train/build-model';

const root = join(__dirname, '..', '..', '..');

/**
 * Above this many parameters the model is built with zero initial weights.
 * Counts and shapes do not depend on the values, but tfjs' CPU backend draws
 * Glorot-uniform numbers one at a time: VGG19's 143 M weights take ~10 s, and
 * the ImageNet templates together ~45 s and ~0.7 GB. Zeros are allocated
 * lazily by the OS (never touched), so all of them build in under a second.
 * The small templates are built with their real initialisers.
 */
const ZERO_INIT_ABOVE = 5_000_000;

// tfjs' Glorot/He/LeCun initialisers all derive from VarianceScaling.
const varianceScaling = Object.getPrototypeOf(Object.getPrototypeOf(tf.initializers.glorotUniform({}))) as {
  apply: (shape: number[], dtype?: tf.DataType) => tf.Tensor;
};
const realApply = varianceScaling.apply;

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => {
  varianceScaling.apply = realApply;
});

const size = (shape: readonly (number | null)[]) => shape.reduce<number>((a, d) => a * (d ?? 1), 1);

describe.each(listTemplates().map((t) => [t.id] as const))('%s built with tfjs', (id) => {
  it('has the analysed counts and shapes, layer by layer', () => {
    const doc = JSON.parse(readFileSync(join(root, 'templates', `${id}.json`), 'utf8')) as GraphDoc;
    const a = analyzeGraph(doc);
    const zeroInit = a.totals.params > ZERO_INIT_ABOVE;
    if (zeroInit) varianceScaling.apply = (shape, dtype) => tf.zeros(shape, dtype);
    const before = tf.memory().numTensors;
    let model: tf.LayersModel | undefined;
    try {
      model = buildModel(tf, doc, a);
      expect(model.countParams()).toBe(a.totals.params);
      expect(model.trainableWeights.reduce((s, w) => s + size(w.shape), 0)).toBe(a.totals.trainable);
      expect(model.nonTrainableWeights.reduce((s, w) => s + size(w.shape), 0)).toBe(a.totals.nonTrainable);
      expect(model.outputs[0].shape.slice(1)).toEqual(a.nodes[a.outputIds[0]].outputShape);
      for (const n of Object.values(a.nodes)) {
        const layer = model.getLayer(n.name);
        expect(layer.countParams(), `${id} ${n.name}`).toBe(n.paramCount);
        if (n.type !== 'input') expect((layer.outputShape as (number | null)[]).slice(1), `${id} ${n.name}`).toEqual(n.outputShape);
      }
      expect(model.layers.length).toBe(doc.nodes.length);
    } finally {
      varianceScaling.apply = realApply;
      model?.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
