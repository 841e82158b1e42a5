import { shapeSize } from '../core/shape';
import { defineLayer } from './define-layer';
import { float } from './params';
import { NO_WEIGHTS, needTensor } from './shared';
import { pyFloat } from '../export/python/literals';

export const rescaling = defineLayer({
  type: 'rescaling',
  label: 'Rescaling',
  category: 'normalization',
  help: 'Multiplies every value by a scale and adds an offset, e.g. × 1/255 to bring pixels from 0…255 to 0…1. Put it right after Input.',
  params: {
    scale: float({ default: 1 / 255, min: -1e6, max: 1e6, label: 'Scale', help: '1/255 ≈ 0.00392 maps 0…255 to 0…1; 1/127.5 with offset −1 maps it to −1…1.', key: true }),
    offset: float({ default: 0, min: -1e6, max: 1e6, label: 'Offset', help: 'Added after scaling.' }),
  },
  inputs: { min: 1, max: 1 },
  outputShape: (inputs) => needTensor(inputs, 'Rescaling') ?? [...inputs[0]],
  paramCount: () => NO_WEIGHTS,
  macs: (_in, _p, out) => shapeSize(out),
  rf: () => 'identity',
  summary: (p) => {
    // ÷255 reads better than ×0.00392; fall back to ×scale when 1/scale is not a short number.
    const inv = 1 / p.scale;
    const short = Math.abs(p.scale) < 1 && Math.abs(inv - Number(inv.toFixed(3))) < 1e-6;
    const s = short ? `÷${Number(inv.toFixed(3))}` : `×${Number(p.scale.toPrecision(3))}`;
    return s + (p.offset ? ` ${p.offset > 0 ? '+' : '−'} ${Math.abs(p.offset)}` : '');
  },
  toTfjs: (tf, p, name) => tf.layers.rescaling({ name, scale: p.scale, offset: p.offset }),
  onnx: (c) => c.node('Add', [c.node('Mul', [c.x[0], c.floats('scale', [], [c.p.scale as number])]), c.floats('offset', [], [c.p.offset as number])]),
  keras: (l) => `layers.Rescaling(${pyFloat(l.p.scale as number)}, offset=${pyFloat(l.p.offset as number)}`,
  pytorch: (l) => ({ fwd: `${l.inputs[0]} * ${pyFloat(l.p.scale as number)} + ${pyFloat(l.p.offset as number)}` }),
});
