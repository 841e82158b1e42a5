import { defineLayer } from './define-layer';
import { shapeKeeping } from './shared';

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
});
