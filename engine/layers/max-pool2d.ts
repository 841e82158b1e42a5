import { defineLayer } from './define-layer';
import { poolFields, poolParams, poolTfArgs } from './shared';
import { onnxPool } from '../export/onnx/ops';
import { kerasPoolStride } from '../export/python/keras-ops';
import { py } from '../export/python/literals';
import { ptPool } from '../export/python/pytorch-ops';

export const maxPool2d = defineLayer({
  type: 'max-pool2d',
  label: 'MaxPool2D',
  category: 'pooling',
  help: 'Keeps the largest value in each window: shrinks the image (2×2 halves it) and keeps the strongest responses.',
  params: poolParams(),
  ...poolFields('MaxPool2D'),
  // Comparisons, not multiply-adds.
  macs: () => 0,
  toTfjs: (tf, p, name) => tf.layers.maxPooling2d(poolTfArgs(p, name)),
  onnx: onnxPool('MaxPool'),
  keras: (l) => `layers.MaxPooling2D(${py(l.p.pool)}, strides=${kerasPoolStride(l)}, padding=${py(l.p.padding)}`,
  pytorch: ptPool('max'),
});
