/**
 * Datasets: the types every format implements.
 *
 * engine/data never imports tfjs, Electron or React. It yields plain typed
 * arrays (float32 NHWC pixels in [0, 1], int32 labels) so a batch can be
 * transferred to or from a worker thread without copying (each batch owns its
 * own ArrayBuffer); the training code turns them into tensors.
 */

/** The two splits every dataset has. Validation is carved out of `train` (see split.ts). */
export type Split = 'train' | 'test';

/** Height, width, channels (channels-last, batch axis omitted). */
export type ImageShape = [number, number, number];

/** What `Dataset.batches` takes. */
export interface BatchOptions {
  /** Samples per batch (≥ 1). The last batch may be smaller; see `Batch.size`. */
  batchSize: number;
  /** Visit the samples in a random order drawn from `seed`. Default false (file order). */
  shuffle?: boolean;
  /**
   * Seed of the shuffle. The same seed gives the same order on every machine.
   * Pass a different seed each epoch (e.g. `seed + epoch`) for a new order. Default 0.
   */
  seed?: number;
  /** Yield at most this many samples in total (the first `limit` of the visiting order). */
  limit?: number;
  /**
   * Visit only these sample indices of the split (e.g. the train part of a
   * train/validation split from `splitTrainValidation`). Shuffle and limit
   * apply to this list.
   */
  indices?: ArrayLike<number>;
  /** Resize every image to [height, width] (bilinear, half-pixel centres, as tf.image.resizeBilinear). */
  resize?: [number, number];
  /** Convert to 1 channel (BT.601 luma, as tf.image.rgbToGrayscale) or 3 channels (grey replicated). Default: the dataset's own. */
  channels?: 1 | 3;
  /** Stop early (between batches) when this signal aborts. */
  signal?: AbortSignal;
}

/** One batch. `xs` has `size × H × W × C` floats, NHWC, in [0, 1]. */
export interface Batch {
  xs: Float32Array;
  /** Class index per sample, `size` of them. */
  labels: Int32Array;
  /** Number of samples in this batch (= batchSize except maybe the last one). */
  size: number;
  /** Shape of one sample after resize/channel conversion. */
  shape: ImageShape;
  /** Index of each sample in its split (for "most confident mistakes" and inspection). */
  indices: Int32Array;
}

/** One sample, as `Dataset.sample` returns it. */
export interface Sample {
  /** H × W × C floats in [0, 1]. */
  pixels: Float32Array;
  label: number;
  shape: ImageShape;
}

/** A file that was left out because it could not be read (folders with `skipBad`). */
export interface SkippedFile {
  file: string;
  reason: string;
}

/** How much work and memory a dataset has used; lets tests and the UI check that data streams. */
export interface DatasetStats {
  /** Samples decoded, generated or read from disk so far (cache hits not counted). */
  samplesRead: number;
  /** Bytes of sample data the dataset holds in memory right now (decoded files, caches). */
  residentBytes: number;
}

/** A dataset opened from a spec. Open one with `openDataset`. */
export interface Dataset {
  /** The normalised spec this dataset was opened from, e.g. `fashion-mnist:/usr/share/datasets/fashion-mnist`. */
  readonly spec: string;
  /** Human name, e.g. "Fashion-MNIST". */
  readonly name: string;
  /** Shape of one sample as stored, [H, W, C]. */
  readonly inputShape: ImageShape;
  /** Name of each class; the label of a sample indexes this array. */
  readonly classNames: string[];
  /** Samples per split. */
  readonly counts: { train: number; test: number };
  /** Samples per class per split; each array has `classNames.length` entries. */
  readonly classCounts: { train: number[]; test: number[] };
  /** Files left out (only with `skipBad`); empty otherwise. */
  readonly skipped: SkippedFile[];
  /** Work and memory counters, see DatasetStats. */
  readonly stats: DatasetStats;
  /**
   * Streams batches. Never builds the whole split in one array: each batch is
   * decoded when asked for (one batch is prepared ahead while you use the
   * current one). Breaking out of the loop stops the reading.
   */
  batches(split: Split, opts: BatchOptions): AsyncIterable<Batch>;
  /** One sample (previews, "try an image", inspection). Throws DatasetError for an index out of range. */
  sample(split: Split, index: number): Promise<Sample>;
  /** The label of every sample of a split, in index order (cheap: no pixels are decoded). */
  labels(split: Split): Promise<Int32Array>;
  /** Releases open files and caches. Idempotent. */
  close(): Promise<void>;
}

/** Progress of a slow open (decompressing, checking every image of a folder). */
export interface OpenProgress {
  phase: 'decompress' | 'scan' | 'check';
  done: number;
  total: number;
  /** The file being worked on, when there is one. */
  file?: string;
}

/** Options of `openDataset` that are not part of the spec (they do not change the data). */
export interface OpenOptions {
  /**
   * Leave out images that cannot be read instead of failing, and list them in
   * `Dataset.skipped`. Only folders have per-image files to skip. Also settable
   * in the spec as `?skipBad=1`.
   */
  skipBad?: boolean;
  /**
   * How far a folder's images are checked when it is opened: `header` (default)
   * reads each file's header (fast, finds non-images and most broken files);
   * `full` decodes every image (slow on big folders; finds truncated data too).
   * Either way, an image that fails later, when a batch decodes it, gets the
   * same error (or, with skipBad, is left out of that batch and listed).
   */
  validate?: 'header' | 'full';
  /**
   * Folders and built-in sets: keep at most this many MB of decoded (drawn)
   * samples in memory, so later epochs need not decode again. Default 256.
   */
  cacheMB?: number;
  /** Called during slow opens. */
  onProgress?: (p: OpenProgress) => void;
  /** Cancels a slow open; the promise then rejects with a DatasetError of code `ABORTED`. */
  signal?: AbortSignal;
}

/** Default of OpenOptions.cacheMB. */
export const DEFAULT_CACHE_MB = 256;

/** A plain, JSON-serialisable summary of a dataset for the UI and IPC. */
export interface DatasetInfo {
  spec: string;
  name: string;
  inputShape: ImageShape;
  classNames: string[];
  counts: { train: number; test: number };
  classCounts: { train: number[]; test: number[] };
  skipped: SkippedFile[];
}

/** An entry of the dataset picker. */
export interface DatasetChoice {
  /** Spec to pass to openDataset. For kinds that need a directory, a template ending in `DIR`. */
  spec: string;
  name: string;
  description: string;
  /** True when the spec can be opened as is (built-in, or files found on this machine). */
  ready: boolean;
  /** For file formats: the files expected in the directory, for the picker's help text. */
  expects?: string;
}
