import { defineLayer } from './define-layer';
import { float } from './params';
import { shapeKeeping } from './shared';
import { pyFloat } from '../export/python/literals';

export const relu = defineLayer({
  type: 'relu',
  label: 'ReLU',
  category: 'activation',
  help: 'max(0, x): passes positive values and zeroes negative ones. The default non-linearity of CNNs.',
  params: {
    maxValue: float({
      default: 0,
      min: 0,
      max: 1e6,
      label: 'Max value',
      zeroMeans: 'no limit',
      help: 'Caps the output; 6 gives ReLU6 (MobileNetV2). 0 = no cap.',
    }),
  },
  ...shapeKeeping('ReLU'),
  summary: (p) => (p.maxValue > 0 ? `max ${p.maxValue}` : 'max(0, x)'),
  // tfjs clips at maxValue whenever it is set, so "no cap" must be left unset.
  toTfjs: (tf, p, name) => tf.layers.reLU({ name, ...(p.maxValue > 0 ? { maxValue: p.maxValue } : {}) }),
  onnx: (c) => {
    const max = c.p.maxValue as number;
    return max > 0 ? c.node('Clip', [c.x[0], c.floats('min', [], [0]), c.floats('max', [], [max])]) : c.node('Relu', [c.x[0]]);
  },
  keras: (l) => ((l.p.maxValue as number) > 0 ? `layers.ReLU(max_value=${pyFloat(l.p.maxValue as number)}` : 'layers.ReLU('),
  pytorch: (l) => ({ fwd: (l.p.maxValue as number) > 0 ? `torch.clamp(${l.inputs[0]}, 0.0, ${pyFloat(l.p.maxValue as number)})` : `F.relu(${l.inputs[0]})` }),
});
