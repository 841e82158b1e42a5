import { defineLayer } from './define-layer';
import { float } from './params';
import { shapeKeeping } from './shared';
import { pyFloat } from '../export/python/literals';

export const leakyRelu = defineLayer({
  type: 'leaky-relu',
  label: 'LeakyReLU',
  category: 'activation',
  help: 'Like ReLU but lets a small slope through for negative values, so units never go completely silent.',
  params: {
    // 0.3 is the Keras (and tfjs) default; PyTorch uses 0.01.
    alpha: float({ default: 0.3, min: 0, max: 1, step: 0.01, label: 'Slope α', help: 'Output for negative x is α·x (Keras default 0.3, PyTorch 0.01).', key: true }),
  },
  ...shapeKeeping('LeakyReLU'),
  summary: (p) => `α ${p.alpha}`,
  toTfjs: (tf, p, name) => tf.layers.leakyReLU({ name, alpha: p.alpha }),
  onnx: (c) => c.node('LeakyRelu', [c.x[0]], { alpha: { float: c.p.alpha as number } }),
  keras: (l) => `layers.LeakyReLU(${pyFloat(l.p.alpha as number)}`,
  pytorch: (l) => ({ fwd: `F.leaky_relu(${l.inputs[0]}, ${pyFloat(l.p.alpha as number)})` }),
});
