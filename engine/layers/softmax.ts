import { defineLayer } from './define-layer';
import { shapeKeeping } from './shared';
import { channelAxis } from '../export/onnx/ops';
import { ptActivation } from '../export/python/pytorch-ops';

export const softmax = defineLayer({
  type: 'softmax',
  label: 'Softmax',
  category: 'activation',
  help: 'Turns scores into probabilities that add up to 1 (over the last axis): the usual last layer of a classifier.',
  params: {},
  ...shapeKeeping('Softmax'),
  summary: () => 'Σ = 1',
  // tfjs' Softmax layer defaults to axis 1 (Keras: −1) and fails on images; say −1.
  toTfjs: (tf, _p, name) => tf.layers.softmax({ name, axis: -1 }),
  // Over the channels: axis 1 of an NCHW image inside ONNX / PyTorch.
  onnx: (c) => c.node('Softmax', [c.x[0]], { axis: channelAxis(c.inShapes[0].length) }),
  keras: () => 'layers.Softmax(',
  pytorch: (l) => ({ fwd: ptActivation(l.inputs[0], 'softmax', l.inShapes[0].length) }),
});
