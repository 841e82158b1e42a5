/**
 * Where tfjs 4.22 departs from Keras in a way a user would notice, a small
 * subclass puts it right. Classes are made lazily from the tf module passed in
 * (analysis never loads tfjs) and registered under the standard Keras class
 * names, so saved model.json files stay plain Keras/TF.js files and loading
 * them after `registerCustomLayers(tf)` gives the corrected behaviour too.
 *
 * BatchNormalization, two fixes:
 * - tfjs reads gamma and beta unconditionally when training, so a layer built
 *   with `scale: false` or `center: false` (Keras InceptionV3 uses scale=False)
 *   crashes in fit() with "Cannot read properties of undefined (reading
 *   'read')". The subclass stands in constant ones / zeros for the missing one.
 * - Keras (TF ≥ 2.0) runs a BatchNormalization whose `trainable` is false in
 *   inference mode, so freezing it for fine-tuning also freezes its moving
 *   mean and variance. tfjs keeps updating them; the subclass follows Keras.
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { TF } from '../layers/types';

type BatchNormArgs = Parameters<TF['layers']['batchNormalization']>[0];
type Kwargs = Record<string, unknown>;

export interface CustomLayers {
  /** A Keras-faithful BatchNormalization (see the module note). */
  batchNormalization(args: BatchNormArgs): tfjs.layers.Layer;
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
      const training = kwargs.training === true && this.trainable;
      if (!training) return super.call(inputs, { ...kwargs, training: false });
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
  }
  tf.serialization.registerClass(BatchNormalization as unknown as tfjs.serialization.SerializableConstructor<tfjs.layers.Layer>);

  const made: CustomLayers = { batchNormalization: (args) => new BatchNormalization(args) };
  CACHE.set(tf, made);
  return made;
}
