/**
 * The real Fashion-MNIST files from Debian's dataset-fashion-mnist package,
 * checked against facts published with the dataset (not against our reader).
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FASHION_MNIST_CLASSES, openDataset } from '../../../engine/data';

const DIR = '/usr/share/datasets/fashion-mnist';
const present = existsSync(DIR);
if (!present) console.warn(`[skip] ${DIR} is absent (install Debian's dataset-fashion-mnist; .ci/run does) — real Fashion-MNIST tests skipped.`);

describe.skipIf(!present)(`real Fashion-MNIST in ${DIR}`, () => {
  it('has 60,000 + 10,000 images of 28×28×1, 6,000 / 1,000 per class, pixels in [0, 1] with the published mean', async () => {
    const ds = await openDataset(`fashion-mnist:${DIR}`);
    expect(ds.inputShape).toEqual([28, 28, 1]);
    expect(ds.counts).toEqual({ train: 60000, test: 10000 });
    expect(ds.classNames).toEqual(FASHION_MNIST_CLASSES);
    expect(ds.classCounts.train).toEqual(new Array(10).fill(6000));
    expect(ds.classCounts.test).toEqual(new Array(10).fill(1000));
    // The well-known first training images: an ankle boot, two T-shirts, a dress.
    expect(Array.from((await ds.labels('train')).subarray(0, 4))).toEqual([9, 0, 0, 3]);
    let sum = 0;
    let sq = 0;
    let min = 1;
    let max = 0;
    let n = 0;
    for await (const b of ds.batches('train', { batchSize: 2000 })) {
      for (let i = 0; i < b.xs.length; i++) {
        const v = b.xs[i];
        sum += v;
        sq += v * v;
        if (v < min) min = v;
        if (v > max) max = v;
      }
      n += b.xs.length;
    }
    expect(n).toBe(60000 * 784);
    expect(min).toBe(0);
    expect(max).toBe(1);
    // The usual normalisation constants of Fashion-MNIST: mean 0.2860, std 0.3530.
    const mean = sum / n;
    expect(mean).toBeCloseTo(0.286, 3);
    expect(Math.sqrt(sq / n - mean * mean)).toBeCloseTo(0.353, 3);
    await ds.close();
  });

  it('"fashion-mnist:" alone opens the installed copy', async () => {
    const ds = await openDataset('fashion-mnist:');
    expect(ds.spec).toBe(`fashion-mnist:${DIR}`);
    await ds.close();
  });
});
