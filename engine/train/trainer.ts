/**
 * The training loop: a tf.LayersModel, a dataset and settings in; progress
 * events per batch and per epoch out; cancellable at any batch.
 *
 * A custom loop rather than `model.fit` because we need: sparse labels from
 * plain typed arrays streamed batch by batch, augmentation on batches, a
 * deterministic validation split, the best-weights checkpoint, an AbortSignal
 * checked before every batch, and a yield to the event loop after every batch
 * (so the worker can answer messages and the process stays responsive).
 */
import type * as tfjs from '@tensorflow/tfjs';
import { createAdam } from '../backend/fused-adam';
import { shapeSize } from '../core/shape';
import { toInputTensor, adaptProblem } from './adapt';
import { augmentActive, augmentBatch } from './augment';
import { withFoldedInference } from './fold';
import { startReplicas, type ReplicaGroup } from './parallel/replicas';
import { makeRng, range, shuffleInPlace } from './rng';
import { parallelStep, singleStep } from './step';
import type { TrainSettings } from './settings';
import { batchLossSum, detectTask, type TaskInfo } from './task';
import type { Batch, BatchProgress, EpochProgress, SampleSet, TrainingData, TrainSummary } from './types';

type TF = typeof tfjs;

/** Callbacks and cancellation for a run. */
export interface TrainCallbacks {
  /** After every training batch. */
  onBatch?: (p: BatchProgress) => void;
  /** After every epoch (training and validation done). A returned promise is awaited before the next epoch (e.g. to evaluate on the test set). */
  onEpoch?: (p: EpochProgress) => unknown;
  /** Abort to stop: the run ends before the next batch and resolves normally with stopReason 'cancelled'. */
  signal?: AbortSignal;
}

/** A problem with the run's inputs, in plain words (the message is for the user). */
export class TrainError extends Error {
  constructor(
    message: string,
    /** Stable code for the UI. */
    readonly code: 'task' | 'shape' | 'classes' | 'data' | 'frozen' | 'settings' = 'data',
  ) {
    super(message);
    this.name = 'TrainError';
  }
}

/** Yield to the event loop (setImmediate where it exists: it does not wait for a frame). */
export const yieldToEventLoop = (): Promise<void> =>
  typeof setImmediate === 'function' ? new Promise((r) => setImmediate(r)) : new Promise((r) => setTimeout(r, 0));

/** The tf optimizer for the settings. SGD uses momentum when `momentum` > 0. */
export function makeOptimizer(tf: TF, s: Pick<TrainSettings, 'optimizer' | 'learningRate' | 'momentum'>): tfjs.Optimizer {
  switch (s.optimizer) {
    case 'sgd':
      return s.momentum > 0 ? tf.train.momentum(s.learningRate, s.momentum) : tf.train.sgd(s.learningRate);
    case 'adam':
      // One fused pass per variable on wasm (engine/backend); plain tf.train.adam elsewhere.
      return createAdam(tf, s.learningRate);
    case 'rmsprop':
      return tf.train.rmsprop(s.learningRate);
  }
}

/**
 * The deterministic split of a training set: `limit` images chosen by the
 * seed (all when 0), of which a `validationSplit` share is held out for
 * validation. With `labels` the split is stratified (each class gives the
 * same share, so rare classes are not lost); both lists come back ascending.
 */
export function splitIndices(count: number, validationSplit: number, seed: number, limit = 0, labels?: ArrayLike<number>): { train: Int32Array; val: Int32Array } {
  const perm = shuffleInPlace(range(count), makeRng(seed ^ 0x5eed));
  const used = limit > 0 && limit < count ? perm.subarray(0, limit) : perm;
  const isVal = new Uint8Array(count);
  if (labels) {
    const byClass = new Map<number, number[]>();
    for (const i of used) {
      const l = labels[i];
      let list = byClass.get(l);
      if (!list) byClass.set(l, (list = []));
      list.push(i);
    }
    // `used` is already in seeded random order, so the first of each class are a random pick.
    for (const list of byClass.values()) for (let j = 0; j < Math.round(list.length * validationSplit); j++) isVal[list[j]] = 1;
  } else for (let j = 0; j < Math.round(used.length * validationSplit); j++) isVal[used[j]] = 1;
  const train: number[] = [];
  const val: number[] = [];
  for (const i of Array.from(used).sort((a, b) => a - b)) (isVal[i] ? val : train).push(i);
  return { train: Int32Array.from(train), val: Int32Array.from(val) };
}

/** Mean loss and accuracy of the model on the given indices, batch by batch, in inference mode (shared with `group`'s threads when given). */
export async function lossOn(
  tf: TF,
  model: tfjs.LayersModel,
  set: SampleSet,
  indices: Int32Array,
  info: TaskInfo,
  dataShape: readonly number[],
  batchSize: number,
  signal?: AbortSignal,
  group?: ReplicaGroup | null,
): Promise<{ loss: number; accuracy: number | null } | null> {
  let lossSum = 0;
  let correct = 0;
  let n = 0;
  for (let i = 0; i < indices.length; i += batchSize) {
    if (signal?.aborted) return null;
    const b = await set.gather(indices.subarray(i, i + batchSize));
    if (b.labels.length === 0) continue;
    n += b.labels.length;
    // A failed replica falls back to this thread (the training steps report it).
    const outputs = group ? await group.predict(b.xs, dataShape, info.inputShape).catch(() => null) : null;
    const r = tf.tidy(() => {
      const x = toInputTensor(tf, b.xs, dataShape, info.inputShape);
      const out = outputs ? tf.tensor(outputs, [b.labels.length, ...info.outputShape]) : withFoldedInference(tf, model, () => model.apply(x, { training: false }) as tfjs.Tensor);
      const { lossSum, correct } = batchLossSum(tf, out, tf.tensor1d(b.labels, 'int32'), x, info);
      return tf.stack([lossSum, correct]);
    });
    const v = await r.data();
    r.dispose();
    lossSum += v[0];
    correct += v[1];
    await yieldToEventLoop();
  }
  if (n === 0) return { loss: NaN, accuracy: null };
  return { loss: lossSum / n, accuracy: info.task === 'classification' ? correct / n : null };
}

/**
 * Train `model` in place. Resolves with a summary; rejects with TrainError
 * when the data does not fit the model (check compatibility first to offer
 * fixes). The model stays usable after a cancel.
 */
export async function trainModel(tf: TF, model: tfjs.LayersModel, data: TrainingData, settings: TrainSettings, cb: TrainCallbacks = {}): Promise<TrainSummary> {
  const det = detectTask(model);
  if ('error' in det) throw new TrainError(`Cannot train: ${det.error}.`, 'task');
  const info = det;
  const problem = adaptProblem(data.shape, info.inputShape, settings.adaptInput);
  if (problem) throw new TrainError(`Cannot train: ${problem}.`, 'shape');
  const numClasses = data.classNames.length;
  if (info.task === 'classification' && numClasses > info.outputShape[0])
    throw new TrainError(
      `Cannot train: the dataset has ${numClasses} classes but the network's output has ${info.outputShape[0]} units; set the last Dense layer to ${numClasses} units.`,
      'classes',
    );
  const vars = model.trainableWeights.map((w) => w.read() as tfjs.Variable);
  if (vars.length === 0) throw new TrainError('Cannot train: every layer with weights is frozen; unfreeze at least one layer.', 'frozen');
  if (data.train.count === 0) throw new TrainError(`Cannot train: the dataset '${data.name}' has no training images.`, 'data');

  const { train: trainIdx, val: valIdx } = splitIndices(data.train.count, settings.validationSplit, settings.seed, settings.limit, data.trainLabels);
  if (trainIdx.length === 0) throw new TrainError(`Cannot train: after holding out ${valIdx.length} images for validation no training images are left; lower the validation split.`, 'data');

  const notes = [...info.notes];
  if (info.task === 'classification' && numClasses < info.outputShape[0])
    notes.push(`The network has ${info.outputShape[0]} output units but the dataset only ${numClasses} classes; the extra units are never the right answer.`);

  const optimizer = makeOptimizer(tf, settings);
  const rng = makeRng(settings.seed);
  const bs = settings.batchSize;
  const batchesPerEpoch = Math.ceil(trainIdx.length / bs);
  const totalBatches = batchesPerEpoch * settings.epochs;
  const augment = augmentActive(settings.augment) ? settings.augment : null;
  const history: EpochProgress[] = [];
  const t0 = performance.now();
  let trainTimeMs = 0;
  let imagesSeen = 0;
  let stopReason: TrainSummary['stopReason'] = 'completed';
  let best: { loss: number; epoch: number; weights: tfjs.Tensor[] } | null = null;
  let sinceBest = 0;
  let epochsDone = 0;
  const sampleSize = shapeSize(data.shape);
  const now = () => performance.now();
  const timing = (done: number) => {
    const elapsedSec = (now() - t0) / 1000;
    const progress = done / totalBatches;
    return { elapsedSec, progress, etaSec: progress > 0 ? (elapsedSec / progress) * (1 - progress) : 0 };
  };

  // Data-parallel over threads when it pays (engine/train/parallel/replicas.ts).
  const par = await startReplicas(tf, model, vars, { threads: settings.threads, batchSize: bs, steps: totalBatches, dataShape: data.shape });
  let group = par.group;
  let threadsUsed = group?.size ?? 1;
  if (par.note) notes.push(par.note);

  try {
    epochs: for (let epoch = 1; epoch <= settings.epochs; epoch++) {
      const order = shuffleInPlace(trainIdx.slice(), rng);
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      let epochTrainMs = 0;
      const gatherAt = (b: number) => Promise.resolve(data.train.gather(order.subarray(b * bs, (b + 1) * bs)));
      // Read the next batch while this one trains (file datasets decode off the JS thread).
      let next: Promise<Batch> | null = gatherAt(0);
      for (let b = 0; b < batchesPerEpoch; b++) {
        if (cb.signal?.aborted) {
          next?.catch(() => {});
          stopReason = 'cancelled';
          break epochs;
        }
        const batch: Batch = await next!;
        next = b + 1 < batchesPerEpoch ? gatherAt(b + 1) : null;
        // Fewer images than asked for when a dataset skipped unreadable files.
        const n = batch.labels.length;
        if (batch.xs.length !== n * sampleSize)
          throw new TrainError(`Dataset '${data.name}' returned a batch of the wrong size (${n} labels, ${batch.xs.length} pixel values, expected ${n * sampleSize}).`);
        if (n === 0) continue;
        const xs = augment ? augmentBatch(batch.xs, data.shape, augment, rng) : batch.xs;
        const tb = now();
        let step: { loss: number; correct: number } | null = null;
        if (group) {
          try {
            step = await parallelStep(tf, group, model, vars, optimizer, xs, batch.labels, data.shape, info);
          } catch (e) {
            // A replica thread failed: finish the run on this thread (this batch included).
            notes.push(`Training continued on one thread from epoch ${epoch}, batch ${b + 1}: ${(e as Error).message}.`);
            await group.close();
            group = null;
            threadsUsed = 1;
          }
        }
        step ??= await singleStep(tf, model, vars, optimizer, xs, batch.labels, data.shape, info);
        const lossV = [step.loss];
        const corrV = [step.correct];
        const dt = now() - tb;
        epochTrainMs += dt;
        trainTimeMs += dt;
        seen += n;
        imagesSeen += n;
        lossSum += lossV[0] * n;
        correct += corrV[0];
        if (!Number.isFinite(lossV[0]))
          throw new TrainError(`The loss became ${lossV[0]} at epoch ${epoch}, batch ${b + 1}: training diverged. Lower the learning rate (now ${settings.learningRate}).`, 'settings');
        cb.onBatch?.({
          kind: 'batch',
          epoch,
          epochs: settings.epochs,
          batch: b + 1,
          batchesPerEpoch,
          loss: lossV[0],
          accuracy: info.task === 'classification' ? corrV[0] / n : null,
          imagesPerSec: seen / Math.max(epochTrainMs / 1000, 1e-9),
          threads: threadsUsed,
          ...timing((epoch - 1) * batchesPerEpoch + b + 1),
        });
        await yieldToEventLoop();
      }

      const val = valIdx.length > 0 ? await lossOn(tf, model, data.train, valIdx, info, data.shape, Math.max(bs, 64), cb.signal, group) : null;
      if (valIdx.length > 0 && val === null) {
        // Cancelled during validation: the epoch's training is done but it has no score.
        epochsDone = epoch;
        stopReason = 'cancelled';
        break;
      }
      const trainLoss = lossSum / seen;
      const monitored = val ? val.loss : trainLoss;
      const isBest = !best || monitored < best.loss;
      if (isBest) {
        best?.weights.forEach((t) => t.dispose());
        best = { loss: monitored, epoch, weights: model.getWeights().map((w) => tf.keep(w.clone())) };
        sinceBest = 0;
      } else sinceBest++;
      epochsDone = epoch;
      const ep: EpochProgress = {
        kind: 'epoch',
        epoch,
        epochs: settings.epochs,
        loss: trainLoss,
        accuracy: info.task === 'classification' ? correct / seen : null,
        valLoss: val ? val.loss : null,
        valAccuracy: val ? val.accuracy : null,
        imagesPerSec: seen / Math.max(epochTrainMs / 1000, 1e-9),
        threads: threadsUsed,
        ...timing(epoch * batchesPerEpoch),
        best: isBest,
      };
      history.push(ep);
      const pending = cb.onEpoch?.(ep);
      if (pending instanceof Promise) await pending;
      if (settings.earlyStopping && sinceBest >= settings.earlyStopping.patience && epoch < settings.epochs) {
        stopReason = 'early-stopped';
        break;
      }
    }

    let restoredEpoch: number | null = null;
    // The model's weights differ from the last completed epoch's when a cancel
    // came in the middle of an epoch (some batches of the next epoch ran).
    const trainedPastLastEpoch = imagesSeen > epochsDone * trainIdx.length;
    const currentIsBest = best !== null && best.epoch === epochsDone && !trainedPastLastEpoch;
    if (settings.restoreBest && best && !currentIsBest) {
      model.setWeights(best.weights);
      restoredEpoch = best.epoch;
    }
    return {
      stopReason,
      epochsDone,
      history,
      restoredEpoch,
      task: info.task,
      outputKind: info.outputKind,
      notes,
      elapsedSec: (now() - t0) / 1000,
      imagesPerSec: imagesSeen / Math.max(trainTimeMs / 1000, 1e-9),
      trainCount: trainIdx.length,
      valCount: valIdx.length,
      threads: threadsUsed,
    };
  } finally {
    await group?.close();
    best?.weights.forEach((t) => t.dispose());
    optimizer.dispose();
  }
}

