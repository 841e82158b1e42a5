import { defineLayer } from './define-layer';
import { float } from './params';
import { shapeKeeping } from './shared';

export const relu = defineLayer({
  type: 'relu',
  label: 'ReLU',
  category: 'activation',
  help: 'max(0, x): passes positive values and zeroes negative ones. The default non-linearity of CNNs.',
  params: {
    maxValue: float({
      default: 0,
      min: 0,
      max: 1e6,
      label: 'Max value',
      zeroMeans: 'no limit',
      help: 'Caps the output; 6 gives ReLU6 (MobileNetV2). 0 = no cap.',
    }),
  },
  ...shapeKeeping('ReLU'),
  summary: (p) => (p.maxValue > 0 ? `max ${p.maxValue}` : 'max(0, x)'),
  // tfjs clips at maxValue whenever it is set, so "no cap" must be left unset.
  toTfjs: (tf, p, name) => tf.layers.reLU({ name, ...(p.maxValue > 0 ? { maxValue: p.maxValue } : {}) }),
});
