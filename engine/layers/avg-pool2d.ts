import { defineLayer } from './define-layer';
import { poolFields, poolParams, poolTfArgs } from './shared';
import { onnxPool } from '../export/onnx/ops';
import { kerasPoolStride } from '../export/python/keras-ops';
import { py } from '../export/python/literals';
import { ptPool } from '../export/python/pytorch-ops';

export const avgPool2d = defineLayer({
  type: 'avg-pool2d',
  label: 'AvgPool2D',
  category: 'pooling',
  help: 'Averages each window: shrinks the image (2×2 halves it) and smooths it.',
  params: poolParams(),
  ...poolFields('AvgPool2D'),
  // One add per window element (the divide is folded in).
  macs: (_in, p, out) => p.pool[0] * p.pool[1] * out[0] * out[1] * out[2],
  toTfjs: (tf, p, name) => tf.layers.averagePooling2d(poolTfArgs(p, name)),
  onnx: onnxPool('AveragePool'),
  keras: (l) => `layers.AveragePooling2D(${py(l.p.pool)}, strides=${kerasPoolStride(l)}, padding=${py(l.p.padding)}`,
  pytorch: ptPool('avg'),
});
