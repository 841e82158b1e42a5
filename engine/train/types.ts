/**
 * Types shared by the trainer, evaluation, prediction and the job wrapper.
 * Plain data: safe to send across a worker boundary or IPC.
 */
import type { Shape } from '../core/shape';

/** One batch of images and labels as plain typed arrays. */
export interface Batch {
  /** Images, NHWC, float32 in [0, 1]; length = n × H × W × C. */
  xs: Float32Array;
  /** Class index of each image, in [0, numClasses). */
  labels: Int32Array;
}

/**
 * A set of samples with random access, which is what shuffling and a
 * deterministic validation split need. The data module's datasets are
 * adapted to this (see data-source.ts).
 */
export interface SampleSet {
  /** Number of samples. */
  readonly count: number;
  /** The samples at these indices, in this order. */
  gather(indices: Int32Array): Batch | Promise<Batch>;
}

/** What the trainer and evaluation need to know about a dataset. */
export interface TrainingData {
  /** Display name, e.g. `Fashion-MNIST`. */
  name: string;
  /** One image: [height, width, channels]. */
  shape: Shape;
  /** Names of the classes; index = label. */
  classNames: string[];
  train: SampleSet;
  /** Label of every training sample, when cheap to know: makes the validation split stratified. */
  trainLabels?: Int32Array;
  /** The held-out test split, when the dataset has one. */
  test?: SampleSet;
}

/**
 * What the network is trained to do, decided from its output:
 * - `classification`: output `[classes]`, loss = sparse categorical crossentropy;
 * - `reconstruction`: output image-shaped like the input (encoder–decoder),
 *   loss = mean squared error against the input pixels; there is no accuracy.
 */
export type TaskKind = 'classification' | 'reconstruction';

/**
 * How the classification loss reads the output: `probabilities` when the last
 * layer is a softmax; otherwise the raw outputs are taken as `logits` (softmax
 * applied inside the loss and for confidences).
 */
export type OutputKind = 'probabilities' | 'logits';

/** Progress after each training batch. */
export interface BatchProgress {
  kind: 'batch';
  /** 1-based epoch. */
  epoch: number;
  epochs: number;
  /** 1-based batch within the epoch. */
  batch: number;
  batchesPerEpoch: number;
  /** Loss of this batch. */
  loss: number;
  /** Accuracy of this batch in [0, 1]; null for reconstruction. */
  accuracy: number | null;
  /** Training images per second over the epoch so far. */
  imagesPerSec: number;
  /** Threads sharing each batch (data-parallel; 1 = this thread only). */
  threads: number;
  /** Seconds since the start of training. */
  elapsedSec: number;
  /** Estimated seconds to the end of the last epoch. */
  etaSec: number;
  /** Fraction of all batches of the run done, in [0, 1]. */
  progress: number;
}

/** Progress after each epoch. */
export interface EpochProgress {
  kind: 'epoch';
  epoch: number;
  epochs: number;
  /** Mean training loss over the epoch's batches (weighted by batch size). */
  loss: number;
  accuracy: number | null;
  /** Null without a validation split. */
  valLoss: number | null;
  valAccuracy: number | null;
  imagesPerSec: number;
  /** Threads sharing each batch (data-parallel; 1 = this thread only). */
  threads: number;
  elapsedSec: number;
  etaSec: number;
  progress: number;
  /** This epoch has the best monitored loss so far (its weights were kept). */
  best: boolean;
}

export type TrainProgress = BatchProgress | EpochProgress;

/** Why a run ended. */
export type StopReason = 'completed' | 'cancelled' | 'early-stopped';

/** The outcome of a training run. */
export interface TrainSummary {
  stopReason: StopReason;
  /** Epochs fully completed. */
  epochsDone: number;
  /** One entry per completed epoch. */
  history: EpochProgress[];
  /** 1-based epoch whose weights the model holds at the end (after restore-best), or null when it holds the last weights. */
  restoredEpoch: number | null;
  task: TaskKind;
  outputKind: OutputKind;
  /** Notes for the user, e.g. why the loss is MSE. */
  notes: string[];
  elapsedSec: number;
  /** Training images per second over the whole run. */
  imagesPerSec: number;
  /** Number of training / validation images used. */
  trainCount: number;
  valCount: number;
  /** Threads that trained (data-parallel replicas, counting the training thread). */
  threads: number;
}
