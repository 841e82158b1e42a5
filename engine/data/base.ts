/**
 * The one implementation of batching, shuffling, resizing and sampling that
 * every format shares. A format only says how to read the uint8 HWC pixels of
 * some sample indices (a SplitSource); this file does the rest.
 */
import { DatasetError, throwIfAborted } from './errors';
import { writeSample } from './pixels';
import { shuffleInPlace } from './rng';
import type { Batch, BatchOptions, Dataset, DatasetStats, ImageShape, Sample, SkippedFile, Split } from './types';

/** What a format provides for one split. */
export interface SplitSource {
  /** Number of samples. */
  readonly count: number;
  /** Label of every sample (small: 4 bytes per sample). */
  readonly labels: Int32Array;
  /**
   * Reads the samples at `indices` (all in range) as uint8 HWC pixels of the
   * dataset's inputShape, one after the other in `out` (length indices.length × H×W×C).
   * Returns, when some samples could not be read and were skipped (folders with
   * skipBad), a flag per index: 1 = read, 0 = skipped.
   */
  read(indices: Int32Array, out: Uint8Array): Promise<Uint8Array | void>;
}

/** Things a format may hold and must release. */
export interface SourceResources {
  /** Bytes of sample data in memory now. */
  residentBytes(): number;
  close(): Promise<void>;
}

export interface RecordDatasetInit {
  spec: string;
  name: string;
  inputShape: ImageShape;
  classNames: string[];
  train: SplitSource;
  test: SplitSource;
  resources?: SourceResources;
  skipped?: SkippedFile[];
  /** Incremented by the sources; shared so `stats.samplesRead` covers both splits. */
  counter: { samplesRead: number };
}

function countClasses(labels: Int32Array, k: number): number[] {
  const c = new Array<number>(k).fill(0);
  for (let i = 0; i < labels.length; i++) c[labels[i]]++;
  return c;
}

export class RecordDataset implements Dataset {
  readonly spec: string;
  readonly name: string;
  readonly inputShape: ImageShape;
  readonly classNames: string[];
  readonly counts: { train: number; test: number };
  readonly classCounts: { train: number[]; test: number[] };
  readonly skipped: SkippedFile[];
  private readonly splits: Record<Split, SplitSource>;
  private readonly resources?: SourceResources;
  private readonly counter: { samplesRead: number };
  private closed = false;

  constructor(init: RecordDatasetInit) {
    this.spec = init.spec;
    this.name = init.name;
    this.inputShape = init.inputShape;
    this.classNames = init.classNames;
    this.splits = { train: init.train, test: init.test };
    this.counts = { train: init.train.count, test: init.test.count };
    const k = init.classNames.length;
    this.classCounts = { train: countClasses(init.train.labels, k), test: countClasses(init.test.labels, k) };
    this.skipped = init.skipped ?? [];
    this.resources = init.resources;
    this.counter = init.counter;
  }

  get stats(): DatasetStats {
    return { samplesRead: this.counter.samplesRead, residentBytes: this.resources?.residentBytes() ?? 0 };
  }

  private source(split: Split): SplitSource {
    if (this.closed) throw new DatasetError('OUT_OF_RANGE', `Dataset ${this.spec} is closed.`, 'Open it again with openDataset.');
    const s = this.splits[split];
    if (!s) throw new DatasetError('OUT_OF_RANGE', `Unknown split "${String(split)}".`, 'Use "train" or "test".');
    return s;
  }

  async labels(split: Split): Promise<Int32Array> {
    return this.source(split).labels.slice();
  }

  /** Shape of a sample after the batch options' resize/channels, validated. */
  outputShape(opts: Pick<BatchOptions, 'resize' | 'channels'>): ImageShape {
    const [h, w, c] = this.inputShape;
    let oh = h;
    let ow = w;
    if (opts.resize) {
      const [rh, rw] = opts.resize;
      if (![rh, rw].every((v) => Number.isInteger(v) && v >= 1 && v <= 4096)) {
        throw new DatasetError('OUT_OF_RANGE', `resize [${opts.resize.join(', ')}] is not two whole numbers from 1 to 4096.`, 'Pass resize: [height, width].');
      }
      oh = rh;
      ow = rw;
    }
    const oc = opts.channels ?? c;
    if (oc !== 1 && oc !== 3) throw new DatasetError('OUT_OF_RANGE', `channels ${String(oc)} is not 1 or 3.`, 'Pass channels: 1 or 3.');
    if (c !== 1 && c !== 3 && oc !== c) {
      throw new DatasetError('OUT_OF_RANGE', `Cannot convert ${c}-channel images to ${oc} channels.`, 'Leave channels unset.');
    }
    return [oh, ow, oc];
  }

  async *batches(split: Split, opts: BatchOptions): AsyncGenerator<Batch> {
    const src = this.source(split);
    const bs = opts.batchSize;
    if (!Number.isInteger(bs) || bs < 1) {
      throw new DatasetError('OUT_OF_RANGE', `batchSize ${String(bs)} is not a whole number ≥ 1.`, 'Use e.g. batchSize: 32.');
    }
    const out = this.outputShape(opts);
    let order: Int32Array;
    if (opts.indices) {
      order = Int32Array.from(opts.indices as ArrayLike<number>);
      for (let i = 0; i < order.length; i++) {
        if (order[i] < 0 || order[i] >= src.count || order[i] !== (opts.indices as ArrayLike<number>)[i]) {
          throw new DatasetError('OUT_OF_RANGE', `Sample index ${(opts.indices as ArrayLike<number>)[i]} is outside the ${split} split (0…${src.count - 1}).`, 'Build the index list with splitTrainValidation on this dataset.');
        }
      }
    } else {
      order = new Int32Array(src.count);
      for (let i = 0; i < order.length; i++) order[i] = i;
    }
    if (opts.shuffle) shuffleInPlace(order, opts.seed ?? 0);
    if (opts.limit !== undefined) {
      if (!Number.isInteger(opts.limit) || opts.limit < 0) {
        throw new DatasetError('OUT_OF_RANGE', `limit ${String(opts.limit)} is not a whole number ≥ 0.`, 'Leave limit unset to use every sample.');
      }
      order = order.subarray(0, Math.min(order.length, opts.limit));
    }
    const [h, w, c] = this.inputShape;
    const recBytes = h * w * c;
    const outLen = out[0] * out[1] * out[2];
    const nBatches = Math.ceil(order.length / bs);

    const make = async (b: number): Promise<Batch> => {
      const idx = order.slice(b * bs, Math.min(order.length, (b + 1) * bs));
      const raw = new Uint8Array(idx.length * recBytes);
      const ok = await src.read(idx, raw);
      let n = idx.length;
      let keep = idx;
      if (ok) {
        n = 0;
        for (let i = 0; i < ok.length; i++) n += ok[i] ? 1 : 0;
        keep = new Int32Array(n);
      }
      const xs = new Float32Array(n * outLen);
      const labels = new Int32Array(n);
      for (let i = 0, j = 0; i < idx.length; i++) {
        if (ok && !ok[i]) continue;
        writeSample(raw.subarray(i * recBytes, (i + 1) * recBytes), this.inputShape, xs, j * outLen, out);
        labels[j] = src.labels[idx[i]];
        keep[j] = idx[i];
        j++;
      }
      return { xs, labels, size: n, shape: out, indices: keep };
    };

    let next: Promise<Batch> | null = nBatches > 0 ? make(0) : null;
    try {
      for (let b = 0; b < nBatches; b++) {
        throwIfAborted(opts.signal, `Reading ${this.name}`);
        const cur = await next!;
        // Start the next batch before handing this one over, so decoding
        // (sharp, file reads) overlaps with the caller's training step.
        next = b + 1 < nBatches ? make(b + 1) : null;
        next?.catch(() => undefined); // surfaced when awaited; avoid an unhandled rejection if the caller stops
        if (cur.size > 0) yield cur;
      }
    } finally {
      if (next) await next.catch(() => undefined);
    }
  }

  async sample(split: Split, index: number): Promise<Sample> {
    const src = this.source(split);
    if (!Number.isInteger(index) || index < 0 || index >= src.count) {
      throw new DatasetError('OUT_OF_RANGE', `Sample ${index} is outside the ${split} split of ${this.name} (0…${src.count - 1}).`, 'Pick an index in that range.');
    }
    const [h, w, c] = this.inputShape;
    const raw = new Uint8Array(h * w * c);
    const ok = await src.read(Int32Array.of(index), raw);
    if (ok && !ok[0]) {
      const s = this.skipped[this.skipped.length - 1];
      throw new DatasetError('BAD_IMAGE', `Sample ${index} of ${this.name} cannot be read${s ? `: ${s.file}: ${s.reason}` : ''}.`, 'Pick another sample.', s?.file);
    }
    const pixels = new Float32Array(raw.length);
    writeSample(raw, this.inputShape, pixels, 0, this.inputShape);
    return { pixels, label: src.labels[index], shape: [h, w, c] };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.resources?.close();
  }
}

/** A split whose pixels are all in one uint8 buffer (decompressed files, tiny sets). */
export function memorySource(data: Uint8Array, offset: number, count: number, recBytes: number, labels: Int32Array, counter: { samplesRead: number }): SplitSource {
  return {
    count,
    labels,
    async read(indices, out) {
      for (let i = 0; i < indices.length; i++) {
        const s = offset + indices[i] * recBytes;
        out.set(data.subarray(s, s + recBytes), i * recBytes);
      }
      counter.samplesRead += indices.length;
    },
  };
}
