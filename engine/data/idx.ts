/**
 * MNIST and Fashion-MNIST: IDX files (LeCun's format), gzipped or not.
 *
 * IDX = 2 zero bytes, a type byte (0x08 = unsigned byte, the only one these
 * sets use), a byte with the number of dimensions, then each dimension as a
 * big-endian uint32, then the data, row-major. Images are N×H×W (or N×H×W×C),
 * labels are N. An uncompressed images file is read from disk batch by batch;
 * a gzipped one is decompressed once into memory as uint8 (47 MB for the
 * 60,000 training images), since gzip cannot be read at random positions.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { memorySource, RecordDataset, type SplitSource, type SourceResources } from './base';
import { DatasetError, throwIfAborted } from './errors';
import { describeDir, findFile, gunzipFile, isGzip, PositionalFile, readWhole, requireDir } from './fileio';
import type { DatasetKind } from './kind';
import { checkParams, dirTarget, formatSpec, type ParsedSpec } from './spec';
import type { ImageShape, OpenOptions } from './types';

/** Fashion-MNIST's class names, from its README (label 0…9). */
export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
export const MNIST_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

const IDX_TYPES: Record<number, string> = { 0x08: 'unsigned byte', 0x09: 'signed byte', 0x0b: 'int16', 0x0c: 'int32', 0x0d: 'float32', 0x0e: 'float64' };

/** The accepted names of each file: the official ones (`train-images-idx3-ubyte`) and Kaggle's (`train-images.idx3-ubyte`), each raw or .gz. */
export function idxFileNames(split: 'train' | 't10k', what: 'images' | 'labels'): string[] {
  const n = what === 'images' ? 3 : 1;
  const bases = [`${split}-${what}-idx${n}-ubyte`, `${split}-${what}.idx${n}-ubyte`];
  return bases.flatMap((b) => [b, `${b}.gz`]);
}

export interface IdxHeader {
  dims: number[];
  /** Bytes before the data. */
  dataOffset: number;
}

/** Parses and checks an IDX header; `bytes` must hold at least the header. */
export function parseIdxHeader(bytes: Uint8Array, file: string, role: 'images' | 'labels'): IdxHeader {
  const bad = (problem: string) => new DatasetError('BAD_FORMAT', `${file}: ${problem}`, `It is not an IDX ${role} file, or it is corrupt: download it again.`, file);
  if (bytes.length < 4) throw new DatasetError('BAD_LENGTH', `${file} is only ${bytes.length} bytes long, too short for an IDX header.`, 'The file is truncated: download it again.', file);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const magic = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw bad(`bad magic number ${magic} (an IDX file starts with 00 00 08 0${role === 'images' ? 3 : 1}).`);
  }
  const type = bytes[2];
  if (type !== 0x08) {
    throw bad(`its data type is ${IDX_TYPES[type] ?? `0x${type.toString(16)} (unknown)`}; MNIST-style ${role} are unsigned bytes (type 0x08).`);
  }
  const nd = bytes[3];
  const okDims = role === 'images' ? [3, 4] : [1];
  if (!okDims.includes(nd)) {
    throw bad(`it has ${nd} dimension${nd === 1 ? '' : 's'}; ${role} files have ${role === 'images' ? '3 (count, height, width) or 4 (… channels)' : '1 (count)'}. Did you swap the images and labels files?`);
  }
  const dataOffset = 4 + 4 * nd;
  if (bytes.length < dataOffset) throw new DatasetError('BAD_LENGTH', `${file} ends inside its IDX header (${bytes.length} of ${dataOffset} bytes).`, 'The file is truncated: download it again.', file);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, dataOffset);
  const dims: number[] = [];
  for (let i = 0; i < nd; i++) dims.push(dv.getUint32(4 + 4 * i, false));
  if (role === 'images') {
    const [, h, w, c = 1] = dims;
    if (h < 1 || w < 1 || h > 4096 || w > 4096 || (c !== 1 && c !== 3)) {
      throw bad(`its image size ${dims.slice(1).join('×')} is not a valid image size (height and width 1…4096, 1 or 3 channels).`);
    }
  }
  return { dims, dataOffset };
}

function checkLength(file: string, total: number, h: IdxHeader): void {
  const expected = h.dataOffset + h.dims.reduce((a, b) => a * b, 1);
  if (total !== expected) {
    const what = total < expected ? 'is truncated' : 'has extra bytes at the end';
    throw new DatasetError(
      'BAD_LENGTH',
      `${file} ${what}: its header says ${h.dims.join('×')} values (${expected.toLocaleString('en-US')} bytes with the header) but the ${total < expected ? 'file' : 'data'} is ${total.toLocaleString('en-US')} bytes.`,
      'Download it again (an interrupted download or a partly copied file does this).',
      file,
    );
  }
}

interface OpenedImages {
  header: IdxHeader;
  source: (labels: Int32Array, counter: { samplesRead: number }) => SplitSource;
  resident: number;
  close(): Promise<void>;
}

async function openImages(file: string, opts: OpenOptions): Promise<OpenedImages> {
  const pf = await PositionalFile.open(file);
  const head = await pf.readAt(0, Math.min(pf.size, 20));
  if (isGzip(head)) {
    await pf.close();
    opts.onProgress?.({ phase: 'decompress', done: 0, total: 1, file });
    const data = await gunzipFile(await readWhole(file), file);
    throwIfAborted(opts.signal, `Opening ${file}`);
    opts.onProgress?.({ phase: 'decompress', done: 1, total: 1, file });
    const header = parseIdxHeader(data, file, 'images');
    checkLength(file, data.length, header);
    const [n, h, w, c = 1] = header.dims;
    return {
      header,
      resident: data.length,
      source: (labels, counter) => memorySource(data, header.dataOffset, n, h * w * c, labels, counter),
      close: async () => undefined,
    };
  }
  const header = parseIdxHeader(head, file, 'images');
  checkLength(file, pf.size, header);
  const [n, h, w, c = 1] = header.dims;
  const rec = h * w * c;
  return {
    header,
    resident: 0,
    source: (labels, counter) => ({
      count: n,
      labels,
      async read(indices, out) {
        await pf.readRecords(Array.from(indices, (i) => header.dataOffset + i * rec), rec, out);
        counter.samplesRead += indices.length;
      },
    }),
    close: () => pf.close(),
  };
}

async function readLabels(file: string, numClasses: number): Promise<Int32Array> {
  let bytes: Uint8Array = await readWhole(file);
  if (isGzip(bytes)) bytes = await gunzipFile(bytes as Buffer, file);
  const header = parseIdxHeader(bytes, file, 'labels');
  checkLength(file, bytes.length, header);
  const n = header.dims[0];
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = bytes[header.dataOffset + i];
    if (v >= numClasses) {
      throw new DatasetError('BAD_LABEL', `${file}: label ${v} at index ${i} is not a class of this set (0…${numClasses - 1}).`, 'The file is corrupt or belongs to another dataset: download it again.', file);
    }
    labels[i] = v;
  }
  return labels;
}

function makeIdxKind(kind: 'mnist' | 'fashion-mnist', label: string, classNames: string[], knownDirs: string[], getHint: string): DatasetKind {
  return {
    kind,
    label,
    description: kind === 'mnist' ? 'Handwritten digits 0–9, 28×28 grey (IDX files).' : 'Zalando clothing photos in 10 classes, 28×28 grey (IDX files).',
    expects: 'train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (each may be .gz)',
    options: [],
    knownDirs,
    async open(p: ParsedSpec, spec: string, opts: OpenOptions) {
      checkParams(spec, p, this.options);
      // `fashion-mnist:` alone means the system-wide copy, when there is one.
      let installed: string | undefined;
      for (const d of p.target ? [] : knownDirs) if (!installed && (await fsp.stat(d).then((st) => st.isDirectory(), () => false))) installed = d;
      const dir = installed ?? dirTarget(spec, p, knownDirs[0] ?? '/path/to/dir');
      await requireDir(dir, label, getHint);
      const files: Record<string, string> = {};
      for (const [key, split, what] of [
        ['trainImages', 'train', 'images'],
        ['trainLabels', 'train', 'labels'],
        ['testImages', 't10k', 'images'],
        ['testLabels', 't10k', 'labels'],
      ] as const) {
        const names = idxFileNames(split, what);
        const f = await findFile(dir, names);
        if (!f) {
          throw new DatasetError(
            'NOT_FOUND',
            `${dir} has no ${names[0]} (or ${names[1]}, or either with .gz); ${await describeDir(dir)}.`,
            `A ${label} directory holds the four IDX files train-images, train-labels, t10k-images and t10k-labels. ${getHint}`,
            path.join(dir, names[0]),
          );
        }
        files[key] = f;
      }
      const counter = { samplesRead: 0 };
      const opened: OpenedImages[] = [];
      const closeAll = () => Promise.all(opened.map((o) => o.close())).then(() => undefined);
      try {
        const trainImg = await openImages(files.trainImages, opts);
        opened.push(trainImg);
        const testImg = await openImages(files.testImages, opts);
        opened.push(testImg);
        const [, th, tw, tc = 1] = trainImg.header.dims;
        const [, sh, sw, sc = 1] = testImg.header.dims;
        if (th !== sh || tw !== sw || tc !== sc) {
          throw new DatasetError('MISMATCH', `${files.trainImages} holds ${th}×${tw}×${tc} images but ${files.testImages} holds ${sh}×${sw}×${sc}.`, 'Both files must come from the same dataset.', files.testImages);
        }
        const trainLabels = await readLabels(files.trainLabels, classNames.length);
        const testLabels = await readLabels(files.testLabels, classNames.length);
        for (const [img, lab, imgFile, labFile] of [
          [trainImg, trainLabels, files.trainImages, files.trainLabels],
          [testImg, testLabels, files.testImages, files.testLabels],
        ] as const) {
          if (img.header.dims[0] !== lab.length) {
            throw new DatasetError(
              'MISMATCH',
              `${imgFile} holds ${img.header.dims[0].toLocaleString('en-US')} images but ${labFile} holds ${lab.length.toLocaleString('en-US')} labels.`,
              'Each images file needs the labels file of the same split and dataset; download both again.',
              labFile,
            );
          }
        }
        const inputShape: ImageShape = [th, tw, tc];
        const resources: SourceResources = { residentBytes: () => trainImg.resident + testImg.resident, close: closeAll };
        return new RecordDataset({
          spec: formatSpec({ ...p, target: dir }),
          name: label,
          inputShape,
          classNames: [...classNames],
          train: trainImg.source(trainLabels, counter),
          test: testImg.source(testLabels, counter),
          resources,
          counter,
        });
      } catch (e) {
        await closeAll();
        throw e;
      }
    },
  };
}

export const fashionMnistKind = makeIdxKind(
  'fashion-mnist',
  'Fashion-MNIST',
  FASHION_MNIST_CLASSES,
  ['/usr/share/datasets/fashion-mnist'],
  'On Debian/Ubuntu, `apt install dataset-fashion-mnist` puts them in /usr/share/datasets/fashion-mnist; or download them from github.com/zalandoresearch/fashion-mnist.',
);

export const mnistKind = makeIdxKind('mnist', 'MNIST', MNIST_CLASSES, [], 'Download the four files from the MNIST page (yann.lecun.com/exdb/mnist or a mirror) into one directory.');
