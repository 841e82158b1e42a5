import { formatInt } from '../core/shape';
import { registerCustomLayers } from './tfjs-classes';
import { defineLayer } from './define-layer';
import {
  BIAS_ACTIVATION,
  DILATION,
  FILTERS,
  WINDOW_PARAMS,
  activationTag,
  convTfArgs,
  dilatedConvShape,
  depthMultiplier,
  dilationTag,
  fmtPair,
  formula,
  strideTag,
  windowRf,
} from './shared';
import { onnxSeparable } from '../export/onnx/ops';
import { kerasAct } from '../export/python/keras-ops';
import { py } from '../export/python/literals';
import { ptSeparable } from '../export/python/pytorch-ops';

export const separableConv2d = defineLayer({
  type: 'separable-conv2d',
  label: 'SeparableConv2D',
  category: 'convolution',
  help: 'A depthwise filter per channel followed by a 1×1 convolution that mixes channels: Conv2D\'s job with far fewer weights (Xception).',
  params: {
    filters: FILTERS,
    ...WINDOW_PARAMS,
    dilation: DILATION,
    depthMultiplier: depthMultiplier('Depthwise filters per input channel before the 1×1 step.'),
    ...BIAS_ACTIVATION,
  },
  inputs: { min: 1, max: 1 },
  outputShape: (inputs, p) => dilatedConvShape('SeparableConv2D', inputs, p),
  paramCount([x], p) {
    const [kh, kw] = p.kernel;
    const mid = x[2] * p.depthMultiplier;
    const depthwise = kh * kw * mid;
    const pointwise = mid * p.filters + (p.useBias ? p.filters : 0);
    const ch = p.depthMultiplier === 1 ? formatInt(x[2]) : `${formatInt(x[2])}×${p.depthMultiplier}`;
    const pw = p.useBias ? `(${ch} + 1) × ${formatInt(p.filters)}` : `${ch} × ${formatInt(p.filters)}`;
    return { trainable: depthwise + pointwise, nonTrainable: 0, formula: formula(`${kh}×${kw}×${ch} + ${pw}`, depthwise + pointwise) };
  },
  macs: ([x], p, out) => out[0] * out[1] * x[2] * p.depthMultiplier * (p.kernel[0] * p.kernel[1] + p.filters),
  rf: ([x], p) => windowRf(x, p.kernel, p.stride, p.padding, p.dilation),
  summary: (p) => `${p.filters} · ${fmtPair(p.kernel)}` + strideTag(p.stride) + dilationTag(p.dilation) + activationTag(p.activation),
  toTfjs: (tf, p, name) =>
    // tfjs cannot train a dilated SeparableConv2D; the corrected class can (engine/layers/tfjs-classes.ts).
    registerCustomLayers(tf).separableConv2d({ ...convTfArgs(p, name), filters: p.filters, dilationRate: [...p.dilation], depthMultiplier: p.depthMultiplier }),
  onnx: onnxSeparable,
  keras: (l) =>
    `layers.SeparableConv2D(${l.p.filters}, ${py(l.p.kernel)}, strides=${py(l.p.stride)}, padding=${py(l.p.padding)}, dilation_rate=${py(l.p.dilation)}, depth_multiplier=${l.p.depthMultiplier}, use_bias=${py(l.p.useBias)}, activation=${kerasAct(l.p)}`,
  pytorch: ptSeparable,
});
