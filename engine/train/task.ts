/**
 * Decides what a built model is trained to do from its output, and holds the
 * loss and accuracy computations used by training and evaluation.
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { Shape } from '../core/shape';
import type { OutputKind, TaskKind } from './types';

type TF = typeof tfjs;

/** The task the model's output implies, or an error in plain words. */
export interface TaskInfo {
  task: TaskKind;
  outputKind: OutputKind;
  /** Input shape of one sample [H, W, C]. */
  inputShape: Shape;
  /** Output shape of one sample: [classes] or [H, W, C]. */
  outputShape: Shape;
  /** Said to the user (e.g. why the loss is MSE). */
  notes: string[];
}

/** Shapes of the model's single input and output, batch axis dropped. */
export function modelShapes(model: tfjs.LayersModel): { input: Shape; output: Shape } | { error: string } {
  if (model.inputs.length !== 1) return { error: `the network has ${model.inputs.length} inputs; training needs exactly one Input` };
  if (model.outputs.length !== 1)
    return { error: `the network has ${model.outputs.length} outputs (layers whose output nothing uses); training needs exactly one — connect or delete the extra ones` };
  const input = model.inputs[0].shape.slice(1) as number[];
  const output = model.outputs[0].shape.slice(1) as number[];
  if (input.some((d) => d == null) || output.some((d) => d == null)) return { error: 'the network has an axis of unknown size; set a fixed Input shape' };
  return { input, output };
}

/** True when the layer producing the model's output ends in a softmax. */
export function endsInSoftmax(model: tfjs.LayersModel): boolean {
  const layer = model.outputs[0]?.sourceLayer as tfjs.layers.Layer | undefined;
  if (!layer) return false;
  if (layer.getClassName() === 'Softmax') return true;
  const cfg = layer.getConfig() as { activation?: unknown };
  return cfg.activation === 'softmax';
}

export function detectTask(model: tfjs.LayersModel): TaskInfo | { error: string } {
  const s = modelShapes(model);
  if ('error' in s) return s;
  const { input, output } = s;
  if (output.length === 1) {
    if (output[0] < 2) return { error: `the output has ${output[0]} unit; a classifier needs one unit per class (at least 2)` };
    const soft = endsInSoftmax(model);
    return {
      task: 'classification',
      outputKind: soft ? 'probabilities' : 'logits',
      inputShape: input,
      outputShape: output,
      notes: soft
        ? []
        : ['The last layer is not a softmax: its outputs are read as logits (softmax is applied inside the loss and to show confidences). Set the last activation to softmax to make this explicit.'],
    };
  }
  if (output.length === 3 && output.every((d, i) => d === input[i]))
    return {
      task: 'reconstruction',
      outputKind: 'logits',
      inputShape: input,
      outputShape: output,
      notes: [
        `The output is an image of the input's shape (${output.join('×')}), so the network is trained to reproduce its input (an autoencoder): the loss is the mean squared pixel error and there is no accuracy; class labels are not used.`,
      ],
    };
  return {
    error: `the output shape ${output.join('×')} is neither a vector of class scores nor an image of the input's shape ${input.join('×')}; end the network with Flatten (or global pooling) and a Dense layer with one unit per class`,
  };
}

/**
 * Sum of the per-sample losses of a batch (a scalar) and the number of
 * correct predictions (a scalar; 0 for reconstruction). Summing rather than
 * averaging lets the caller weight batches of different sizes exactly.
 */
export function batchLossSum(
  tf: TF,
  output: tfjs.Tensor,
  labels: tfjs.Tensor1D,
  x: tfjs.Tensor4D,
  info: Pick<TaskInfo, 'task' | 'outputKind'>,
): { lossSum: tfjs.Scalar; correct: tfjs.Scalar } {
  return tf.tidy(() => {
    if (info.task === 'reconstruction') {
      const perSample = tf.mean(tf.square(tf.sub(output, x)), [1, 2, 3]);
      return { lossSum: tf.sum(perSample) as tfjs.Scalar, correct: tf.scalar(0) };
    }
    const classes = output.shape[1] as number;
    const oneHot = tf.oneHot(labels, classes).toFloat();
    // log-probabilities: from a softmax output, clipped as Keras does (epsilon 1e-7); from logits, logSoftmax.
    const logp = info.outputKind === 'probabilities' ? tf.log(tf.clipByValue(output, 1e-7, 1 - 1e-7)) : tf.logSoftmax(output as tfjs.Tensor2D);
    const perSample = tf.neg(tf.sum(tf.mul(oneHot, logp), 1));
    const correct = tf.sum(tf.equal(tf.argMax(output, 1), labels).toFloat()) as tfjs.Scalar;
    return { lossSum: tf.sum(perSample) as tfjs.Scalar, correct };
  });
}

/** Class probabilities from the model's output (softmax applied to logits). */
export function toProbabilities(tf: TF, output: tfjs.Tensor, outputKind: OutputKind): tfjs.Tensor2D {
  return tf.tidy(() => (outputKind === 'probabilities' ? (output as tfjs.Tensor2D).clone() : tf.softmax(output as tfjs.Tensor2D))) as tfjs.Tensor2D;
}
