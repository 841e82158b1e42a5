import { registerCustomLayers } from './tfjs-classes';
import { defineLayer } from './define-layer';
import {
  BIAS_ACTIVATION,
  DILATION,
  FILTERS,
  WINDOW_PARAMS,
  activationTag,
  convParams,
  convTfArgs,
  dilatedConvShape,
  dilationTag,
  fmtPair,
  strideTag,
  windowRf,
} from './shared';
import { onnxConv } from '../export/onnx/ops';
import { kerasAct } from '../export/python/keras-ops';
import { py } from '../export/python/literals';
import { ptConv } from '../export/python/pytorch-ops';

export const conv2d = defineLayer({
  type: 'conv2d',
  label: 'Conv2D',
  category: 'convolution',
  help: 'Slides learned filters over the image; each filter detects one pattern and makes one output channel.',
  params: { filters: FILTERS, ...WINDOW_PARAMS, dilation: DILATION, ...BIAS_ACTIVATION },
  inputs: { min: 1, max: 1 },
  outputShape: (inputs, p) => dilatedConvShape('Conv2D', inputs, p),
  paramCount: ([x], p) => convParams(p.kernel, x[2], p.filters, p.useBias),
  macs: ([x], p, out) => p.kernel[0] * p.kernel[1] * x[2] * out[0] * out[1] * out[2],
  rf: ([x], p) => windowRf(x, p.kernel, p.stride, p.padding, p.dilation),
  summary: (p) => `${p.filters} · ${fmtPair(p.kernel)}` + strideTag(p.stride) + dilationTag(p.dilation) + activationTag(p.activation),
  // tfjs cannot train a dilated Conv2D; the corrected class can (engine/layers/tfjs-classes.ts).
  toTfjs: (tf, p, name) => registerCustomLayers(tf).conv2d({ ...convTfArgs(p, name), filters: p.filters, dilationRate: [...p.dilation] }),
  onnx: onnxConv,
  keras: (l) =>
    `layers.Conv2D(${l.p.filters}, ${py(l.p.kernel)}, strides=${py(l.p.stride)}, padding=${py(l.p.padding)}, dilation_rate=${py(l.p.dilation)}, use_bias=${py(l.p.useBias)}, activation=${kerasAct(l.p)}`,
  pytorch: ptConv,
});
