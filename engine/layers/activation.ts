import { defineLayer } from './define-layer';
import { choice } from './params';
import { ACTIVATIONS, shapeKeeping } from './shared';
import { onnxActivation } from '../export/onnx/ops';
import { py } from '../export/python/literals';
import { ptActivation } from '../export/python/pytorch-ops';

/** Every activation tfjs builds by name, except the do-nothing 'linear'. */
const FUNCTIONS = ACTIVATIONS.filter((a): a is Exclude<(typeof ACTIVATIONS)[number], 'linear'> => a !== 'linear');

export const activation = defineLayer({
  type: 'activation',
  label: 'Activation',
  category: 'activation',
  help: 'Applies a function to every value: the non-linearity that lets a network learn more than straight lines.',
  params: {
    activation: choice(FUNCTIONS, {
      default: 'relu',
      label: 'Function',
      help: 'relu: max(0, x); relu6: capped at 6; gelu, swish: smooth relu; sigmoid: 0…1; tanh: −1…1; softmax: probabilities over the last axis.',
      key: true,
    }),
  },
  ...shapeKeeping('Activation'),
  summary: (p) => p.activation,
  toTfjs: (tf, p, name) => tf.layers.activation({ name, activation: p.activation as never }),
  onnx: (c) => onnxActivation(c, c.x[0], c.p.activation as string, c.inShapes[0].length),
  keras: (l) => `layers.Activation(${py(l.p.activation)}`,
  pytorch: (l) => ({ fwd: ptActivation(l.inputs[0], l.p.activation, l.inShapes[0].length) }),
});
