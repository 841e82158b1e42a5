import { defineLayer } from './define-layer';
import { float } from './params';
import { shapeKeeping } from './shared';

export const dropout = defineLayer({
  type: 'dropout',
  label: 'Dropout',
  category: 'regularization',
  help: 'While training, zeroes a random fraction of values (and scales up the rest) so the network cannot rely on any one: fights overfitting. Does nothing at test time.',
  params: {
    rate: float({ default: 0.5, min: 0, max: 1, exclusiveMax: true, step: 0.05, label: 'Rate', help: 'Fraction of values dropped, e.g. 0.5 = half.', key: true }),
  },
  ...shapeKeeping('Dropout'),
  summary: (p) => `${Math.round(p.rate * 100)}%`,
  toTfjs: (tf, p, name) => tf.layers.dropout({ name, rate: p.rate }),
});
