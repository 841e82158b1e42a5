/**
 * The ONNX (opset 13) building blocks the layer files' `onnx` hooks use:
 * convolutions, pooling, Dense, BatchNorm, Flatten/Reshape and activations
 * with TF semantics written out. Each layer's own hook (in its file under
 * engine/layers/) says which block it is.
 *
 * Layout: image tensors (H×W×C in the engine) are kept NCHW inside the ONNX
 * graph, which is what Conv/Pool/BatchNormalization expect; weights are
 * transposed once at export. The model's input and outputs stay NHWC (a
 * Transpose at each end), so the file takes and returns exactly what the
 * engine does. Flatten and Reshape go back to NHWC first, so the element
 * order after them is the engine's (Dense weights need no permutation).
 */
import { samePad, type Padding } from '../../core/conv-math';
import type { Shape } from '../../core/shape';
import type { OnnxEmitCtx } from '../../layers/export-types';
import { transposeArray, type WeightArray } from '../weights';
import type { AttrValue } from './proto';

export type { OnnxEmitCtx } from '../../layers/export-types';

const pair = (v: unknown) => v as readonly [number, number];

/** Channel axis of a tensor of engine rank r inside the ONNX graph. */
export const channelAxis = (rank: number) => (rank === 3 ? 1 : -1);

/** NCHW → NHWC for an image tensor; other ranks unchanged. */
export function toNhwc(c: OnnxEmitCtx, x: string, rank: number): string {
  return rank === 3 ? c.node('Transpose', [x], { perm: [0, 2, 3, 1] }) : x;
}
/** NHWC → NCHW for an image tensor; other ranks unchanged. */
export function toNchw(c: OnnxEmitCtx, x: string, rank: number): string {
  return rank === 3 ? c.node('Transpose', [x], { perm: [0, 3, 1, 2] }) : x;
}

/** An activation by its Keras name on tensor x of engine rank `rank`. */
export function onnxActivation(c: OnnxEmitCtx, x: string, fn: string, rank: number): string {
  switch (fn) {
    case 'linear':
      return x;
    case 'relu':
      return c.node('Relu', [x]);
    case 'relu6':
      return c.node('Clip', [x, c.floats('min', [], [0]), c.floats('max', [], [6])]);
    case 'sigmoid':
      return c.node('Sigmoid', [x]);
    case 'tanh':
      return c.node('Tanh', [x]);
    case 'elu':
      return c.node('Elu', [x], { alpha: { float: 1 } });
    case 'selu':
      return c.node('Selu', [x]);
    case 'softplus':
      return c.node('Softplus', [x]);
    case 'softsign':
      return c.node('Softsign', [x]);
    case 'swish':
      return c.node('Mul', [x, c.node('Sigmoid', [x])]);
    case 'gelu': {
      // tfjs' gelu is the exact one: 0.5·x·(1 + erf(x/√2)).
      const e = c.node('Erf', [c.node('Div', [x, c.floats('sqrt2', [], [Math.SQRT2])])]);
      return c.node('Mul', [c.node('Mul', [x, c.floats('half', [], [0.5])]), c.node('Add', [e, c.floats('one', [], [1])])]);
    }
    case 'softmax':
      return c.node('Softmax', [x], { axis: channelAxis(rank) });
    default:
      throw new Error(`layer ${c.name}: activation '${fn}' has no ONNX form`);
  }
}

/** [top, left, bottom, right] padding of a window, TF semantics. */
function windowPads(inShape: Shape, k: readonly [number, number], s: readonly [number, number], padding: Padding, d: readonly [number, number] = [1, 1]): number[] {
  if (padding === 'valid') return [0, 0, 0, 0];
  const h = samePad(inShape[0], k[0], s[0], d[0]);
  const w = samePad(inShape[1], k[1], s[1], d[1]);
  return [h.before, w.before, h.after, w.after];
}

/** tfjs conv kernel H×W×I×O → ONNX O×I×H×W. */
function convKernel(w: WeightArray): { data: Float32Array; shape: number[] } {
  return transposeArray(w.data, w.shape, [3, 2, 0, 1]);
}

export function onnxConv(c: OnnxEmitCtx): string {
  const k = pair(c.p.kernel);
  const s = pair(c.p.stride);
  const d = pair(c.p.dilation ?? [1, 1]);
  const kw = convKernel(c.weight('kernel'));
  const inputs = [c.x[0], c.floats('W', kw.shape, kw.data)];
  if (c.p.useBias) inputs.push(c.floats('B', c.weight('bias').shape, c.weight('bias').data));
  const y = c.node('Conv', inputs, { kernel_shape: [k[0], k[1]], strides: [s[0], s[1]], dilations: [d[0], d[1]], pads: windowPads(c.inShapes[0], k, s, c.p.padding as Padding, d), group: 1 });
  return onnxActivation(c, y, c.p.activation as string, 3);
}

/** tfjs depthwise kernel H×W×C×M → grouped conv weight (C·M)×1×H×W, output channel c·M + m. */
function depthwiseKernel(w: WeightArray): { data: Float32Array; shape: number[] } {
  const [kh, kw, ch, m] = w.shape;
  const t = transposeArray(w.data, w.shape, [2, 3, 0, 1]);
  return { data: t.data, shape: [ch * m, 1, kh, kw] };
}

export function onnxDepthwise(c: OnnxEmitCtx): string {
  const k = pair(c.p.kernel);
  const s = pair(c.p.stride);
  const ch = c.inShapes[0][2];
  const dk = depthwiseKernel(c.weight('depthwise_kernel'));
  const inputs = [c.x[0], c.floats('W', dk.shape, dk.data)];
  if (c.p.useBias) inputs.push(c.floats('B', c.weight('bias').shape, c.weight('bias').data));
  const y = c.node('Conv', inputs, { kernel_shape: [k[0], k[1]], strides: [s[0], s[1]], pads: windowPads(c.inShapes[0], k, s, c.p.padding as Padding), group: ch });
  return onnxActivation(c, y, c.p.activation as string, 3);
}

export function onnxSeparable(c: OnnxEmitCtx): string {
  const k = pair(c.p.kernel);
  const s = pair(c.p.stride);
  const d = pair(c.p.dilation);
  const ch = c.inShapes[0][2];
  const dk = depthwiseKernel(c.weight('depthwise_kernel'));
  const mid = c.node('Conv', [c.x[0], c.floats('depthwise_W', dk.shape, dk.data)], {
    kernel_shape: [k[0], k[1]],
    strides: [s[0], s[1]],
    dilations: [d[0], d[1]],
    pads: windowPads(c.inShapes[0], k, s, c.p.padding as Padding, d),
    group: ch,
  });
  const pk = convKernel(c.weight('pointwise_kernel'));
  const inputs = [mid, c.floats('pointwise_W', pk.shape, pk.data)];
  if (c.p.useBias) inputs.push(c.floats('B', c.weight('bias').shape, c.weight('bias').data));
  const y = c.node('Conv', inputs, { kernel_shape: [1, 1], strides: [1, 1], pads: [0, 0, 0, 0] });
  return onnxActivation(c, y, c.p.activation as string, 3);
}

export function onnxConvTranspose(c: OnnxEmitCtx): string {
  const k = pair(c.p.kernel);
  const s = pair(c.p.stride);
  // tfjs kernel H×W×O×I → ONNX ConvTranspose I×O×H×W (both are the adjoint of
  // a convolution, so no spatial flip).
  const w = c.weight('kernel');
  const kt = transposeArray(w.data, w.shape, [3, 2, 0, 1]);
  const inputs = [c.x[0], c.floats('W', kt.shape, kt.data)];
  if (c.p.useBias) inputs.push(c.floats('B', c.weight('bias').shape, c.weight('bias').data));
  // Full output is (n−1)·s + k; TF crops it to n·s ('same') or n·s + max(k−s,0)
  // ('valid'). 'same' crops floor((k−s)/2) at the start (the padding of the
  // forward convolution it is the gradient of); when k < s the output is
  // short by s − k, which ONNX adds as output_padding at the end.
  const pads = [0, 0, 0, 0];
  const outPad = [0, 0];
  for (let a = 0; a < 2; a++) {
    const extra = k[a] - s[a];
    if (extra < 0) outPad[a] = -extra;
    else if (c.p.padding === 'same') {
      pads[a] = Math.floor(extra / 2);
      pads[a + 2] = extra - pads[a];
    }
  }
  const y = c.node('ConvTranspose', inputs, { kernel_shape: [k[0], k[1]], strides: [s[0], s[1]], pads, output_padding: outPad });
  return onnxActivation(c, y, c.p.activation as string, 3);
}

export function onnxPool(op: 'MaxPool' | 'AveragePool') {
  return (c: OnnxEmitCtx): string => {
    const k = pair(c.p.pool);
    const st = pair(c.p.stride);
    const s: [number, number] = [st[0] || k[0], st[1] || k[1]];
    const attrs: Record<string, AttrValue> = { kernel_shape: [k[0], k[1]], strides: s, pads: windowPads(c.inShapes[0], k, s, c.p.padding as Padding) };
    // TF averages over the real pixels only at the borders of 'same' pooling.
    if (op === 'AveragePool') attrs.count_include_pad = 0;
    return c.node(op, [c.x[0]], attrs);
  };
}

export function onnxDense(c: OnnxEmitCtx): string {
  const rank = c.inShapes[0].length;
  const k = c.weight('kernel');
  const W = c.floats('W', k.shape, k.data);
  let y: string;
  if (rank === 1) {
    const inputs = [c.x[0], W];
    if (c.p.useBias) inputs.push(c.floats('B', c.weight('bias').shape, c.weight('bias').data));
    y = c.node('Gemm', inputs);
  } else {
    // Dense on a higher-rank tensor acts on the last (channel) axis, as Keras does.
    y = c.node('MatMul', [toNhwc(c, c.x[0], rank), W]);
    if (c.p.useBias) y = c.node('Add', [y, c.floats('B', c.weight('bias').shape, c.weight('bias').data)]);
    y = toNchw(c, y, rank);
  }
  return onnxActivation(c, y, c.p.activation as string, c.outShape.length);
}

export function onnxBatchNorm(c: OnnxEmitCtx): string {
  const ch = c.outShape[c.outShape.length - 1];
  const rank = c.inShapes[0].length;
  const gamma = c.p.scale ? c.weight('gamma').data : new Float32Array(ch).fill(1);
  const beta = c.p.center ? c.weight('beta').data : new Float32Array(ch);
  const attrs = { epsilon: { float: c.p.epsilon as number } };
  const args = [c.floats('gamma', [ch], gamma), c.floats('beta', [ch], beta), c.floats('mean', [ch], c.weight('moving_mean').data), c.floats('var', [ch], c.weight('moving_variance').data)];
  if (rank === 3 || rank === 1) return c.node('BatchNormalization', [c.x[0], ...args], attrs);
  // Other ranks: ONNX normalises axis 1, Keras the last one; move it there and back.
  const perm = [0, rank, ...Array.from({ length: rank - 1 }, (_, i) => i + 1)];
  const inv = perm.map((_, i) => perm.indexOf(i));
  const t = c.node('Transpose', [c.x[0]], { perm });
  return c.node('Transpose', [c.node('BatchNormalization', [t, ...args], attrs)], { perm: inv });
}

export function onnxFlatten(c: OnnxEmitCtx): string {
  const rank = c.inShapes[0].length;
  if (rank === 1) return c.node('Identity', [c.x[0]]);
  return c.node('Flatten', [toNhwc(c, c.x[0], rank)], { axis: 1 });
}

export function onnxReshape(c: OnnxEmitCtx): string {
  const inRank = c.inShapes[0].length;
  const y = c.node('Reshape', [toNhwc(c, c.x[0], inRank), c.ints('shape', [-1, ...c.outShape])]);
  return toNchw(c, y, c.outShape.length);
}

export function onnxGlobalPool(op: 'GlobalAveragePool' | 'GlobalMaxPool') {
  return (c: OnnxEmitCtx): string => c.node('Flatten', [c.node(op, [c.x[0]])], { axis: 1 });
}
