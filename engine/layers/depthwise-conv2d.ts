import { formatInt } from '../core/shape';
import { defineLayer } from './define-layer';
import { BIAS_ACTIVATION, WINDOW_PARAMS, activationTag, convTfArgs, depthMultiplier, fmtPair, formula, needImage, strideTag, windowOut, windowRf } from './shared';
import { onnxDepthwise } from '../export/onnx/ops';
import { kerasAct } from '../export/python/keras-ops';
import { py } from '../export/python/literals';
import { ptDepthwise } from '../export/python/pytorch-ops';

/**
 * Keras' DepthwiseConv2D also takes a dilation rate, but tfjs 4.22 ignores it
 * (its call passes no dilation and its output shape leaves it out), so the
 * built model would not match what we show: it is not offered.
 */
export const depthwiseConv2d = defineLayer({
  type: 'depthwise-conv2d',
  label: 'DepthwiseConv2D',
  category: 'convolution',
  help: 'Filters each channel on its own (no mixing between channels): far fewer weights than Conv2D. MobileNet pairs it with a 1×1 Conv2D.',
  params: {
    ...WINDOW_PARAMS,
    depthMultiplier: depthMultiplier('Filters per input channel: output channels = input channels × this.'),
    ...BIAS_ACTIVATION,
  },
  inputs: { min: 1, max: 1 },
  outputShape(inputs, p) {
    const bad = needImage(inputs, 'DepthwiseConv2D');
    if (bad) return bad;
    const hw = windowOut('DepthwiseConv2D', inputs[0], p.kernel, p.stride, p.padding);
    return Array.isArray(hw) ? [hw[0], hw[1], inputs[0][2] * p.depthMultiplier] : hw;
  },
  paramCount([x], p) {
    const [kh, kw] = p.kernel;
    const outC = x[2] * p.depthMultiplier;
    const total = kh * kw * outC + (p.useBias ? outC : 0);
    const ch = p.depthMultiplier === 1 ? formatInt(x[2]) : `${formatInt(x[2])}×${p.depthMultiplier}`;
    return { trainable: total, nonTrainable: 0, formula: formula(p.useBias ? `(${kh}×${kw} + 1) × ${ch}` : `${kh}×${kw} × ${ch}`, total) };
  },
  macs: (_in, p, out) => p.kernel[0] * p.kernel[1] * out[0] * out[1] * out[2],
  rf: ([x], p) => windowRf(x, p.kernel, p.stride, p.padding),
  summary: (p) => `${fmtPair(p.kernel)}` + (p.depthMultiplier > 1 ? ` ×${p.depthMultiplier}` : '') + strideTag(p.stride) + activationTag(p.activation),
  toTfjs: (tf, p, name) => tf.layers.depthwiseConv2d({ ...convTfArgs(p, name), depthMultiplier: p.depthMultiplier }),
  onnx: onnxDepthwise,
  keras: (l) =>
    `layers.DepthwiseConv2D(${py(l.p.kernel)}, strides=${py(l.p.stride)}, padding=${py(l.p.padding)}, depth_multiplier=${l.p.depthMultiplier}, use_bias=${py(l.p.useBias)}, activation=${kerasAct(l.p)}`,
  pytorch: ptDepthwise,
});
