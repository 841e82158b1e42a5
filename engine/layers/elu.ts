import { defineLayer } from './define-layer';
import { shapeKeeping } from './shared';

/** Keras' ELU takes an alpha; tfjs 4.22 throws for any alpha but 1, so none is offered. */
export const elu = defineLayer({
  type: 'elu',
  label: 'ELU',
  category: 'activation',
  help: 'x for positive values, eˣ − 1 for negative ones: a smooth ReLU whose outputs average closer to zero.',
  params: {},
  ...shapeKeeping('ELU'),
  summary: () => 'α 1',
  toTfjs: (tf, _p, name) => tf.layers.elu({ name }),
  onnx: (c) => c.node('Elu', [c.x[0]], { alpha: { float: 1 } }),
  keras: () => 'layers.ELU(',
  pytorch: (l) => ({ fwd: `F.elu(${l.inputs[0]})` }),
});
