import { readFileSync, writeFileSync, unlinkSync, renameSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetError, FASHION_MNIST_CLASSES, openDataset } from '../../../engine/data';
import { collect, idxBytes, idxPixel, tempDir, writeIdxSet } from './helpers';

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  tmp = tempDir();
});
afterAll(() => tmp.cleanup());

/** Expects openDataset(spec) to reject with a DatasetError of `code` whose message matches every pattern. */
async function expectError(spec: string, code: string, ...patterns: RegExp[]) {
  const err = await openDataset(spec).then(
    () => null,
    (e) => e,
  );
  expect(err).toBeInstanceOf(DatasetError);
  expect(err.code).toBe(code);
  for (const p of patterns) expect(err.message).toMatch(p);
  return err as DatasetError;
}

describe.each([
  { variant: 'raw', gzip: false, kaggleNames: false },
  { variant: 'gzip', gzip: true, kaggleNames: false },
  { variant: 'kaggle names', gzip: false, kaggleNames: true },
])('IDX ($variant)', ({ variant, gzip, kaggleNames }) => {
  let dir: string;
  let fx: ReturnType<typeof writeIdxSet>;
  beforeAll(() => {
    dir = path.join(tmp.dir, `idx-${variant.replace(' ', '-')}`);
    fx = writeIdxSet(dir, { gzip, kaggleNames });
  });

  it('reads shape, counts, class names and class counts', async () => {
    const ds = await openDataset(`fashion-mnist:${dir}`);
    expect(ds.spec).toBe(`fashion-mnist:${dir}`);
    expect(ds.name).toBe('Fashion-MNIST');
    expect(ds.inputShape).toEqual([fx.h, fx.w, 1]);
    expect(ds.counts).toEqual({ train: fx.trainN, test: fx.testN });
    expect(ds.classNames).toEqual(FASHION_MNIST_CLASSES);
    const expectCounts = (labels: number[]) => Array.from({ length: 10 }, (_, k) => labels.filter((l) => l === k).length);
    expect(ds.classCounts.train).toEqual(expectCounts(fx.trainLabels));
    expect(ds.classCounts.test).toEqual(expectCounts(fx.testLabels));
    expect(Array.from(await ds.labels('test'))).toEqual(fx.testLabels);
    await ds.close();
  });

  it('streams every sample in file order with exact pixel values and labels', async () => {
    const ds = await openDataset(`mnist:${dir}`);
    expect(ds.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    const batches = await collect(ds.batches('train', { batchSize: 5 }));
    expect(batches.map((b) => b.size)).toEqual([5, 5, 5, 5, 3]);
    const px = fx.h * fx.w;
    let n = 0;
    for (const b of batches) {
      expect(b.xs.length).toBe(b.size * px);
      expect(b.shape).toEqual([fx.h, fx.w, 1]);
      for (let k = 0; k < b.size; k++, n++) {
        expect(b.labels[k]).toBe(fx.trainLabels[n]);
        expect(b.indices[k]).toBe(n);
        for (let y = 0; y < fx.h; y++) for (let x = 0; x < fx.w; x++) expect(b.xs[k * px + y * fx.w + x]).toBe(Math.fround(idxPixel(n, y, x) / 255));
      }
    }
    expect(n).toBe(fx.trainN);
    const s = await ds.sample('test', 6);
    expect(s.label).toBe(fx.testLabels[6]);
    expect(s.shape).toEqual([fx.h, fx.w, 1]);
    expect(s.pixels[3]).toBe(Math.fround(idxPixel(6, 0, 3) / 255));
    await ds.close();
  });
});

it('reads 4-dimensional colour IDX images (N×H×W×C)', async () => {
  const dir = path.join(tmp.dir, 'idx-colour');
  writeIdxSet(dir, { trainN: 3, testN: 2 });
  const px = (n: number, i: number) => (n * 50 + i) % 256;
  const img = (n: number) => Array.from({ length: n * 2 * 3 * 3 }, (_, j) => px(Math.floor(j / 18), j % 18));
  writeFileSync(path.join(dir, 'train-images-idx3-ubyte'), idxBytes([3, 2, 3, 3], img(3)));
  writeFileSync(path.join(dir, 't10k-images-idx3-ubyte'), idxBytes([2, 2, 3, 3], img(2)));
  const ds = await openDataset(`mnist:${dir}`);
  expect(ds.inputShape).toEqual([2, 3, 3]);
  const s = await ds.sample('train', 2);
  expect(Array.from(s.pixels)).toEqual(Array.from({ length: 18 }, (_, i) => Math.fround(px(2, i) / 255)));
  const [b] = await collect(ds.batches('test', { batchSize: 5, channels: 1 }));
  expect(b.shape).toEqual([2, 3, 1]);
  expect(b.xs[0]).toBeCloseTo((0.2989 * px(0, 0) + 0.587 * px(0, 1) + 0.114 * px(0, 2)) / 255, 5);
  await ds.close();
});

describe('IDX errors', () => {
  const fresh = (name: string, o: Parameters<typeof writeIdxSet>[1] = {}) => {
    const dir = path.join(tmp.dir, name);
    writeIdxSet(dir, o);
    return dir;
  };

  it('a missing directory says how to get the files', async () => {
    const err = await expectError(`fashion-mnist:${tmp.dir}/nope`, 'NOT_FOUND', /nope does not exist/, /apt install dataset-fashion-mnist/);
    expect(err.file).toBe(path.join(tmp.dir, 'nope'));
  });

  it('a missing file is named, with what the directory holds', async () => {
    const dir = fresh('missing-file');
    unlinkSync(path.join(dir, 't10k-labels-idx1-ubyte'));
    await expectError(`mnist:${dir}`, 'NOT_FOUND', /has no t10k-labels-idx1-ubyte/, /it holds t10k-images-idx3-ubyte, train-images/);
  });

  it('a bad magic number', async () => {
    const dir = fresh('bad-magic');
    const f = path.join(dir, 'train-images-idx3-ubyte');
    const b = readFileSync(f);
    b[0] = 0x50; // e.g. a PNG or text file renamed
    writeFileSync(f, b);
    await expectError(`mnist:${dir}`, 'BAD_FORMAT', /train-images-idx3-ubyte: bad magic number 50 00 08 03/);
  });

  it('a non-byte data type', async () => {
    const dir = fresh('bad-type');
    writeFileSync(path.join(dir, 'train-labels-idx1-ubyte'), idxBytes([23], new Array(92).fill(0), 0x0c));
    await expectError(`mnist:${dir}`, 'BAD_FORMAT', /train-labels-idx1-ubyte: its data type is int32/);
  });

  it('images and labels files swapped (wrong number of dimensions)', async () => {
    const dir = fresh('swapped');
    const a = path.join(dir, 't10k-images-idx3-ubyte');
    const b = path.join(dir, 't10k-labels-idx1-ubyte');
    renameSync(a, a + '.tmp');
    renameSync(b, a);
    renameSync(a + '.tmp', b);
    await expectError(`mnist:${dir}`, 'BAD_FORMAT', /t10k-images-idx3-ubyte: it has 1 dimension; images files have 3/, /swap/);
  });

  it('a truncated images file (raw and gzipped) gives the expected and actual length', async () => {
    const dir = fresh('truncated');
    const f = path.join(dir, 'train-images-idx3-ubyte');
    const b = readFileSync(f);
    writeFileSync(f, b.subarray(0, b.length - 9));
    await expectError(`mnist:${dir}`, 'BAD_LENGTH', /train-images-idx3-ubyte is truncated: its header says 23×5×4 values \(476 bytes with the header\) but the file is 467 bytes/, /Download it again/);
    const gz = fresh('truncated-gz', { gzip: true });
    writeFileSync(path.join(gz, 'train-labels-idx1-ubyte.gz'), gzipSync(idxBytes([23], new Array(20).fill(1))));
    await expectError(`mnist:${gz}`, 'BAD_LENGTH', /train-labels-idx1-ubyte\.gz is truncated/);
  });

  it('extra bytes at the end', async () => {
    const dir = fresh('extra');
    const f = path.join(dir, 't10k-images-idx3-ubyte');
    writeFileSync(f, Buffer.concat([readFileSync(f), Buffer.alloc(3)]));
    await expectError(`mnist:${dir}`, 'BAD_LENGTH', /t10k-images-idx3-ubyte has extra bytes at the end/);
  });

  it('a corrupt gzip stream', async () => {
    const dir = fresh('bad-gzip', { gzip: true });
    const f = path.join(dir, 'train-images-idx3-ubyte.gz');
    const b = readFileSync(f);
    writeFileSync(f, b.subarray(0, Math.floor(b.length / 2)));
    await expectError(`fashion-mnist:${dir}`, 'BAD_FORMAT', /train-images-idx3-ubyte\.gz is not a valid gzip file/);
  });

  it('image and label counts that differ', async () => {
    const dir = fresh('count-mismatch');
    writeFileSync(path.join(dir, 'train-labels-idx1-ubyte'), idxBytes([22], new Array(22).fill(1)));
    const err = await expectError(`mnist:${dir}`, 'MISMATCH', /train-images-idx3-ubyte holds 23 images but .*train-labels-idx1-ubyte holds 22 labels/);
    expect(err.file).toBe(path.join(dir, 'train-labels-idx1-ubyte'));
  });

  it('a label outside 0…9', async () => {
    const dir = fresh('bad-label');
    const labels = new Array(7).fill(2);
    labels[4] = 12;
    writeFileSync(path.join(dir, 't10k-labels-idx1-ubyte'), idxBytes([7], labels));
    await expectError(`mnist:${dir}`, 'BAD_LABEL', /t10k-labels-idx1-ubyte: label 12 at index 4/);
  });

  it('train and test images of different sizes', async () => {
    const dir = fresh('size-mismatch');
    writeFileSync(path.join(dir, 't10k-images-idx3-ubyte'), idxBytes([7, 6, 4], new Array(7 * 24).fill(0)));
    await expectError(`mnist:${dir}`, 'MISMATCH', /holds 5×4×1 images but .*t10k-images-idx3-ubyte holds 6×4×1/);
  });

  it('a directory given as a file, and options it does not take', async () => {
    const dir = fresh('as-file');
    await expectError(`mnist:${path.join(dir, 'train-images-idx3-ubyte')}`, 'NOT_FOUND', /is a file, not a directory/);
    await expectError(`mnist:${dir}?size=3`, 'BAD_SPEC', /unknown option "size"/, /takes no options/);
    await expectError('mnist:', 'BAD_SPEC', /names no directory/, /mnist:\/path\/to\/dir/);
  });

  it('closes its files so the directory can be removed', async () => {
    const dir = fresh('closing');
    const ds = await openDataset(`mnist:${dir}`);
    await ds.close();
    await ds.close(); // idempotent
    rmSync(dir, { recursive: true });
    await expect(collect(ds.batches('train', { batchSize: 2 }))).rejects.toThrow(/closed/);
    await expect(ds.sample('train', 0)).rejects.toThrow(/closed/);
  });
});
