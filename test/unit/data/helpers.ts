/**
 * Writers of tiny dataset files for the tests, written from the format
 * specifications (LeCun's IDX page, the CIFAR-10 page), independently of the
 * readers in engine/data.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';

export function tempDir(prefix = 'cnnd-data-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** An IDX file of unsigned bytes with the given dims. */
export function idxBytes(dims: number[], data: ArrayLike<number>, type = 0x08): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head[2] = type;
  head[3] = dims.length;
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, Buffer.from(Uint8Array.from(data))]);
}

/** Pixel value of image n at (y, x, c) in the IDX fixtures: a pattern any mix-up breaks. */
export const idxPixel = (n: number, y: number, x: number, c = 0) => (n * 37 + y * 11 + x * 5 + c * 101) % 256;

export interface IdxFixture {
  trainN: number;
  testN: number;
  h: number;
  w: number;
  trainLabels: number[];
  testLabels: number[];
}

/** Writes the four IDX files of a small MNIST-like set into `dir`. */
export function writeIdxSet(
  dir: string,
  o: { trainN?: number; testN?: number; h?: number; w?: number; gzip?: boolean; kaggleNames?: boolean; classes?: number } = {},
): IdxFixture {
  const { trainN = 23, testN = 7, h = 5, w = 4, gzip = false, classes = 10 } = o;
  mkdirSync(dir, { recursive: true });
  const img = (n: number) => {
    const a: number[] = [];
    for (let i = 0; i < n; i++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) a.push(idxPixel(i, y, x));
    return a;
  };
  const trainLabels = Array.from({ length: trainN }, (_, i) => (i * 7) % classes);
  const testLabels = Array.from({ length: testN }, (_, i) => (i * 3 + 1) % classes);
  const name = (split: string, what: string, nd: number) => (o.kaggleNames ? `${split}-${what}.idx${nd}-ubyte` : `${split}-${what}-idx${nd}-ubyte`) + (gzip ? '.gz' : '');
  const put = (file: string, b: Buffer) => writeFileSync(path.join(dir, file), gzip ? gzipSync(b) : b);
  put(name('train', 'images', 3), idxBytes([trainN, h, w], img(trainN)));
  put(name('train', 'labels', 1), idxBytes([trainN], trainLabels));
  put(name('t10k', 'images', 3), idxBytes([testN, h, w], img(testN)));
  put(name('t10k', 'labels', 1), idxBytes([testN], testLabels));
  return { trainN, testN, h, w, trainLabels, testLabels };
}

/** CIFAR pixel of record n at (y, x) channel c (0 = R). */
export const cifarPixel = (n: number, y: number, x: number, c: number) => (n * 13 + y * 7 + x * 3 + c * 85) % 256;

/** One CIFAR-10 binary batch: per record the label then R, G, B planes of 32×32. */
export function cifarBatch(labels: number[], first = 0): Buffer {
  const rec = 3073;
  const b = Buffer.alloc(labels.length * rec);
  labels.forEach((l, k) => {
    const n = first + k;
    b[k * rec] = l;
    for (let c = 0; c < 3; c++) for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) b[k * rec + 1 + c * 1024 + y * 32 + x] = cifarPixel(n, y, x, c);
  });
  return b;
}

export const CIFAR_META = 'airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n';

/** A small CIFAR-10 directory: `batches` training files of `per` records, and a test file. */
export function writeCifarSet(dir: string, o: { batches?: number; per?: number; testN?: number; meta?: string | null } = {}) {
  const { batches = 2, per = 6, testN = 5 } = o;
  mkdirSync(dir, { recursive: true });
  const trainLabels: number[] = [];
  for (let b = 0; b < batches; b++) {
    const labels = Array.from({ length: per }, (_, i) => (b * per + i) % 10);
    trainLabels.push(...labels);
    writeFileSync(path.join(dir, `data_batch_${b + 1}.bin`), cifarBatch(labels, b * per));
  }
  const testLabels = Array.from({ length: testN }, (_, i) => (i * 3) % 10);
  writeFileSync(path.join(dir, 'test_batch.bin'), cifarBatch(testLabels, 1000));
  if (o.meta !== null) writeFileSync(path.join(dir, 'batches.meta.txt'), o.meta ?? CIFAR_META);
  return { trainLabels, testLabels };
}

/** Collects every batch of an async iterable. */
export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
