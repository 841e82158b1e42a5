/**
 * Evaluation of a trained classifier on a test set: accuracy, per-class
 * accuracy, the confusion matrix and the most confident mistakes.
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { Shape } from '../core/shape';
import { adaptProblem, toInputTensor } from './adapt';
import { withFoldedInference } from './fold';
import { batchLossSum, detectTask, toProbabilities } from './task';
import { TrainError, yieldToEventLoop } from './trainer';
import { startReplicas } from './parallel/replicas';
import { range } from './rng';
import type { SampleSet } from './types';

type TF = typeof tfjs;

/** One wrong prediction. */
export interface Mistake {
  /** Index of the image in the evaluated set. */
  index: number;
  trueLabel: number;
  predLabel: number;
  /** Probability the network gave its (wrong) answer, in [0, 1]. */
  confidence: number;
  /** Probability it gave the right answer. */
  trueConfidence: number;
}

export interface ClassScore {
  name: string;
  /** Images of this class in the set. */
  count: number;
  /** Of those, predicted correctly. */
  correct: number;
  /** correct / count; null when the set has none of this class. */
  accuracy: number | null;
}

/** The result of evaluating a classifier. Plain data. */
export interface EvaluationReport {
  /** Images evaluated. */
  count: number;
  /** Mean sparse categorical crossentropy. */
  loss: number;
  /** Fraction predicted correctly, in [0, 1]. */
  accuracy: number;
  classNames: string[];
  perClass: ClassScore[];
  /**
   * confusion[t][p] = images of true class t predicted as class p. Rows are
   * the true classes, columns the predictions (scikit-learn's convention).
   */
  confusion: number[][];
  /** The most confident wrong predictions, most confident first. */
  mistakes: Mistake[];
  elapsedSec: number;
  /** Inference images per second. */
  imagesPerSec: number;
}

export interface EvaluateOptions {
  /** Shape of the set's images; resized to the Input when `adaptInput`. */
  dataShape: Shape;
  adaptInput?: boolean;
  batchSize?: number;
  /** How many mistakes to keep (default 24). */
  maxMistakes?: number;
  /** Evaluate at most this many images, the first ones (0 = all). */
  limit?: number;
  signal?: AbortSignal;
  /** Fraction done, in [0, 1], after each batch. */
  onProgress?: (done: number) => void;
  /** Threads sharing each batch (0 = automatic, see parallel/replicas.ts; 1 = this thread only). */
  threads?: number;
}

/** Evaluate `model` on `set`. Throws TrainError for a model or data that do not fit, or on cancel. */
export async function evaluateModel(tf: TF, model: tfjs.LayersModel, set: SampleSet, classNames: string[], o: EvaluateOptions): Promise<EvaluationReport> {
  const info = detectTask(model);
  if ('error' in info) throw new TrainError(`Cannot evaluate: ${info.error}.`, 'task');
  if (info.task !== 'classification') throw new TrainError('Cannot evaluate accuracy: the network reconstructs images (its output is image-shaped), it does not classify.', 'task');
  const problem = adaptProblem(o.dataShape, info.inputShape, o.adaptInput ?? false);
  if (problem) throw new TrainError(`Cannot evaluate: ${problem}.`, 'shape');
  const units = info.outputShape[0];
  const k = classNames.length;
  if (k > units) throw new TrainError(`Cannot evaluate: the dataset has ${k} classes but the network's output has ${units} units.`, 'classes');
  const n = o.limit && o.limit > 0 ? Math.min(o.limit, set.count) : set.count;
  const bs = o.batchSize ?? 128;
  const maxMistakes = o.maxMistakes ?? 24;
  const confusion = Array.from({ length: k }, () => new Array<number>(units > k ? units : k).fill(0));
  const mistakes: Mistake[] = [];
  let lossSum = 0;
  let correct = 0;
  const all = range(n);
  const t0 = performance.now();
  // Inference on several threads when the set is large enough to repay starting them.
  const { group } = await startReplicas(tf, model, [], { threads: o.threads ?? 0, batchSize: bs, steps: Math.ceil(n / bs), dataShape: o.dataShape });
  try {
    for (let i = 0; i < n; i += bs) {
      if (o.signal?.aborted) throw new TrainError('Evaluation cancelled.', 'data');
      const idx = all.subarray(i, i + bs);
      const b = await set.gather(idx);
      // A failed replica thread falls back to this one.
      const outputs = group ? await group.predict(b.xs, o.dataShape, info.inputShape).catch(() => null) : null;
      const res = tf.tidy(() => {
        const x = toInputTensor(tf, b.xs, o.dataShape, info.inputShape);
        const out = outputs ? tf.tensor(outputs, [idx.length, units]) : withFoldedInference(tf, model, () => model.apply(x, { training: false }) as tfjs.Tensor);
        const { lossSum } = batchLossSum(tf, out, tf.tensor1d(b.labels, 'int32'), x, info);
        return [lossSum, toProbabilities(tf, out, info.outputKind)] as const;
      });
      const [ls, probs] = await Promise.all([res[0].data(), res[1].data()]);
      res[0].dispose();
      res[1].dispose();
      lossSum += ls[0];
      for (let j = 0; j < idx.length; j++) {
        const row = probs.subarray(j * units, (j + 1) * units);
        let p = 0;
        for (let c = 1; c < units; c++) if (row[c] > row[p]) p = c;
        const t = b.labels[j];
        if (t < 0 || t >= k) throw new TrainError(`Cannot evaluate: image ${idx[j]} has label ${t}, outside the ${k} classes.`, 'data');
        confusion[t][p]++;
        if (p === t) correct++;
        else {
          mistakes.push({ index: idx[j], trueLabel: t, predLabel: p, confidence: row[p], trueConfidence: row[t] });
          // keep the list short as we go: sort and trim when it doubles
          if (mistakes.length > 2 * maxMistakes + 64) {
            mistakes.sort((a, c) => c.confidence - a.confidence);
            mistakes.length = maxMistakes;
          }
        }
      }
      o.onProgress?.(Math.min(1, (i + idx.length) / n));
      await yieldToEventLoop();
    }
  } finally {
    await group?.close();
  }
  mistakes.sort((a, c) => c.confidence - a.confidence || a.index - c.index);
  mistakes.length = Math.min(mistakes.length, maxMistakes);
  const elapsedSec = (performance.now() - t0) / 1000;
  const names = units > k ? [...classNames, ...Array.from({ length: units - k }, (_, i) => `unit ${k + i}`)] : classNames;
  return {
    count: n,
    loss: n ? lossSum / n : 0,
    accuracy: n ? correct / n : 0,
    classNames: names,
    perClass: classNames.map((name, c) => {
      const count = confusion[c].reduce((a, v) => a + v, 0);
      return { name, count, correct: confusion[c][c], accuracy: count ? confusion[c][c] / count : null };
    }),
    confusion,
    mistakes,
    elapsedSec,
    imagesPerSec: n / Math.max(elapsedSec, 1e-9),
  };
}
