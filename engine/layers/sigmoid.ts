import { defineLayer } from './define-layer';
import { shapeKeeping } from './shared';

export const sigmoid = defineLayer({
  type: 'sigmoid',
  label: 'Sigmoid',
  category: 'activation',
  help: '1 / (1 + e⁻ˣ): squashes every value into 0…1, e.g. for yes/no outputs.',
  params: {},
  ...shapeKeeping('Sigmoid'),
  summary: () => '0…1',
  toTfjs: (tf, _p, name) => tf.layers.activation({ name, activation: 'sigmoid' }),
  onnx: (c) => c.node('Sigmoid', [c.x[0]]),
  keras: () => 'layers.Activation("sigmoid"',
  pytorch: (l) => ({ fwd: `torch.sigmoid(${l.inputs[0]})` }),
});
