import { defineLayer } from './define-layer';
import { choice, pair } from './params';
import { NO_WEIGHTS, fmtPair, needImage } from './shared';

export const upsampling2d = defineLayer({
  type: 'upsampling2d',
  label: 'UpSampling2D',
  category: 'reshape',
  help: 'Enlarges the image by repeating (nearest) or interpolating (bilinear) pixels, with nothing to learn: the decoder half of encoder-decoders.',
  params: {
    size: pair({ default: 2, min: 1, max: 64, label: 'Factor', help: 'Height × width multipliers: 2 doubles both.', key: true }),
    interpolation: choice(['nearest', 'bilinear'], { default: 'nearest', label: 'Interpolation', help: 'nearest repeats each pixel; bilinear blends neighbours.' }),
  },
  inputs: { min: 1, max: 1 },
  outputShape(inputs, p) {
    const bad = needImage(inputs, 'UpSampling2D');
    if (bad) return bad;
    const [h, w, c] = inputs[0];
    return [h * p.size[0], w * p.size[1], c];
  },
  paramCount: () => NO_WEIGHTS,
  // Bilinear blends 4 neighbours per output value; nearest only copies.
  macs: (_in, p, out) => (p.interpolation === 'bilinear' ? 4 * out[0] * out[1] * out[2] : 0),
  // As a transposed window (see RfStep.transposed): nearest output o copies
  // input ⌊o/s⌋ (kernel s, nothing cropped). tfjs' bilinear (half-pixel centres
  // off) blends inputs ⌊o/s⌋ and ⌊o/s⌋ + 1 at o/s: kernel 2s − 1, s − 1 cropped.
  rf: (_in, p) =>
    p.interpolation === 'nearest'
      ? { kernel: p.size, stride: p.size, dilation: [1, 1], padBefore: [0, 0], transposed: true }
      : { kernel: [2 * p.size[0] - 1, 2 * p.size[1] - 1], stride: p.size, dilation: [1, 1], padBefore: [p.size[0] - 1, p.size[1] - 1], transposed: true },
  summary: (p) => `×${p.size[0] === p.size[1] ? p.size[0] : fmtPair(p.size)}` + (p.interpolation === 'bilinear' ? ' bilinear' : ''),
  toTfjs: (tf, p, name) => tf.layers.upSampling2d({ name, size: [...p.size], interpolation: p.interpolation }),
});
