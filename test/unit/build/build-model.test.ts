/**
 * buildModel on hand-made graphs: wiring (slot order), names, frozen layers,
 * several outputs, and the refusal of a graph the analysis finds errors in.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeGraph } from '../../../engine/analysis';
import { BuildError, buildModel } from '../../../engine/train/build-model';
import { graph } from '../../helpers/graph-builder';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const weights = (ws: tf.LayerVariable[]) => ws.reduce((a, w) => a + (w.shape as number[]).reduce((x, y) => x * y, 1), 0);
const inboundNames = (l: tf.layers.Layer) => l.inboundNodes[0].inboundLayers.map((x) => x.name);

describe('buildModel', () => {
  it('wires merge inputs in targetIndex order, whatever the order of the edges in the file', () => {
    const g = graph();
    const x = g.input([8, 8, 3]);
    const a = x.conv2d({ filters: 2 }, { name: 'narrow' });
    const b = x.conv2d({ filters: 5 }, { name: 'wide' });
    const cat = g.node('concatenate', {}, { name: 'cat' });
    g.connect(b, cat, 1).connect(a, cat, 0);
    const doc = g.doc;
    // Edges listed with slot 1 first.
    expect(doc.edges.find((e) => e.target === cat.id)!.targetIndex).toBe(1);
    const m = buildModel(tf, doc, analyzeGraph(doc));
    expect(inboundNames(m.getLayer('cat'))).toEqual(['narrow', 'wide']);
    // Channels in slot order: the first 2 come from "narrow".
    const probe = tf.model({ inputs: m.inputs, outputs: [m.getLayer('narrow').output as tf.SymbolicTensor, m.getLayer('cat').output as tf.SymbolicTensor] });
    const [n, c] = probe.predict(tf.randomNormal([1, 8, 8, 3], 0, 1, 'float32', 1)) as tf.Tensor[];
    expect(Array.from(c.slice([0, 0, 0, 0], [1, 8, 8, 2]).dataSync())).toEqual(Array.from(n.dataSync()));
  });

  it('names every layer as the analysis does and builds a residual block', () => {
    const g = graph();
    const x = g.input([16, 16, 8]);
    const y = x.conv2d({ filters: 8 }).batchNorm().relu().conv2d({ filters: 8 }).batchNorm();
    g.add(x, y).relu().globalAvgPool2d().dense({ units: 3 }).softmax();
    const a = analyzeGraph(g.doc);
    const m = buildModel(tf, g.doc, a);
    expect(m.layers.map((l) => l.name).sort()).toEqual(a.order.map((id) => a.nodes[id].name).sort());
    expect(m.countParams()).toBe(a.totals.params);
    expect(m.outputs[0].shape).toEqual([null, 3]);
  });

  it('frozen nodes build with trainable = false, and the split matches the analysis', () => {
    const g = graph();
    g.input([10, 10, 1])
      .conv2d({ filters: 4 }, { frozen: true, name: 'frozen_conv' })
      .batchNorm({}, { frozen: true, name: 'frozen_bn' })
      .conv2d({ filters: 4 }, { name: 'live_conv' })
      .flatten()
      .dense({ units: 2 });
    const a = analyzeGraph(g.doc);
    const m = buildModel(tf, g.doc, a);
    expect(m.getLayer('frozen_conv').trainable).toBe(false);
    expect(m.getLayer('frozen_bn').trainable).toBe(false);
    expect(m.getLayer('live_conv').trainable).toBe(true);
    expect(weights(m.trainableWeights)).toBe(a.totals.trainable);
    expect(weights(m.nonTrainableWeights)).toBe(a.totals.nonTrainable);
    expect(a.totals.nonTrainable).toBe(40 + 16); // conv (3×3×1 + 1) × 4, and γ, β, mean, variance × 4 channels
  });

  it('builds a model with several outputs (one per unused layer end)', () => {
    const g = graph();
    const x = g.input([6, 6, 2]).conv2d({ filters: 3 });
    x.globalAvgPool2d().dense({ units: 2 }, { name: 'head_a' });
    x.flatten().dense({ units: 4 }, { name: 'head_b' });
    const a = analyzeGraph(g.doc);
    const m = buildModel(tf, g.doc, a);
    expect(m.outputs.map((o) => o.shape)).toEqual([
      [null, 2],
      [null, 4],
    ]);
  });

  it('runs a built encoder-decoder end to end', () => {
    const g = graph();
    const x = g.input([12, 12, 1]).rescaling();
    const down = x.conv2d({ filters: 4, stride: 2 }).relu();
    const up = down.conv2dTranspose({ filters: 4, stride: 2 }).to('upsampling2d', { size: 1 });
    g.concat(x, up).conv2d({ filters: 1, kernel: 1, activation: 'sigmoid' });
    const a = analyzeGraph(g.doc);
    expect(a.issues).toEqual([]);
    const y = buildModel(tf, g.doc, a).predict(tf.ones([2, 12, 12, 1])) as tf.Tensor;
    expect(y.shape).toEqual([2, 12, 12, 1]);
  });

  it('initialize: false makes every weight zeros, with the same names and shapes (templates with BatchNorm, depthwise and dense layers)', async () => {
    const { readFileSync } = await import('node:fs');
    const { parseGraphDoc } = await import('../../../engine/graph');
    for (const name of ['mobilenet-v2', 'resnet20-cifar', 'lenet5']) {
      const parsed = parseGraphDoc(JSON.parse(readFileSync(new URL(`../../../templates/${name}.json`, import.meta.url), 'utf8')));
      if (!parsed.ok) throw new Error(parsed.message);
      const analysis = analyzeGraph(parsed.value);
      const random = buildModel(tf, parsed.value, analysis);
      const zeros = buildModel(tf, parsed.value, analysis, { initialize: false });
      expect(zeros.weights.map((w) => [w.originalName, w.shape])).toEqual(random.weights.map((w) => [w.originalName, w.shape]));
      const largest = (m: tf.LayersModel) => Math.max(...m.weights.map((w) => tf.tidy(() => w.read().abs().max().dataSync()[0])));
      expect(largest(zeros)).toBe(0);
      // The random build has nonzero kernels (and BatchNorm's ones): the zeros are not the default.
      expect(largest(random)).toBeGreaterThan(0);
      random.dispose();
      zeros.dispose();
    }
  });

  it('refuses a graph with errors, listing each in plain words', () => {
    const g = graph();
    const x = g.input([8, 8, 3]);
    g.add(x.conv2d({ filters: 4 }), x.conv2d({ filters: 6 }));
    g.node('dense');
    const a = analyzeGraph(g.doc);
    let err: unknown;
    try {
      buildModel(tf, g.doc, a);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BuildError);
    const be = err as BuildError;
    expect(be.message).toMatch(/2 problems to fix/);
    expect(be.message).toMatch(/Add needs inputs of the same shape; received 8×8×4 and 8×8×6/);
    expect(be.message).toMatch(/not connected/);
    expect(be.issues.map((i) => (i as { code?: string }).code).sort()).toEqual(['E006', 'E014']);
  });

  it('refuses an empty document', () => {
    const g = graph();
    expect(() => buildModel(tf, g.doc, analyzeGraph(g.doc))).toThrow(BuildError);
  });
});
