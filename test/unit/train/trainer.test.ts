import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, resolveSettings, type TrainSettings } from '../../../engine/train/settings';
import { splitIndices, trainModel } from '../../../engine/train/trainer';
import { quadrantData, tinyCnn } from './helpers';

const settings = (o: Partial<TrainSettings> = {}): TrainSettings => ({ ...DEFAULT_SETTINGS, learningRate: 0.02, batchSize: 16, epochs: 3, ...o });

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('trainModel', () => {
  it('learns a separable 4-class set well above chance, with progress events', async () => {
    const data = quadrantData(160);
    const model = tinyCnn();
    const batches: number[] = [];
    const epochs: number[] = [];
    const r = await trainModel(tf, model, data, settings({ epochs: 4 }), {
      onBatch: (p) => batches.push(p.loss),
      onEpoch: (p) => epochs.push(p.valAccuracy ?? -1),
    });
    expect(r.stopReason).toBe('completed');
    expect(r.epochsDone).toBe(4);
    expect(r.trainCount + r.valCount).toBe(160);
    expect(r.valCount).toBe(16);
    expect(batches.length).toBe(4 * Math.ceil(144 / 16));
    // independent check: tf's own predict + argmax on all 160 images
    const pred = tf.tidy(() => (model.predict(tf.tensor4d(data.pixels, [160, 12, 12, 1])) as tf.Tensor).argMax(1).dataSync());
    let ok = 0;
    for (let i = 0; i < 160; i++) if (pred[i] === data.labels[i]) ok++;
    expect(ok / 160).toBeGreaterThan(0.8);
    expect(r.history.at(-1)!.valAccuracy).toBeGreaterThan(0.7);
    model.dispose();
  });

  it('sparse crossentropy matches tf.losses.softmaxCrossEntropy (the oracle) for logits and probabilities', async () => {
    const data = quadrantData(32);
    for (const soft of [true, false]) {
      const model = tinyCnn([12, 12, 1], 4, soft);
      // lr tiny: the reported first-batch loss is the loss before the step
      const losses: number[] = [];
      const w0 = model.getWeights().map((w) => w.clone());
      await trainModel(tf, model, data, settings({ epochs: 1, batchSize: 32, validationSplit: 0, learningRate: 1e-9, optimizer: 'sgd', momentum: 0 }), {
        onBatch: (p) => losses.push(p.loss),
      });
      model.setWeights(w0);
      const expected = tf.tidy(() => {
        const x = tf.tensor4d(data.pixels, [32, 12, 12, 1]);
        const out = model.predict(x) as tf.Tensor2D;
        const oh = tf.oneHot(tf.tensor1d(data.labels, 'int32'), 4);
        return soft ? tf.metrics.categoricalCrossentropy(oh, out).mean().dataSync()[0] : tf.losses.softmaxCrossEntropy(oh, out).dataSync()[0];
      });
      expect(losses[0]).toBeCloseTo(expected, 4);
      w0.forEach((t) => t.dispose());
      model.dispose();
    }
  });

  it('does not leak tensors across epochs', async () => {
    const data = quadrantData(64);
    const model = tinyCnn();
    const counts: number[] = [];
    const before = tf.memory().numTensors;
    await trainModel(tf, model, data, settings({ epochs: 4, augment: { flip: true, shift: 0.1 }, earlyStopping: { patience: 10 } }), {
      onEpoch: () => counts.push(tf.memory().numTensors),
    });
    expect(counts.length).toBe(4);
    // epoch 1 adds optimizer slots and the best-weights copy; after that, stable
    expect(new Set(counts.slice(1)).size).toBe(1);
    // after the run, optimizer and checkpoints are freed
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('cancels within one batch and leaves the model usable', async () => {
    const data = quadrantData(320);
    const model = tinyCnn();
    const ac = new AbortController();
    let batches = 0;
    const r = await trainModel(tf, model, data, settings({ epochs: 50 }), {
      onBatch: () => {
        batches++;
        if (batches === 3) ac.abort();
      },
      signal: ac.signal,
    });
    expect(r.stopReason).toBe('cancelled');
    expect(batches).toBe(3);
    expect(r.epochsDone).toBe(0);
    const y = tf.tidy(() => (model.predict(tf.zeros([1, 12, 12, 1])) as tf.Tensor).dataSync());
    expect(y.length).toBe(4);
    expect(Array.from(y).every(Number.isFinite)).toBe(true);
    model.dispose();
  });

  it('honours frozen layers: their weights do not change', async () => {
    const data = quadrantData(64);
    const model = tinyCnn();
    model.getLayer('conv').trainable = false;
    const before = model.getLayer('conv').getWeights().map((w) => w.arraySync());
    const outBefore = model.getLayer('out').getWeights()[0].arraySync();
    await trainModel(tf, model, data, settings({ epochs: 1 }));
    expect(model.getLayer('conv').getWeights().map((w) => w.arraySync())).toEqual(before);
    expect(model.getLayer('out').getWeights()[0].arraySync()).not.toEqual(outBefore);
    model.getLayer('out').trainable = false;
    model.getLayer('conv').trainable = false;
    await expect(trainModel(tf, model, data, settings({ epochs: 1 }))).rejects.toThrow(/frozen/);
    model.dispose();
  });

  it('early stopping stops after `patience` epochs without improvement', async () => {
    const data = quadrantData(64);
    const model = tinyCnn();
    // learning rate 0: the validation loss never improves after epoch 1
    const r = await trainModel(tf, model, data, settings({ epochs: 30, learningRate: 1e-30, optimizer: 'sgd', momentum: 0, earlyStopping: { patience: 2 } }));
    expect(r.stopReason).toBe('early-stopped');
    expect(r.epochsDone).toBe(3);
    expect(r.history.map((h) => h.best)).toEqual([true, false, false]);
    model.dispose();
  });

  it('restores the best epoch weights after a cancel in the middle of an epoch', async () => {
    const data = quadrantData(128);
    const model = tinyCnn();
    const ac = new AbortController();
    let epoch1: number[][] = [];
    let afterEpoch = 0;
    const r = await trainModel(tf, model, data, settings({ epochs: 5 }), {
      onEpoch: () => (epoch1 = model.getWeights().map((w) => Array.from(w.dataSync()))),
      onBatch: (p) => {
        if (p.epoch === 2 && ++afterEpoch === 2) ac.abort();
      },
      signal: ac.signal,
    });
    expect(r.stopReason).toBe('cancelled');
    expect(r.epochsDone).toBe(1);
    expect(r.restoredEpoch).toBe(1);
    expect(model.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(epoch1);
    model.dispose();
  });

  it('rejects a dataset with more classes than output units, naming both', async () => {
    const data = quadrantData(16);
    const model = tinyCnn([12, 12, 1], 3);
    await expect(trainModel(tf, model, data, settings())).rejects.toThrow(/4 classes .* 3 units; set the last Dense layer to 4 units/);
    model.dispose();
  });

  it('rejects a shape mismatch unless adaptInput, then resizes and converts channels', async () => {
    const data = quadrantData(64);
    const model = tinyCnn([16, 16, 3]);
    await expect(trainModel(tf, model, data, settings({ epochs: 1 }))).rejects.toThrow(/12×12×1 .* 16×16×3/);
    const r = await trainModel(tf, model, data, settings({ epochs: 2, adaptInput: true }));
    expect(r.epochsDone).toBe(2);
    model.dispose();
  });
});

describe('splitIndices', () => {
  it('is deterministic, disjoint and covers the set', () => {
    const a = splitIndices(100, 0.2, 3);
    const b = splitIndices(100, 0.2, 3);
    expect(Array.from(a.val)).toEqual(Array.from(b.val));
    expect(a.val.length).toBe(20);
    const all = new Set([...a.train, ...a.val]);
    expect(all.size).toBe(100);
    expect(Array.from(splitIndices(100, 0.2, 4).val)).not.toEqual(Array.from(a.val));
    expect(splitIndices(100, 0.5, 1, 10).train.length).toBe(5);
  });

  it('stratifies by label: each class gives its share to validation', () => {
    const labels = Int32Array.from({ length: 100 }, (_, i) => (i < 90 ? 0 : 1));
    const { val } = splitIndices(100, 0.2, 5, 0, labels);
    expect(Array.from(val).filter((i) => labels[i] === 1).length).toBe(2);
    expect(Array.from(val).filter((i) => labels[i] === 0).length).toBe(18);
  });
});

describe('resolveSettings', () => {
  it('layers defaults, the document and overrides, and names bad fields with the value', () => {
    const r = resolveSettings({ training: { batchSize: 64, optimizer: 'sgd' } }, { epochs: 2 });
    expect(r.ok && r.value).toMatchObject({ batchSize: 64, epochs: 2, optimizer: 'sgd', learningRate: 0.01 });
    const bad = resolveSettings(null, { batchSize: 0 });
    expect(!bad.ok && bad.error).toMatch(/batchSize.*received 0/);
  });
});
