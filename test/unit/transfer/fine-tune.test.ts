/**
 * Transfer learning end to end: train a small CNN on three classes of the
 * built-in shapes set, save it, load it into a copy with a new head and frozen
 * convolutions, fine-tune on the three other classes. The frozen weights must
 * not change (bitwise) and the new classes must be learned well above chance.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeGraph } from '../../../engine/analysis';
import { initBackend, type BackendInfo } from '../../../engine/backend';
import { openDataset, type Dataset } from '../../../engine/data';
import { weightsFromModel } from '../../../engine/export/weights';
import { memorySet } from '../../../engine/train/memory-set';
import { train } from '../../../engine/train/session';
import type { TrainingData } from '../../../engine/train/types';
import { saveWeights } from '../../../engine/train/weights';
import { fineTuneSettings, freezeBefore, replaceHead } from '../../../engine/transfer/doc-ops';
import { applyWeights, readWeightsFile, type MatchReport } from '../../../engine/transfer/match';
import { smallCnn } from '../train/helpers';

let be: BackendInfo;
let ds: Dataset;
let dir: string;
beforeAll(async () => {
  be = await initBackend();
  ds = await openDataset('builtin:shapes?size=20&classes=6&n=2400&test=600&noise=0.02');
  dir = mkdtempSync(path.join(tmpdir(), 'cnnd-finetune-'));
});
afterAll(async () => {
  await ds?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The samples of `classes` (labels renumbered 0…k−1) from one split. */
async function subset(split: 'train' | 'test', classes: number[]): Promise<{ pixels: Float32Array; labels: Int32Array }> {
  const labels = await ds.labels(split);
  const keep = [...labels.keys()].filter((i) => classes.includes(labels[i]));
  const { datasetSplit } = await import('../../../engine/train/data-source');
  const b = await datasetSplit(ds, split).gather(Int32Array.from(keep));
  return { pixels: b.xs, labels: Int32Array.from(b.labels, (l) => classes.indexOf(l)) };
}

async function data(classes: number[]): Promise<TrainingData & { testPixels: Float32Array; testLabels: Int32Array }> {
  const tr = await subset('train', classes);
  const te = await subset('test', classes);
  return {
    name: `shapes ${classes.join(',')}`,
    shape: ds.inputShape,
    classNames: classes.map((c) => ds.classNames[c]),
    train: memorySet(tr.pixels, tr.labels, ds.inputShape),
    trainLabels: tr.labels,
    test: memorySet(te.pixels, te.labels, ds.inputShape),
    testPixels: te.pixels,
    testLabels: te.labels,
  };
}

describe('fine-tuning on new classes', () => {
  it('keeps frozen weights bitwise and learns the new classes', async () => {
    const tf = be.tf;
    const first = await data([0, 1, 2]);
    const docA = smallCnn(ds.inputShape, 3);
    const a = await train(docA, first, { epochs: 4, batchSize: 32, learningRate: 0.005, validationSplit: 0 }, { tf });
    await saveWeights(tf, a.model, dir);
    a.model.dispose();

    // The copy: everything before the head frozen, head replaced for 3 new classes.
    const head = docA.nodes.find((n) => n.id === 'head')!;
    const frozen = freezeBefore(docA, head.id);
    if (!frozen.ok) throw new Error(frozen.error);
    const replaced = replaceHead(frozen.doc, 3);
    if (!replaced.ok) throw new Error(replaced.error);
    const docB = replaced.doc;
    const analysis = analyzeGraph(docB);
    const convs = docB.nodes.filter((n) => n.type === 'conv2d');
    expect(convs.every((n) => n.frozen)).toBe(true);
    // Analysis counts frozen layers as non-trainable: only the head trains.
    expect(analysis.totals.trainable).toBe(analysis.nodes[head.id].paramCount);
    expect(analysis.totals.nonTrainable).toBe(convs.reduce((s, n) => s + analysis.nodes[n.id].paramCount, 0));

    const saved = await readWeightsFile(tf, dir);
    const second = await data([3, 4, 5]);
    const settings = fineTuneSettings({ optimizer: 'adam', learningRate: 0.05 });
    expect(settings.learningRate).toBeCloseTo(0.005, 10);
    let report: MatchReport | undefined;
    let before: ReturnType<typeof weightsFromModel> | undefined;
    const b = await train(docB, second, { ...settings, epochs: 12, batchSize: 32, validationSplit: 0 }, {
      tf,
      onBuilt: (model) => {
        report = applyWeights(tf, model, saved);
        before = weightsFromModel(model);
      },
    });
    expect(report!.matched.sort()).toEqual(convs.map((n) => analysis.nodes[n.id].name).sort());
    expect(report!.missing).toEqual([replaced.headName]);
    expect(report!.unused).toEqual(['head']);

    const after = weightsFromModel(b.model);
    for (const c of convs) {
      const name = analysis.nodes[c.id].name;
      const w0 = before!.get(name)!;
      const w1 = after.get(name)!;
      // Loaded from the file, and unchanged by training, bit for bit.
      for (let i = 0; i < w0.length; i++) {
        expect(Buffer.from(w1[i].data.buffer).equals(Buffer.from(w0[i].data.buffer))).toBe(true);
        expect(Buffer.from(w0[i].data.buffer).equals(Buffer.from(saved.get(name)!.find((x) => x.name === w0[i].name)!.data.buffer))).toBe(true);
      }
    }
    // The head did train.
    const h0 = before!.get(replaced.headName)![0].data;
    const h1 = after.get(replaced.headName)![0].data;
    expect(h1.some((v, i) => v !== h0[i])).toBe(true);

    const acc = tf.tidy(() => {
      const p = b.model.predict(tf.tensor(second.testPixels, [second.testLabels.length, ...ds.inputShape])) as import('@tensorflow/tfjs').Tensor;
      const pred = p.argMax(-1).dataSync();
      let ok = 0;
      for (let i = 0; i < pred.length; i++) if (pred[i] === second.testLabels[i]) ok++;
      return ok / pred.length;
    });
    b.model.dispose();
    console.log(`fine-tune: ${report!.summary} new-class test accuracy ${acc.toFixed(3)} on ${second.testLabels.length} images`);
    expect(acc).toBeGreaterThan(0.6); // chance is 1/3; measured 0.74
  }, 300_000);
});
