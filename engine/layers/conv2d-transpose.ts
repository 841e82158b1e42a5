import { defineLayer } from './define-layer';
import { choice, pair } from './params';
import { BIAS_ACTIVATION, FILTERS, WINDOW_PARAMS, activationTag, convParams, convTfArgs, fmtPair, needImage, strideTag, transposedOut, transposedRf } from './shared';
import { onnxConvTranspose } from '../export/onnx/ops';
import { kerasAct } from '../export/python/keras-ops';
import { py } from '../export/python/literals';
import { ptConvTranspose } from '../export/python/pytorch-ops';

/**
 * Keras' Conv2DTranspose also has output_padding and dilation_rate; tfjs 4.22
 * supports neither (its call ignores dilation and has no output padding), so
 * they are not offered: what we show is what the built model does.
 */
export const conv2dTranspose = defineLayer({
  type: 'conv2d-transpose',
  label: 'Conv2DTranspose',
  category: 'convolution',
  help: 'A learned upsampling ("deconvolution"): each input pixel stamps a filter onto a larger output. Stride 2 doubles the size (decoders, U-Net).',
  params: {
    filters: FILTERS,
    kernel: WINDOW_PARAMS.kernel,
    stride: pair({ default: 2, min: 1, max: 1024, label: 'Stride', help: 'Upsampling factor: 2 doubles the height and width.' }),
    padding: choice(['same', 'valid'], {
      default: 'same',
      label: 'Padding',
      help: "'same': output = input × stride; 'valid': input × stride + max(kernel − stride, 0).",
    }),
    ...BIAS_ACTIVATION,
  },
  inputs: { min: 1, max: 1 },
  outputShape(inputs, p) {
    const bad = needImage(inputs, 'Conv2DTranspose');
    if (bad) return bad;
    const [h, w] = transposedOut(inputs[0], p.kernel, p.stride, p.padding);
    return [h, w, p.filters];
  },
  // Same weights as Conv2D: a kh×kw×C kernel per output channel, plus bias.
  paramCount: ([x], p) => convParams(p.kernel, x[2], p.filters, p.useBias),
  // Each input pixel is multiplied into every tap of every filter.
  macs: ([x], p) => p.kernel[0] * p.kernel[1] * x[0] * x[1] * x[2] * p.filters,
  rf: (_in, p) => transposedRf(p.kernel, p.stride, p.padding),
  summary: (p) => `${p.filters} · ${fmtPair(p.kernel)}` + strideTag(p.stride).replace('/', '×') + activationTag(p.activation),
  toTfjs: (tf, p, name) => tf.layers.conv2dTranspose({ ...convTfArgs(p, name), filters: p.filters }),
  onnx: onnxConvTranspose,
  keras: (l) => `layers.Conv2DTranspose(${l.p.filters}, ${py(l.p.kernel)}, strides=${py(l.p.stride)}, padding=${py(l.p.padding)}, use_bias=${py(l.p.useBias)}, activation=${kerasAct(l.p)}`,
  pytorch: ptConvTranspose,
});
