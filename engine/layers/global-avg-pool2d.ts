import { defineLayer } from './define-layer';
import { globalPoolFields } from './shared';
import { onnxGlobalPool } from '../export/onnx/ops';

export const globalAvgPool2d = defineLayer({
  type: 'global-avg-pool2d',
  label: 'GlobalAvgPool2D',
  category: 'pooling',
  help: 'Averages each channel over the whole image: H×W×C becomes C. Replaces Flatten before the classifier (ResNet, GoogLeNet).',
  ...globalPoolFields('GlobalAvgPool2D'),
  macs: ([x]) => x[0] * x[1] * x[2],
  toTfjs: (tf, _p, name) => tf.layers.globalAveragePooling2d({ name }),
  onnx: onnxGlobalPool('GlobalAveragePool'),
  keras: () => 'layers.GlobalAveragePooling2D(',
  pytorch: (l) => ({ fwd: `${l.inputs[0]}.mean(dim=(2, 3))` }),
});
