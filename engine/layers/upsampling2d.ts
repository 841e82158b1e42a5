import { defineLayer } from './define-layer';
import { choice, pair } from './params';
import { NO_WEIGHTS, fmtPair, needImage } from './shared';
import { py } from '../export/python/literals';

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
  onnx: (c) => {
    const s = c.p.size as [number, number];
    const nearest = c.p.interpolation === 'nearest';
    // tfjs resizes with align_corners=false and half_pixel_centers=false,
    // i.e. ONNX 'asymmetric' coordinates (nearest rounds down).
    return c.node('Resize', [c.x[0], '', c.floats('scales', [4], [1, 1, s[0], s[1]])], {
      mode: nearest ? 'nearest' : 'linear',
      coordinate_transformation_mode: 'asymmetric',
      ...(nearest ? { nearest_mode: 'floor' } : {}),
    });
  },
  // Keras' bilinear uses half-pixel centres (slightly different from TF.js); the generator notes it.
  keras: (l) => `layers.UpSampling2D(${py(l.p.size)}, interpolation=${py(l.p.interpolation)}`,
  pytorch: (l) => {
    const s = l.p.size as [number, number];
    return { fwd: l.p.interpolation === 'nearest' ? `F.interpolate(${l.inputs[0]}, scale_factor=${py([s[0], s[1]])}, mode="nearest")` : `_resize_bilinear_asymmetric(${l.inputs[0]}, ${s[0]}, ${s[1]})` };
  },
});
