import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CIFAR10_CLASSES, DatasetError, openDataset } from '../../../engine/data';
import { cifarBatch, cifarPixel, collect, tempDir, writeCifarSet } from './helpers';

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  tmp = tempDir();
});
afterAll(() => tmp.cleanup());

async function openError(spec: string): Promise<DatasetError> {
  const e = await openDataset(spec).then(
    () => null,
    (x) => x,
  );
  expect(e).toBeInstanceOf(DatasetError);
  return e;
}

describe('CIFAR-10 binary', () => {
  it('reads shape, class names from batches.meta.txt, counts and HWC pixels', async () => {
    const dir = path.join(tmp.dir, 'ok');
    const fx = writeCifarSet(dir, { batches: 3, per: 4, testN: 5 });
    const ds = await openDataset(`cifar10:${dir}`);
    expect(ds.inputShape).toEqual([32, 32, 3]);
    expect(ds.classNames).toEqual(CIFAR10_CLASSES);
    expect(ds.counts).toEqual({ train: 12, test: 5 });
    expect(Array.from(await ds.labels('train'))).toEqual(fx.trainLabels);
    expect(ds.classCounts.test).toEqual(Array.from({ length: 10 }, (_, k) => fx.testLabels.filter((l) => l === k).length));
    // Record 9 lives in data_batch_3 (records 8…11): check the planar → HWC transposition and the file offsets.
    const batches = await collect(ds.batches('train', { batchSize: 5, shuffle: true, seed: 3 }));
    const seen = new Set<number>();
    for (const b of batches) {
      for (let k = 0; k < b.size; k++) {
        const n = b.indices[k];
        seen.add(n);
        expect(b.labels[k]).toBe(fx.trainLabels[n]);
        for (const [y, x, c] of [
          [0, 0, 0],
          [31, 31, 2],
          [5, 17, 1],
          [20, 3, 0],
        ]) {
          expect(b.xs[k * 3072 + (y * 32 + x) * 3 + c]).toBe(Math.fround(cifarPixel(n, y, x, c) / 255));
        }
      }
    }
    expect(seen.size).toBe(12);
    const s = await ds.sample('test', 4);
    expect(s.label).toBe(fx.testLabels[4]);
    expect(s.pixels[(7 * 32 + 9) * 3 + 2]).toBe(Math.fround(cifarPixel(1004, 7, 9, 2) / 255));
    expect(ds.stats.residentBytes).toBe(0); // pixels stay on disk
    await ds.close();
  });

  it('accepts the directory the archive was extracted into, and custom class names', async () => {
    const parent = path.join(tmp.dir, 'parent');
    writeCifarSet(path.join(parent, 'cifar-10-batches-bin'), { meta: 'a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n' });
    const ds = await openDataset(`cifar10:${parent}`);
    expect(ds.spec).toBe(`cifar10:${path.join(parent, 'cifar-10-batches-bin')}`);
    expect(ds.classNames).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j']);
    await ds.close();
  });

  it('a file of the wrong size names it, its size and the record size', async () => {
    const dir = path.join(tmp.dir, 'short');
    writeCifarSet(dir);
    const f = path.join(dir, 'data_batch_2.bin');
    writeFileSync(f, readFileSync(f).subarray(0, 3073 * 6 - 100));
    const e = await openError(`cifar10:${dir}`);
    expect(e.code).toBe('BAD_LENGTH');
    expect(e.file).toBe(f);
    expect(e.message).toMatch(/data_batch_2\.bin is 18,338 bytes, not a whole number of 3,073-byte CIFAR-10 records/);
    expect(e.message).toMatch(/cifar-10-binary\.tar\.gz/);
  });

  it('the Python version, an unextracted archive, a missing test batch', async () => {
    const py = path.join(tmp.dir, 'python');
    mkdirSync(py);
    writeFileSync(path.join(py, 'data_batch_1'), 'pickle');
    writeFileSync(path.join(py, 'test_batch'), 'pickle');
    expect((await openError(`cifar10:${py}`)).message).toMatch(/Python \(pickle\) version/);

    const tar = path.join(tmp.dir, 'tar');
    mkdirSync(tar);
    writeFileSync(path.join(tar, 'cifar-10-binary.tar.gz'), 'x');
    expect((await openError(`cifar10:${tar}`)).message).toMatch(/archive that is not extracted/);

    const noTest = path.join(tmp.dir, 'notest');
    writeCifarSet(noTest);
    renameSync(path.join(noTest, 'test_batch.bin'), path.join(noTest, 'test.bin'));
    const e = await openError(`cifar10:${noTest}`);
    expect(e.code).toBe('NOT_FOUND');
    expect(e.message).toMatch(/has no test_batch\.bin; it holds batches\.meta\.txt, data_batch_1\.bin/);
  });

  it('a label byte outside the classes, a broken meta file, a missing directory', async () => {
    const dir = path.join(tmp.dir, 'badlabel');
    writeCifarSet(dir);
    writeFileSync(path.join(dir, 'test_batch.bin'), cifarBatch([1, 2, 200]));
    const e = await openError(`cifar10:${dir}`);
    expect(e.code).toBe('BAD_LABEL');
    expect(e.message).toMatch(/test_batch\.bin: record 2 has label 200/);

    const meta = path.join(tmp.dir, 'badmeta');
    writeCifarSet(meta, { meta: 'only-one\n' });
    expect((await openError(`cifar10:${meta}`)).message).toMatch(/batches\.meta\.txt lists 1 class name;/);

    const missing = await openError(`cifar10:${tmp.dir}/absent`);
    expect(missing.code).toBe('NOT_FOUND');
    expect(missing.message).toMatch(/absent does not exist.*cifar-10-binary/);
  });

  it('without batches.meta.txt uses the standard names', async () => {
    const dir = path.join(tmp.dir, 'nometa');
    writeCifarSet(dir, { meta: null });
    const ds = await openDataset(`cifar10:${dir}`);
    expect(ds.classNames).toEqual(CIFAR10_CLASSES);
    await ds.close();
  });
});
