import { defineLayer } from './define-layer';
import { float } from './params';
import { shapeKeeping } from './shared';
import { pyFloat } from '../export/python/literals';

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
  // Inference files: identity (Keras and PyTorch code keep it for training).
  onnx: (c) => c.node('Identity', [c.x[0]]),
  keras: (l) => `layers.Dropout(${pyFloat(l.p.rate as number)}`,
  pytorch: (l) => ({ fwd: `F.dropout(${l.inputs[0]}, ${pyFloat(l.p.rate as number)}, self.training)` }),
});
