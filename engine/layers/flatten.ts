import { formatShape, shapeSize } from '../core/shape';
import { defineLayer } from './define-layer';
import { NO_WEIGHTS } from './shared';
import { onnxFlatten } from '../export/onnx/ops';

export const flatten = defineLayer({
  type: 'flatten',
  label: 'Flatten',
  category: 'reshape',
  help: 'Lays the image out as one long vector (H×W×C values) so Dense layers can take it.',
  params: {},
  inputs: { min: 1, max: 1 },
  outputShape([x]) {
    // tfjs' Flatten rejects an input that is already a vector (min_ndim 3 with the batch axis).
    if (!x || x.length < 2)
      return {
        code: 'E005',
        message: `Flatten needs an input with at least two axes (e.g. an image); received ${x ? formatShape(x) : 'nothing'}, which is already flat`,
        fix: 'Remove this Flatten: its input is already a vector.',
      };
    return [shapeSize(x)];
  },
  paramCount: () => NO_WEIGHTS,
  macs: () => 0,
  rf: () => 'global',
  summary: () => '→ vector',
  toTfjs: (tf, _p, name) => tf.layers.flatten({ name }),
  // Flattened in Keras' (height, width, channel) order in every format, so Dense weights fit.
  onnx: onnxFlatten,
  keras: () => 'layers.Flatten(',
  pytorch: (l) => ({ fwd: `_flatten_keras(${l.inputs[0]})` }),
});
