/**
 * CIFAR-10, binary version (cifar-10-binary.tar.gz, extracted): data_batch_1.bin
 * … data_batch_5.bin for training, test_batch.bin for testing, batches.meta.txt
 * with the class names. Each record is 3,073 bytes: the label, then 1,024 red,
 * 1,024 green and 1,024 blue bytes of a 32×32 image, row by row. Records are
 * read from disk batch by batch (never the whole 150 MB) and turned from
 * planar CHW into the HWC the network takes.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { RecordDataset, type SplitSource } from './base';
import { DatasetError, throwIfAborted } from './errors';
import { describeDir, findFile, listDir, PositionalFile, requireDir } from './fileio';
import type { DatasetKind } from './kind';
import { checkParams, dirTarget, formatSpec } from './spec';
import type { OpenOptions } from './types';

export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
const SIDE = 32;
const PIX = SIDE * SIDE * 3;
const REC = PIX + 1;
const GET = 'Download the binary version (cifar-10-binary.tar.gz from www.cs.toronto.edu/~kriz/cifar.html) and extract it: `tar xzf cifar-10-binary.tar.gz`.';

/** Turns one planar record (label byte skipped) into HWC. */
function planarToHwc(rec: Uint8Array, out: Uint8Array, o: number): void {
  const plane = SIDE * SIDE;
  for (let p = 0; p < plane; p++) {
    out[o + 3 * p] = rec[1 + p];
    out[o + 3 * p + 1] = rec[1 + plane + p];
    out[o + 3 * p + 2] = rec[1 + 2 * plane + p];
  }
}

interface BatchFile {
  pf: PositionalFile;
  count: number;
}

async function openBatchFile(file: string, numClasses: number, labelsOut: number[], opts: OpenOptions): Promise<BatchFile> {
  const pf = await PositionalFile.open(file);
  try {
    if (pf.size === 0 || pf.size % REC !== 0) {
      const hint = pf.size % 3074 === 0 && pf.size > 0 ? ' It looks like CIFAR-100 (3,074-byte records), which is not supported; use cifar10 files.' : '';
      throw new DatasetError(
        'BAD_LENGTH',
        `${file} is ${pf.size.toLocaleString('en-US')} bytes, not a whole number of 3,073-byte CIFAR-10 records (a full batch file is 30,730,000 bytes).${hint}`,
        `The file is truncated or is not a CIFAR-10 binary batch. ${GET}`,
        file,
      );
    }
    const count = pf.size / REC;
    // Read the label bytes in chunks (the pixels are left on disk).
    const chunkRecs = 1024;
    for (let start = 0; start < count; start += chunkRecs) {
      throwIfAborted(opts.signal, `Opening ${file}`);
      const n = Math.min(chunkRecs, count - start);
      const buf = await pf.readAt(start * REC, n * REC);
      for (let i = 0; i < n; i++) {
        const v = buf[i * REC];
        if (v >= numClasses) {
          throw new DatasetError('BAD_LABEL', `${file}: record ${start + i} has label ${v}, but there are ${numClasses} classes (0…${numClasses - 1}).`, `The file is corrupt or not CIFAR-10. ${GET}`, file);
        }
        labelsOut.push(v);
      }
    }
    return { pf, count };
  } catch (e) {
    await pf.close();
    throw e;
  }
}

function fileSource(files: BatchFile[], labels: Int32Array, counter: { samplesRead: number }): SplitSource {
  const starts: number[] = [];
  let acc = 0;
  for (const f of files) {
    starts.push(acc);
    acc += f.count;
  }
  return {
    count: acc,
    labels,
    async read(indices, out) {
      // Group the wanted records by file, read each group (adjacent records in one read), then transpose.
      const byFile = new Map<number, number[]>();
      indices.forEach((g, k) => {
        let f = files.length - 1;
        while (starts[f] > g) f--;
        const list = byFile.get(f) ?? [];
        list.push(k);
        byFile.set(f, list);
      });
      const tmp = new Uint8Array(indices.length * REC);
      await Promise.all(
        [...byFile].map(async ([f, ks]) => {
          const sub = new Uint8Array(ks.length * REC);
          await files[f].pf.readRecords(ks.map((k) => (indices[k] - starts[f]) * REC), REC, sub);
          ks.forEach((k, j) => tmp.set(sub.subarray(j * REC, (j + 1) * REC), k * REC));
        }),
      );
      for (let k = 0; k < indices.length; k++) planarToHwc(tmp.subarray(k * REC, (k + 1) * REC), out, k * PIX);
      counter.samplesRead += indices.length;
    },
  };
}

async function readClassNames(dir: string): Promise<{ names: string[]; file?: string }> {
  const file = await findFile(dir, ['batches.meta.txt']);
  if (!file) return { names: [...CIFAR10_CLASSES] };
  const text = await fsp.readFile(file, 'utf8').catch((e) => {
    throw new DatasetError('UNREADABLE', `Cannot read ${file} (${(e as NodeJS.ErrnoException).code}).`, 'Check that the file is readable.', file);
  });
  const names = text.split(/\r?\n/).map((s) => s.trim()).filter(Boolean);
  if (names.length < 2) {
    throw new DatasetError('BAD_FORMAT', `${file} lists ${names.length} class name${names.length === 1 ? '' : 's'}; CIFAR-10's lists 10, one per line.`, `Restore the file from the archive, or delete it to use the standard CIFAR-10 names.`, file);
  }
  return { names, file };
}

export const cifar10Kind: DatasetKind = {
  kind: 'cifar10',
  label: 'CIFAR-10',
  description: '60,000 colour photos 32×32 in 10 classes (binary batches).',
  expects: 'data_batch_1.bin … data_batch_5.bin, test_batch.bin, batches.meta.txt',
  options: [],
  async open(p, spec, opts) {
    checkParams(spec, p, this.options);
    let dir = dirTarget(spec, p, '/path/to/cifar-10-batches-bin');
    await requireDir(dir, 'CIFAR-10', GET);
    // Accept the directory the archive was extracted into as well as the batches directory itself.
    const inner = path.join(dir, 'cifar-10-batches-bin');
    if (!(await findFile(dir, ['test_batch.bin'])) && (await listDir(dir)).some((e) => e.isDirectory() && e.name === 'cifar-10-batches-bin')) dir = inner;

    const entries = (await listDir(dir)).map((e) => e.name);
    const trainNames = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`).filter((n) => entries.includes(n));
    const hasTest = entries.includes('test_batch.bin');
    if (trainNames.length === 0 || !hasTest) {
      let why = `${dir} has no ${trainNames.length === 0 ? 'data_batch_1.bin' : 'test_batch.bin'}; ${await describeDir(dir)}.`;
      if (entries.includes('data_batch_1') || entries.includes('test_batch')) why = `${dir} holds the Python (pickle) version of CIFAR-10 (data_batch_1 without .bin), which cannot be read here.`;
      else if (entries.some((n) => /\.tar\.gz$|\.tgz$/.test(n))) why = `${dir} holds an archive that is not extracted yet.`;
      throw new DatasetError('NOT_FOUND', why, GET, path.join(dir, trainNames.length === 0 ? 'data_batch_1.bin' : 'test_batch.bin'));
    }
    const { names: classNames } = await readClassNames(dir);
    const counter = { samplesRead: 0 };
    const opened: BatchFile[] = [];
    const closeAll = () => Promise.all(opened.map((f) => f.pf.close())).then(() => undefined);
    try {
      const trainLabels: number[] = [];
      const trainFiles: BatchFile[] = [];
      for (const [i, n] of trainNames.entries()) {
        opts.onProgress?.({ phase: 'scan', done: i, total: trainNames.length + 1, file: path.join(dir, n) });
        const f = await openBatchFile(path.join(dir, n), classNames.length, trainLabels, opts);
        opened.push(f);
        trainFiles.push(f);
      }
      const testLabels: number[] = [];
      const testFile = await openBatchFile(path.join(dir, 'test_batch.bin'), classNames.length, testLabels, opts);
      opened.push(testFile);
      opts.onProgress?.({ phase: 'scan', done: trainNames.length + 1, total: trainNames.length + 1 });
      return new RecordDataset({
        spec: formatSpec({ ...p, target: dir }),
        name: 'CIFAR-10',
        inputShape: [SIDE, SIDE, 3],
        classNames,
        train: fileSource(trainFiles, Int32Array.from(trainLabels), counter),
        test: fileSource([testFile], Int32Array.from(testLabels), counter),
        resources: { residentBytes: () => 0, close: closeAll },
        counter,
      });
    } catch (e) {
      await closeAll();
      throw e;
    }
  },
};
