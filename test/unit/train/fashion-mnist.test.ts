/**
 * Real Fashion-MNIST (Debian's dataset-fashion-mnist, installed by .ci/run):
 * the 28×28 template trained on a CI-sized subset must be well above chance
 * (10%) on held-out test images.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../../engine/backend';
import { openDataset } from '../../../engine/data';
import { loadGraphFile } from '../../../engine/graph/io';
import { datasetSplit } from '../../../engine/train/data-source';
import { evaluateModel } from '../../../engine/train/evaluate';
import { train } from '../../../engine/train/session';

const DIR = '/usr/share/datasets/fashion-mnist';

describe.skipIf(!existsSync(DIR))('Fashion-MNIST subset', () => {
  it('the mnist-cnn template learns well above chance from 2,000 images', async () => {
    const { tf } = await initBackend();
    const doc = await loadGraphFile('templates/mnist-cnn.json');
    if (!doc.ok) throw new Error(doc.message);
    const ds = await openDataset(`fashion-mnist:${DIR}`);
    try {
      const r = await train(doc.value, ds, { epochs: 2, limit: 2000, batchSize: 32, learningRate: 0.001, optimizer: 'adam' }, { tf });
      const ev = await evaluateModel(tf, r.model, datasetSplit(ds, 'test'), ds.classNames, { dataShape: ds.inputShape, limit: 1000 });
      r.model.dispose();
      expect(ev.count).toBe(1000);
      expect(ev.accuracy).toBeGreaterThan(0.6);
      // trousers and bags are the easy classes of Fashion-MNIST
      expect(ev.perClass[1].accuracy).toBeGreaterThan(0.7);
    } finally {
      await ds.close();
    }
  }, 180_000);
});
