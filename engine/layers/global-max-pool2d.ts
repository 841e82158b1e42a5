import { defineLayer } from './define-layer';
import { globalPoolFields } from './shared';
import { onnxGlobalPool } from '../export/onnx/ops';

export const globalMaxPool2d = defineLayer({
  type: 'global-max-pool2d',
  label: 'GlobalMaxPool2D',
  category: 'pooling',
  help: 'Keeps the largest value of each channel over the whole image: H×W×C becomes C.',
  ...globalPoolFields('GlobalMaxPool2D'),
  // Comparisons, not multiply-adds.
  macs: () => 0,
  toTfjs: (tf, _p, name) => tf.layers.globalMaxPooling2d({ name }),
  onnx: onnxGlobalPool('GlobalMaxPool'),
  keras: () => 'layers.GlobalMaxPooling2D(',
  pytorch: (l) => ({ fwd: `${l.inputs[0]}.amax(dim=(2, 3))` }),
});
