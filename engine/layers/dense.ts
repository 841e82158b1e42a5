import { formatInt } from '../core/shape';
import { defineLayer } from './define-layer';
import { int } from './params';
import { BIAS_ACTIVATION, activationTag, formula } from './shared';
import { onnxDense } from '../export/onnx/ops';
import { kerasAct } from '../export/python/keras-ops';
import { py } from '../export/python/literals';
import { ptDense } from '../export/python/pytorch-ops';

export const dense = defineLayer({
  type: 'dense',
  label: 'Dense',
  category: 'dense',
  help: 'Fully connected: every output unit sees every input value. Put Flatten or global pooling before it.',
  params: {
    units: int({ default: 128, min: 1, max: 1_000_000, label: 'Units', help: 'Number of outputs (for the last layer of a classifier: the number of classes).', key: true }),
    ...BIAS_ACTIVATION,
  },
  inputs: { min: 1, max: 1 },
  // Keras applies Dense to the last axis; a 3-D input gives H×W×units (warned about by analysis).
  outputShape: ([x], p) =>
    x.length === 0 ? { code: 'E005', message: 'Dense needs an input with at least one axis', fix: 'Connect a layer to its input.' } : [...x.slice(0, -1), p.units],
  paramCount([x], p) {
    const n = x[x.length - 1];
    const total = n * p.units + (p.useBias ? p.units : 0);
    const expr = p.useBias ? `(${formatInt(n)} + 1) × ${formatInt(p.units)}` : `${formatInt(n)} × ${formatInt(p.units)}`;
    return { trainable: total, nonTrainable: 0, formula: formula(expr, total) };
  },
  macs: ([x], p, out) => x[x.length - 1] * out.reduce((a, b) => a * b, 1),
  rf: ([x]) => (x.length === 3 ? 'identity' : 'global'),
  summary: (p) => `${p.units}` + activationTag(p.activation),
  toTfjs: (tf, p, name) => tf.layers.dense({ name, units: p.units, useBias: p.useBias, activation: p.activation as never }),
  onnx: onnxDense,
  keras: (l) => `layers.Dense(${l.p.units}, use_bias=${py(l.p.useBias)}, activation=${kerasAct(l.p)}`,
  pytorch: ptDense,
});
