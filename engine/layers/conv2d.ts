import { formatInt } from '../core/shape';
import { defineLayer } from './define-layer';
import { bool, choice, int, pair } from './params';
import { ACTIVATIONS, fmtPair, formula, needImage, windowOut, windowRf } from './shared';

export const conv2d = defineLayer({
  type: 'conv2d',
  label: 'Conv2D',
  category: 'convolution',
  help: 'Slides learned filters over the image; each filter detects one pattern and makes one output channel.',
  params: {
    filters: int({ default: 32, min: 1, max: 65_536, label: 'Filters', help: 'Number of filters = output channels.', key: true }),
    kernel: pair({ default: 3, min: 1, max: 1024, label: 'Kernel', help: 'Filter height × width.', key: true }),
    stride: pair({ default: 1, min: 1, max: 1024, label: 'Stride', help: 'Step between filter positions; 2 halves the size.' }),
    padding: choice(['same', 'valid'], { default: 'same', label: 'Padding', help: "'same' keeps the size (stride 1); 'valid' uses no padding." }),
    dilation: pair({ default: 1, min: 1, max: 1024, label: 'Dilation', help: 'Gaps between filter taps: widens the receptive field at no cost in weights.' }),
    useBias: bool({ default: true, label: 'Bias' }),
    activation: choice(ACTIVATIONS, { default: 'linear', label: 'Activation' }),
  },
  inputs: { min: 1, max: 1 },
  outputShape(inputs, p) {
    const bad = needImage(inputs, 'Conv2D');
    if (bad) return bad;
    if ((p.stride[0] > 1 || p.stride[1] > 1) && (p.dilation[0] > 1 || p.dilation[1] > 1))
      return { code: 'E001', field: 'dilation', message: `Conv2D cannot combine stride ${fmtPair(p.stride)} with dilation ${fmtPair(p.dilation)} (TensorFlow rejects it)`, fix: 'Set stride or dilation back to 1.' };
    const hw = windowOut('Conv2D', inputs[0], p.kernel, p.stride, p.padding, p.dilation);
    return Array.isArray(hw) ? [hw[0], hw[1], p.filters] : hw;
  },
  paramCount([x], p) {
    const [kh, kw] = p.kernel;
    const c = x[2];
    const w = kh * kw * c * p.filters;
    const b = p.useBias ? p.filters : 0;
    const expr = p.useBias ? `(${kh}×${kw}×${formatInt(c)} + 1) × ${formatInt(p.filters)}` : `${kh}×${kw}×${formatInt(c)} × ${formatInt(p.filters)}`;
    return { trainable: w + b, nonTrainable: 0, formula: formula(expr, w + b) };
  },
  macs: ([x], p, out) => p.kernel[0] * p.kernel[1] * x[2] * out[0] * out[1] * out[2],
  rf: ([x], p) => windowRf(x, p.kernel, p.stride, p.padding, p.dilation),
  summary: (p) =>
    `${p.filters} · ${fmtPair(p.kernel)}` +
    (p.stride[0] > 1 || p.stride[1] > 1 ? ` /${p.stride[0] === p.stride[1] ? p.stride[0] : fmtPair(p.stride)}` : '') +
    (p.dilation[0] > 1 || p.dilation[1] > 1 ? ` d${p.dilation[0]}` : '') +
    (p.activation !== 'linear' ? ` · ${p.activation}` : ''),
  toTfjs: (tf, p, name) =>
    tf.layers.conv2d({
      name,
      filters: p.filters,
      kernelSize: [...p.kernel],
      strides: [...p.stride],
      padding: p.padding,
      dilationRate: [...p.dilation],
      useBias: p.useBias,
      activation: p.activation as never,
    }),
});
