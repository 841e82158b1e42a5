/**
 * Where tfjs 4.22 departs from Keras in a way a user would notice, a small
 * subclass puts it right. Classes are made lazily from the tf module passed in
 * (analysis never loads tfjs) and registered under the standard Keras class
 * names, so saved model.json files stay plain Keras/TF.js files and loading
 * them after `registerCustomLayers(tf)` gives the corrected behaviour too.
 *
 * BatchNormalization, two fixes and a faster training step:
 * - tfjs reads gamma and beta unconditionally when training, so a layer built
 *   with `scale: false` or `center: false` (Keras InceptionV3 uses scale=False)
 *   crashes in fit() with "Cannot read properties of undefined (reading
 *   'read')". The subclass stands in constant ones / zeros for the missing one.
 * - Keras (TF ≥ 2.0) runs a BatchNormalization whose `trainable` is false in
 *   inference mode, so freezing it for fine-tuning also freezes its moving
 *   mean and variance. tfjs keeps updating them; the subclass follows Keras.
 * - In training mode, on backends with the fused kernels of
 *   engine/backend/kernels/batch-norm.ts (wasm, cpu), the batch moments,
 *   normalisation and gradient are two kernels instead of a few dozen
 *   element-wise ones; tfjs's path stays for anything else.
 *
 * Conv2D and SeparableConv2D with a dilation rate above 1: tfjs computes them
 * forward but has no gradient for them ("dilation rates greater than 1 are not
 * yet supported in gradients"), so such a network could not be trained. The
 * subclasses convolve with the dilated kernel written out (zeros between the
 * taps, built with pad/reshape/slice so the gradient flows back to the taps):
 * the same numbers, at the cost of multiplying the zeros too.
 *
 * Conv2D with a ReLU or no activation, while a gradient is recorded: one
 * fused op (engine/backend/kernels/conv2d-train.ts) instead of tfjs's conv,
 * bias Add and Relu, which keep two feature maps per layer that the backward
 * pass does not need. Same gradients as tfjs's formula.
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { TF } from './types';
import { batchNormTrain, fusedBatchNormAvailable } from '../backend/kernels/batch-norm';
import { conv2dTrain, conv2dTrainEnabled, recordingGradient } from '../backend/kernels/conv2d-train';

type BatchNormArgs = Parameters<TF['layers']['batchNormalization']>[0];

/** tfjs-layers' BatchNormalization fields the fused training path reads (not in its public typings). */
interface BatchNormFields {
  axis: number;
  momentum: number;
  epsilon: number;
  gamma?: { read(): tfjs.Tensor };
  beta?: { read(): tfjs.Tensor };
  movingMean?: { read(): tfjs.Tensor; write(v: tfjs.Tensor): void };
  movingVariance?: { read(): tfjs.Tensor; write(v: tfjs.Tensor): void };
}
type Kwargs = Record<string, unknown>;

type ConvArgs = Parameters<TF['layers']['conv2d']>[0];

/** tfjs-layers' Conv2D fields the fused training path reads (not in its public typings). */
interface ConvFields {
  kernel: { read(): tfjs.Tensor };
  bias?: { read(): tfjs.Tensor } | null;
  activation?: { getClassName(): string };
  strides: number[];
  padding: string;
  dataFormat: string;
  dilationRate: number[];
}
type SeparableArgs = Parameters<TF['layers']['separableConv2d']>[0];

export interface CustomLayers {
  /** A Keras-faithful BatchNormalization (see the module note). */
  batchNormalization(args: BatchNormArgs): tfjs.layers.Layer;
  /** Conv2D whose dilated form can be trained. */
  conv2d(args: ConvArgs): tfjs.layers.Layer;
  /** SeparableConv2D whose dilated form can be trained. */
  separableConv2d(args: SeparableArgs): tfjs.layers.Layer;
}

/**
 * A kernel [kh, kw, a, b] with d − 1 zeros written between its taps along the
 * two spatial axes: [(kh−1)·dh + 1, (kw−1)·dw + 1, a, b]. Differentiable.
 */
export function dilateKernel(tf: TF, kernel: tfjs.Tensor, dilation: readonly number[]): tfjs.Tensor {
  let k = kernel;
  for (const axis of [0, 1]) {
    const d = dilation[axis];
    if (d === 1) continue;
    const shape = k.shape;
    const n = shape[axis];
    // [.., n, 1, ..] → pad to [.., n, d, ..] → [.., n·d, ..] → keep (n−1)·d + 1.
    const pads = [...shape, 0].map((): [number, number] => [0, 0]);
    pads[axis + 1] = [0, d - 1];
    const spread = tf.pad(tf.expandDims(k, axis + 1), pads).reshape(shape.map((x, i) => (i === axis ? n * d : x)));
    k = tf.slice(spread, shape.map(() => 0), shape.map((x, i) => (i === axis ? (n - 1) * d + 1 : x)));
  }
  return k;
}

/** While `run` executes, the layer's `field` variable reads as its dilated form and its dilation as 1. */
function withDilatedKernel<T>(tf: TF, layer: object, field: string, run: () => T): T {
  const self = layer as Record<string, unknown> & { dilationRate: number[]; strides: number[] };
  const rate = self.dilationRate;
  // Strided and dilated at once is refused by TF and Keras; leave it to tfjs' own error.
  if (rate.every((d) => d === 1) || self.strides.some((s) => s > 1)) return run();
  const variable = self[field] as { read(): tfjs.Tensor };
  self[field] = { read: () => dilateKernel(tf, variable.read(), rate) };
  self.dilationRate = rate.map(() => 1);
  try {
    return run();
  } finally {
    self[field] = variable;
    self.dilationRate = rate;
  }
}

const CACHE = new WeakMap<object, CustomLayers>();

/** The corrected layer classes for this tf module, registered for (de)serialization. */
export function registerCustomLayers(tf: TF): CustomLayers {
  const hit = CACHE.get(tf);
  if (hit) return hit;

  // tfjs does not export the BatchNormalization class itself; take it from an instance.
  const Base = Object.getPrototypeOf(tf.layers.batchNormalization({})).constructor as new (args: BatchNormArgs) => tfjs.layers.Layer;

  class BatchNormalization extends Base {
    static className = 'BatchNormalization';

    override call(inputs: tfjs.Tensor | tfjs.Tensor[], kwargs: Kwargs): tfjs.Tensor | tfjs.Tensor[] {
      const training = kwargs?.training === true && this.trainable;
      if (!training) return super.call(inputs, { ...kwargs, training: false });
      const fused = this.callFused(inputs);
      if (fused != null) return fused;
      const self = this as unknown as { gamma: unknown; beta: unknown };
      if (self.gamma != null && self.beta != null) return super.call(inputs, kwargs);
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const axis = (this as unknown as { axis: number }).axis;
      const channels = x.shape[axis < 0 ? axis + x.rank : axis];
      const [gamma, beta] = [self.gamma, self.beta];
      // Read inside super.call's tidy, so these constants are disposed with it.
      self.gamma ??= { read: () => tf.ones([channels]) };
      self.beta ??= { read: () => tf.zeros([channels]) };
      try {
        return super.call(inputs, kwargs);
      } finally {
        self.gamma = gamma;
        self.beta = beta;
      }
    }

    /**
     * Training step through the fused kernels (engine/backend/kernels/
     * batch-norm.ts) when they cover the call: one input, float32, channels
     * last, a backend that has them. Else null and the caller takes tfjs's
     * path. Same numbers as tfjs-layers (biased batch variance; moving
     * averages updated as value − (value − batch)·(1 − momentum), as
     * tfjs-layers' doMovingAverage), with float64 accumulation.
     */
    private callFused(inputs: tfjs.Tensor | tfjs.Tensor[]): tfjs.Tensor | null {
      if (Array.isArray(inputs) && inputs.length !== 1) return null;
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const self = this as unknown as BatchNormFields;
      const axis = self.axis < 0 ? self.axis + x.rank : self.axis;
      const { movingMean, movingVariance } = self;
      if (x.rank < 2 || axis !== x.rank - 1 || x.dtype !== 'float32' || movingMean == null || movingVariance == null) return null;
      if (!fusedBatchNormAvailable(tf)) return null;
      return tf.tidy(() => {
        const channels = x.shape[axis];
        const gamma = (self.gamma?.read() ?? tf.ones([channels])) as tfjs.Tensor1D;
        const beta = (self.beta?.read() ?? tf.zeros([channels])) as tfjs.Tensor1D;
        const { y, mean, variance } = batchNormTrain(tf, x, gamma, beta, self.epsilon);
        const decay = 1 - self.momentum;
        for (const [v, batch] of [[movingMean, mean], [movingVariance, variance]] as const) {
          tf.tidy(() => {
            const orig = v.read();
            v.write(tf.sub(orig, tf.mul(tf.sub(orig, batch), decay)));
          });
        }
        return y;
      });
    }
  }
  const ConvBase = Object.getPrototypeOf(tf.layers.conv2d({ filters: 1, kernelSize: 1 })).constructor as new (args: ConvArgs) => tfjs.layers.Layer;
  class Conv2D extends ConvBase {
    static className = 'Conv2D';
    override call(inputs: tfjs.Tensor | tfjs.Tensor[], kwargs: Kwargs): tfjs.Tensor | tfjs.Tensor[] {
      return withDilatedKernel(tf, this, 'kernel', () => this.callFusedTrain(inputs) ?? super.call(inputs, kwargs));
    }

    /**
     * While a gradient is recorded, conv + bias (+ ReLU) as one op
     * (engine/backend/kernels/conv2d-train.ts) where tfjs would run three
     * kernels and keep two extra feature maps, or compute an image gradient
     * nobody needs; null when it does not apply.
     */
    private callFusedTrain(inputs: tfjs.Tensor | tfjs.Tensor[]): tfjs.Tensor | null {
      const self = this as unknown as ConvFields;
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      if (!conv2dTrainEnabled() || !recordingGradient(tf)) return null;
      const activation = self.activation?.getClassName() ?? 'linear';
      if ((activation !== 'relu' && activation !== 'linear') || self.dataFormat !== 'channelsLast') return null;
      if (x.rank !== 4 || x.dtype !== 'float32' || self.dilationRate.some((d) => d !== 1)) return null;
      if (self.padding !== 'same' && self.padding !== 'valid') return null;
      return tf.tidy(() =>
        conv2dTrain(tf, x as tfjs.Tensor4D, self.kernel.read() as tfjs.Tensor4D, (self.bias?.read() ?? null) as tfjs.Tensor1D | null, {
          strides: [self.strides[0], self.strides[1]],
          pad: self.padding as 'same' | 'valid',
          activation,
        }),
      );
    }
  }

  const SeparableBase = Object.getPrototypeOf(tf.layers.separableConv2d({ filters: 1, kernelSize: 1 })).constructor as new (args: SeparableArgs) => tfjs.layers.Layer;
  class SeparableConv2D extends SeparableBase {
    static className = 'SeparableConv2D';
    override call(inputs: tfjs.Tensor | tfjs.Tensor[], kwargs: Kwargs): tfjs.Tensor | tfjs.Tensor[] {
      return withDilatedKernel(tf, this, 'depthwiseKernel', () => super.call(inputs, kwargs));
    }
    // tfjs 4.22 leaves depthMultiplier out of the saved config, so a saved
    // model with a multiplier above 1 reloads (and converts to Keras) with 1
    // and its weights no longer fit.
    override getConfig(): tfjs.serialization.ConfigDict {
      return { ...super.getConfig(), depthMultiplier: (this as unknown as { depthMultiplier: number }).depthMultiplier };
    }
  }

  for (const cls of [BatchNormalization, Conv2D, SeparableConv2D])
    tf.serialization.registerClass(cls as unknown as tfjs.serialization.SerializableConstructor<tfjs.layers.Layer>);

  const made: CustomLayers = {
    batchNormalization: (args) => new BatchNormalization(args),
    conv2d: (args) => new Conv2D(args),
    separableConv2d: (args) => new SeparableConv2D(args),
  };
  CACHE.set(tf, made);
  return made;
}
