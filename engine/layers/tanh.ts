import { defineLayer } from './define-layer';
import { shapeKeeping } from './shared';

export const tanh = defineLayer({
  type: 'tanh',
  label: 'Tanh',
  category: 'activation',
  help: 'Hyperbolic tangent: squashes every value into −1…1 (LeNet-5 era networks).',
  params: {},
  ...shapeKeeping('Tanh'),
  summary: () => '−1…1',
  toTfjs: (tf, _p, name) => tf.layers.activation({ name, activation: 'tanh' }),
  onnx: (c) => c.node('Tanh', [c.x[0]]),
  keras: () => 'layers.Activation("tanh"',
  pytorch: (l) => ({ fwd: `torch.tanh(${l.inputs[0]})` }),
});
