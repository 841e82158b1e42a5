/**
 * ONNX export checked by running the file in onnxruntime-node (CPU) and
 * comparing with the engine's outputs on the same inputs: every small
 * template, graphs covering the whole layer catalog, and ResNet-18 and
 * DenseNet-121 with random weights (at 64×64 input to keep CI time down; the
 * architecture is unchanged).
 */
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { analyzeGraph } from '../../../engine/analysis';
import { exportOnnx } from '../../../engine/export/onnx/export';
import { weightsFromModel } from '../../../engine/export/weights';
import type { GraphDoc } from '../../../engine/graph/doc';
import { loadTemplate } from '../../../engine/templates';
import { catalogGraphs, engineOutputs, maxAbsDiff, randomInput, randomModel } from './helpers';

async function compare(doc: GraphDoc, batch = 2): Promise<{ diff: number; scale: number }> {
  const analysis = analyzeGraph(doc);
  const model = randomModel(doc, 11);
  const x = randomInput(analysis.nodes[analysis.inputId!].outputShape!, batch, 5);
  const want = engineOutputs(model, x);
  const onnx = exportOnnx(doc, analysis, weightsFromModel(model));
  model.dispose();
  const session = await ort.InferenceSession.create(onnx.bytes);
  const res = await session.run({ [onnx.inputName]: new ort.Tensor('float32', x.data, x.dims) });
  let diff = 0;
  let scale = 0;
  onnx.outputNames.forEach((name, i) => {
    const got = res[name].data as Float32Array;
    expect(res[name].dims).toEqual([batch, ...analysis.nodes[analysis.outputIds[i]].outputShape!]);
    diff = Math.max(diff, maxAbsDiff(got, want[i]));
    scale = Math.max(scale, ...Array.from(want[i], Math.abs));
  });
  await session.release();
  return { diff, scale };
}

/**
 * The template at a smaller input, with the classifier's softmax removed:
 * 1000 near-uniform probabilities (~1e-3 each) would hide errors in an
 * absolute comparison, the logits do not.
 */
function withInput(doc: GraphDoc, shape: number[]): GraphDoc {
  const input = doc.nodes.find((n) => n.type === 'input')!;
  input.params = { ...input.params, shape };
  for (const n of doc.nodes) if (n.type === 'dense' && n.params.activation === 'softmax') n.params = { ...n.params, activation: 'linear' };
  return doc;
}

describe('ONNX export runs in onnxruntime with the engine\'s outputs', () => {
  it.each(catalogGraphs())('catalog graph $name', async ({ doc }) => {
    const { diff, scale } = await compare(doc);
    expect(scale).toBeGreaterThan(1e-3); // the outputs are not all zero
    expect(diff).toBeLessThan(1e-4);
  });

  it.each(['mnist-cnn', 'cifar10-cnn', 'resnet20-cifar', 'dilated-context', 'conv-autoencoder', 'lenet5'])('template %s', async (id) => {
    const { diff } = await compare(await loadTemplate(id));
    expect(diff).toBeLessThan(1e-4);
  });

  it.each(['resnet18', 'densenet121'])('%s with random weights (64×64 input)', async (id) => {
    const { diff, scale } = await compare(withInput(await loadTemplate(id), [64, 64, 3]), 1);
    expect(scale).toBeGreaterThan(0.1); // logits of a real size
    expect(diff).toBeLessThan(1e-4);
    console.log(`ONNX ${id}: max abs diff ${diff.toExponential(2)} on logits up to ${scale.toFixed(2)}`);
  }, 120_000);

  it('refuses a graph with errors, naming the problem', () => {
    const doc = catalogGraphs()[0].doc;
    doc.edges = doc.edges.slice(1);
    expect(() => exportOnnx(doc, analyzeGraph(doc), new Map())).toThrow(/problem/);
  });
});

void tf;
