/**
 * One optimisation step on a batch, on this thread or shared with replica
 * threads (parallel/replicas.ts). The trainer and the training benchmark
 * both run these.
 */
import type * as tfjs from '@tensorflow/tfjs';
import { toInputTensor } from './adapt';
import { shardRanges, type ReplicaGroup } from './parallel/replicas';
import { batchLossSum, type TaskInfo } from './task';

type TF = typeof tfjs;

/** Mean loss over the batch and the number of correct answers (classification). */
export interface StepResult {
  loss: number;
  correct: number;
}

/**
 * The function a step differentiates: the training-mode loss sum of the
 * images in x divided by `batchTotal` (the whole batch: shards' gradients
 * then add up to the batch mean's). `keepCorrect` receives the kept count of
 * right answers (the caller disposes it).
 */
export function shardLoss(
  tf: TF,
  model: tfjs.LayersModel,
  x: tfjs.Tensor4D,
  y: tfjs.Tensor1D,
  info: TaskInfo,
  batchTotal: number,
  keepCorrect: (correct: tfjs.Scalar) => void,
): () => tfjs.Scalar {
  return () => {
    const out = model.apply(x, { training: true }) as tfjs.Tensor;
    const r = batchLossSum(tf, out, y, x, info);
    keepCorrect(tf.keep(r.correct) as tfjs.Scalar);
    return tf.div(r.lossSum, batchTotal) as tfjs.Scalar;
  };
}

/** One training step on this thread: the mean loss of the batch, minimised by the optimizer. */
export async function singleStep(
  tf: TF,
  model: tfjs.LayersModel,
  vars: tfjs.Variable[],
  optimizer: tfjs.Optimizer,
  xs: Float32Array,
  labels: Int32Array,
  dataShape: readonly number[],
  info: TaskInfo,
): Promise<StepResult> {
  const n = labels.length;
  let correctT: tfjs.Scalar | null = null;
  const cost = tf.tidy(() => {
    const x = toInputTensor(tf, xs, dataShape, info.inputShape);
    const y = tf.tensor1d(labels, 'int32');
    return optimizer.minimize(
      shardLoss(tf, model, x, y, info, n, (c) => (correctT = c)),
      true,
      vars,
    ) as tfjs.Scalar;
  });
  const c = correctT as unknown as tfjs.Scalar;
  const [lossV, corrV] = await Promise.all([cost.data(), c.data()]);
  cost.dispose();
  c.dispose();
  return { loss: lossV[0], correct: corrV[0] };
}

/**
 * One data-parallel training step: shard 0 of the batch on this thread, the
 * others on the replica threads at the same time; the gradients (of each
 * shard's loss sum / batch size) are added and the optimizer applied once, as
 * for the whole batch on one thread.
 */
export async function parallelStep(
  tf: TF,
  group: ReplicaGroup,
  model: tfjs.LayersModel,
  vars: tfjs.Variable[],
  optimizer: tfjs.Optimizer,
  xs: Float32Array,
  labels: Int32Array,
  dataShape: readonly number[],
  info: TaskInfo,
): Promise<StepResult> {
  const n = labels.length;
  const per = xs.length / n;
  const ranges = shardRanges(n, group.size);
  // Views: group.run copies them into the replicas' shared buffers.
  const remote = group.run(
    ranges.slice(1).map(([a, b]) => ({ xs: xs.subarray(a * per, b * per), labels: labels.subarray(a, b) })),
    n,
  );
  const [a0, b0] = ranges[0];
  let correctT: tfjs.Scalar | null = null;
  const local = tf.tidy(() => {
    const x = toInputTensor(tf, xs.subarray(a0 * per, b0 * per), dataShape, info.inputShape);
    const y = tf.tensor1d(labels.subarray(a0, b0), 'int32');
    return tf.variableGrads(shardLoss(tf, model, x, y, info, n, (c) => (correctT = c)), vars);
  });
  const c = correctT as unknown as tfjs.Scalar;
  try {
    const shards = await remote;
    const summed = group.addGradients(vars, local.grads, shards.length);
    optimizer.applyGradients(summed);
    tf.dispose(summed);
    group.publishWeights();
    const loss = local.value.dataSync()[0] + shards.reduce((s, r) => s + r.lossSum, 0) / n;
    const correct = c.dataSync()[0] + shards.reduce((s, r) => s + r.correct, 0);
    return { loss, correct };
  } finally {
    remote.catch(() => {});
    tf.dispose([local.value, ...Object.values(local.grads), c]);
  }
}
