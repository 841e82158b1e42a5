/**
 * Adapts a dataset of the data module (streams of batches) to what the
 * trainer and evaluation read: random access by index (for shuffling and the
 * validation split) and the training labels (for a stratified split).
 */
import type { Dataset, Split } from '../data';
import type { Batch, SampleSet, TrainingData } from './types';

/** A SampleSet reading one split of `ds`; each gather is one batch of exactly those indices, in that order. */
export function datasetSplit(ds: Dataset, split: Split, signal?: AbortSignal): SampleSet {
  return {
    count: ds.counts[split],
    async gather(indices: Int32Array): Promise<Batch> {
      if (indices.length === 0) return { xs: new Float32Array(0), labels: new Int32Array(0) };
      for await (const b of ds.batches(split, { batchSize: indices.length, indices, signal })) return { xs: b.xs, labels: b.labels };
      return { xs: new Float32Array(0), labels: new Int32Array(0) };
    },
  };
}

/** The dataset as TrainingData (reads the training labels once: no pixels). */
export async function trainingDataFrom(ds: Dataset, signal?: AbortSignal): Promise<TrainingData> {
  return {
    name: ds.name,
    shape: ds.inputShape,
    classNames: ds.classNames,
    train: datasetSplit(ds, 'train', signal),
    trainLabels: await ds.labels('train'),
    test: ds.counts.test > 0 ? datasetSplit(ds, 'test', signal) : undefined,
  };
}

/** True for a data-module Dataset (as opposed to TrainingData). */
export function isDataset(x: Dataset | TrainingData): x is Dataset {
  return typeof (x as Dataset).batches === 'function';
}
