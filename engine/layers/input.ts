import { defineLayer } from './define-layer';
import { intList } from './params';
import { NO_WEIGHTS } from './shared';

export const input = defineLayer({
  type: 'input',
  label: 'Input',
  category: 'input',
  help: 'Where images enter the network: height × width × channels (3 for colour, 1 for grey).',
  params: {
    shape: intList({ default: [28, 28, 1], min: 1, max: 100_000, minLength: 1, maxLength: 3, label: 'Shape', help: 'Height, width, channels (e.g. 224, 224, 3).', key: true }),
  },
  inputs: { min: 0, max: 0 },
  outputShape: (_in, p) => [...p.shape],
  paramCount: () => NO_WEIGHTS,
  macs: () => 0,
  rf: () => 'identity',
  summary: (p) => p.shape.join('×'),
  toTfjs: (tf, p, name) => tf.layers.inputLayer({ inputShape: [...p.shape], name }),
  onnx: (c) => c.x[0],
  keras: () => '',
  pytorch: () => ({ fwd: 'x' }),
});
