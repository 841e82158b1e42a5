import { formatShape } from '../core/shape';
import { defineLayer } from './define-layer';
import { NO_WEIGHTS } from './shared';

export const concatenate = defineLayer({
  type: 'concatenate',
  label: 'Concatenate',
  category: 'merge',
  help: 'Stacks its inputs along the channel axis (Inception, DenseNet, U-Net). Heights and widths must match; channels add up.',
  params: {},
  inputs: { min: 2, max: 64 },
  outputShape(inputs) {
    const first = inputs[0];
    const list = inputs.map(formatShape).join(' and ');
    if (first.length === 0) return { code: 'E005', message: 'Concatenate needs inputs with at least one axis; received a scalar', fix: 'Connect layers with outputs to it.' };
    for (const s of inputs.slice(1)) {
      const same = s.length === first.length && s.slice(0, -1).every((d, i) => d === first[i]);
      if (!same)
        return {
          code: 'E007',
          message:
            s.length !== first.length
              ? `Concatenate needs inputs with the same number of axes; received ${list}`
              : `Concatenate joins along channels, so every other size must match; received ${list}`,
          fix:
            s.length !== first.length
              ? 'Flatten (or globally pool) every branch, or none of them.'
              : "Make the branches keep the same height and width: padding 'same' and the same total stride on each.",
        };
    }
    const channels = inputs.reduce((sum, s) => sum + s[s.length - 1], 0);
    return [...first.slice(0, -1), channels];
  },
  paramCount: () => NO_WEIGHTS,
  macs: () => 0,
  rf: () => 'identity',
  summary: () => '∥ channels',
  toTfjs: (tf, _p, name) => tf.layers.concatenate({ name, axis: -1 }),
  // Channel axis: 1 inside ONNX / PyTorch for NCHW images, the last one otherwise.
  onnx: (c) => c.node('Concat', c.x, { axis: c.inShapes[0].length === 3 ? 1 : -1 }),
  keras: () => 'layers.Concatenate(axis=-1',
  pytorch: (l) => ({ fwd: `torch.cat([${l.inputs.join(', ')}], dim=${l.inShapes[0].length === 3 ? 1 : -1})` }),
});
