/**
 * Helpers several layer files share: spatial windows, formulas, activations,
 * and the fields every shape-keeping layer has in common. Layer files import
 * these instead of repeating the logic; the window arithmetic itself lives only
 * in core/conv-math.ts.
 *
 * MAC policy (what `macs` counts, so totals compare with published FLOPs):
 * multiply-adds of weighted layers (conv, dense), plus one per element for
 * affine element-wise layers (BatchNorm at inference, Rescaling) and one per
 * summed element for averages and Add. Comparisons (max pooling, ReLU) and
 * non-linear functions (sigmoid, softmax…) count 0: they are not multiply-adds.
 */
import { convOut, deconvOut, dilatedKernel, padBefore, type Padding } from '../core/conv-math';
import type { LayerError } from '../core/issues';
import { formatInt, formatShape, type Shape } from '../core/shape';
import { bool, choice, int, pair, type ParamsOf } from './params';
import type { ParamCount, RfRule, RfStep } from './types';

export const ACTIVATIONS = ['linear', 'relu', 'relu6', 'sigmoid', 'tanh', 'elu', 'selu', 'gelu', 'swish', 'softplus', 'softsign', 'softmax'] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];

/** "3×3" for a square pair, "1×7" otherwise. */
export const fmtPair = (p: readonly [number, number]) => `${p[0]}×${p[1]}`;

/** True when either axis of a pair is above 1 (a real stride or dilation). */
export const above1 = (p: readonly [number, number]) => p[0] > 1 || p[1] > 1;

/** Number of filters = output channels (Conv2D, SeparableConv2D, Conv2DTranspose). */
export const FILTERS = int({ default: 32, min: 1, max: 65_536, label: 'Filters', help: 'Number of filters = output channels.', key: true });

/** The sliding window of the convolution layers, Keras conventions. */
export const WINDOW_PARAMS = {
  kernel: pair({ default: 3, min: 1, max: 1024, label: 'Kernel', help: 'Filter height × width.', key: true }),
  stride: pair({ default: 1, min: 1, max: 1024, label: 'Stride', help: 'Step between filter positions; 2 halves the size.' }),
  padding: choice(['same', 'valid'], { default: 'same', label: 'Padding', help: "'same' keeps the size (stride 1); 'valid' uses no padding." }),
};

export const DILATION = pair({ default: 1, min: 1, max: 1024, label: 'Dilation', help: 'Gaps between filter taps: widens the receptive field at no cost in weights.' });

/** Depthwise filters per input channel. */
export const depthMultiplier = (help: string) => int({ default: 1, min: 1, max: 1024, label: 'Depth multiplier', help });

/** Bias and the activation fused into a weighted layer. */
export const BIAS_ACTIVATION = {
  useBias: bool({ default: true, label: 'Bias', help: 'Learn one added constant per output channel (or unit).' }),
  activation: choice(ACTIVATIONS, { default: 'linear', label: 'Activation', help: 'Function applied to the output; linear = none.' }),
};

/** The tfjs arguments every convolution layer shares. */
export function convTfArgs(
  p: { kernel: readonly [number, number]; stride: readonly [number, number]; padding: Padding; useBias: boolean; activation: ActivationName },
  name: string,
) {
  const tuple = (x: readonly [number, number]): [number, number] => [x[0], x[1]];
  return { name, kernelSize: tuple(p.kernel), strides: tuple(p.stride), padding: p.padding, useBias: p.useBias, activation: p.activation as never };
}

/** Requires a 3-D (H, W, C) input; otherwise an error naming what arrived. */
export function needImage(inputs: readonly Shape[], label: string): LayerError | null {
  const x = inputs[0];
  if (!x || x.length !== 3)
    return {
      code: 'E005',
      message: `${label} needs an image-shaped input (height × width × channels); received ${x ? formatShape(x) : 'nothing'}`,
      fix:
        x && x.length === 1
          ? 'Place it before Flatten/Dense, or add a Reshape to H×W×C.'
          : x && x.length === 2
            ? `Add a channel axis: make the shape ${x[0]}×${x[1]}×1 (in the Input layer, or with a Reshape).`
            : 'Connect an image-shaped layer to its input.',
    };
  return null;
}

/** Requires an input with at least one axis (anything but a scalar). */
export function needTensor(inputs: readonly Shape[], label: string): LayerError | null {
  const x = inputs[0];
  if (!x || x.length === 0)
    return { code: 'E005', message: `${label} needs an input with at least one axis; received ${x ? 'a scalar' : 'nothing'}`, fix: 'Connect a layer to its input.' };
  return null;
}

/**
 * TensorFlow rejects a window that is both strided and dilated
 * ("strides > 1 not supported in conjunction with dilation_rate > 1").
 */
export function strideDilationError(label: string, stride: readonly [number, number], dilation: readonly [number, number]): LayerError | null {
  if (above1(stride) && above1(dilation))
    return {
      code: 'E001',
      field: 'dilation',
      message: `${label} cannot combine stride ${fmtPair(stride)} with dilation ${fmtPair(dilation)} (TensorFlow rejects it)`,
      fix: 'Set stride or dilation back to 1.',
    };
  return null;
}

/** How a window layer names its parameters in messages (pooling says "pool size"). */
export interface WindowNames {
  /** Parameter key of the window size, e.g. `kernel` or `pool`. */
  kernelField: string;
  /** The window as the user reads it, e.g. `kernel` or `pool size`. */
  kernelWord: string;
}

const CONV_NAMES: WindowNames = { kernelField: 'kernel', kernelWord: 'kernel' };

/**
 * Output H and W of a sliding window, or an error naming the parameter at
 * fault (kernel larger than its input, output size zero).
 */
export function windowOut(
  label: string,
  x: Shape,
  kernel: readonly [number, number],
  stride: readonly [number, number],
  padding: Padding,
  dilation: readonly [number, number] = [1, 1],
  names: WindowNames = CONV_NAMES,
): [number, number] | LayerError {
  const out: number[] = [];
  for (let a = 0; a < 2; a++) {
    const n = x[a];
    const axis = a === 0 ? 'height' : 'width';
    const kd = dilatedKernel(kernel[a], dilation[a]);
    if (padding === 'valid' && kd > n) {
      const what = dilation[a] > 1 ? `dilated ${names.kernelWord} (${kernel[a]} taps × dilation ${dilation[a]} = ${kd})` : `${names.kernelWord} ${kernel[a]}`;
      return {
        code: 'E003',
        field: names.kernelField,
        message: `${label}: ${what} is larger than its input ${axis} ${n} with padding 'valid'`,
        fix: `Use padding 'same', a ${names.kernelWord} of at most ${n}${dilation[a] > 1 ? ', a smaller dilation' : ''}, or remove a downsampling layer before it.`,
      };
    }
    const o = convOut(n, kernel[a], stride[a], padding, dilation[a]);
    if (o <= 0)
      return {
        code: 'E002',
        field: 'stride',
        message: `${label}: output ${axis} would be ${o} (input ${axis} ${n}, ${names.kernelWord} ${kernel[a]}, stride ${stride[a]})`,
        fix: `Use a smaller ${names.kernelWord} or stride.`,
      };
    out.push(o);
  }
  return [out[0], out[1]];
}

/**
 * Output shape of a convolution with `filters` outputs and a dilated window
 * (Conv2D, SeparableConv2D): image input, TF's stride/dilation rule, window fit.
 */
export function dilatedConvShape(
  label: string,
  inputs: readonly Shape[],
  p: { filters: number; kernel: readonly [number, number]; stride: readonly [number, number]; padding: Padding; dilation: readonly [number, number] },
): Shape | LayerError {
  const bad = needImage(inputs, label) ?? strideDilationError(label, p.stride, p.dilation);
  if (bad) return bad;
  const hw = windowOut(label, inputs[0], p.kernel, p.stride, p.padding, p.dilation);
  return Array.isArray(hw) ? [hw[0], hw[1], p.filters] : hw;
}

/** RF step of a window layer, with TF's 'same' padding split. */
export function windowRf(
  x: Shape,
  kernel: readonly [number, number],
  stride: readonly [number, number],
  padding: Padding,
  dilation: readonly [number, number] = [1, 1],
): RfStep {
  return {
    kernel,
    stride,
    dilation,
    padBefore: [padBefore(x[0], kernel[0], stride[0], padding, dilation[0]), padBefore(x[1], kernel[1], stride[1], padding, dilation[1])],
  };
}

/** Output H and W of a transposed window (Conv2DTranspose): n·s (+ overhang for 'valid'). */
export function transposedOut(x: Shape, kernel: readonly [number, number], stride: readonly [number, number], padding: Padding): [number, number] {
  return [deconvOut(x[0], kernel[0], stride[0], padding), deconvOut(x[1], kernel[1], stride[1], padding)];
}

/**
 * RF step of a transposed window. `padBefore` is what TF crops from the start
 * of the full transposed output: the forward 'same' padding for an output of
 * n·s, i.e. floor(max(k − s, 0) / 2), and 0 for 'valid'.
 */
export function transposedRf(kernel: readonly [number, number], stride: readonly [number, number], padding: Padding): RfStep {
  const crop = (a: 0 | 1) => (padding === 'same' ? Math.floor(Math.max(kernel[a] - stride[a], 0) / 2) : 0);
  return { kernel, stride, dilation: [1, 1], padBefore: [crop(0), crop(1)], transposed: true };
}

/** "(3×3×64 + 1) × 128 = 73,856" — the sum of terms, then the total. */
export function formula(expr: string, total: number): string {
  return `${expr} = ${formatInt(total)}`;
}

/** Nothing to learn. */
export const NO_WEIGHTS: ParamCount = Object.freeze({ trainable: 0, nonTrainable: 0, formula: 'no weights' });

/**
 * Weights of a full convolution (Conv2D, Conv2DTranspose): one kh×kw×C kernel
 * per filter plus a bias each, "(3×3×64 + 1) × 128 = 73,856".
 */
export function convParams(kernel: readonly [number, number], inChannels: number, filters: number, useBias: boolean): ParamCount {
  const [kh, kw] = kernel;
  const w = kh * kw * inChannels * filters;
  const b = useBias ? filters : 0;
  const expr = useBias ? `(${kh}×${kw}×${formatInt(inChannels)} + 1) × ${formatInt(filters)}` : `${kh}×${kw}×${formatInt(inChannels)} × ${formatInt(filters)}`;
  return { trainable: w + b, nonTrainable: 0, formula: formula(expr, w + b) };
}

/** " /2" (or " /1×2") when strided, "" otherwise: the stride as shown on a node. */
export const strideTag = (s: readonly [number, number]) => (above1(s) ? ` /${s[0] === s[1] ? s[0] : fmtPair(s)}` : '');

/** " d2" (or " d1×2") when dilated, "" otherwise. */
export const dilationTag = (d: readonly [number, number]) => (above1(d) ? ` d${d[0] === d[1] ? d[0] : fmtPair(d)}` : '');

/** " · relu" unless linear. */
export const activationTag = (a: string) => (a !== 'linear' ? ` · ${a}` : '');

/**
 * The fields every one-input layer that keeps its input's shape and has no
 * weights shares (activations, Dropout). Spread into defineLayer({...}).
 */
export function shapeKeeping(label: string) {
  return {
    inputs: { min: 1, max: 1 },
    outputShape: (inputs: readonly Shape[]): Shape | LayerError => needTensor(inputs, label) ?? [...inputs[0]],
    paramCount: (): ParamCount => NO_WEIGHTS,
    macs: () => 0,
    rf: (): RfRule => 'identity',
  };
}

/** Parameters of a 2-D pooling window (MaxPool2D, AvgPool2D), Keras defaults. */
export function poolParams() {
  return {
    pool: pair({ default: 2, min: 1, max: 1024, label: 'Pool size', help: 'Window height × width.', key: true }),
    stride: pair({
      default: 0,
      min: 0,
      max: 1024,
      label: 'Stride',
      zeroMeans: 'same as pool size',
      help: 'Step between windows; 0 = the pool size (Keras default), so windows do not overlap.',
    }),
    padding: choice(['valid', 'same'], { default: 'valid', label: 'Padding', help: "'valid' drops a leftover edge; 'same' pads so the output is ceil(input / stride)." }),
  };
}

type PoolP = ParamsOf<ReturnType<typeof poolParams>>;

/** The stride a pooling layer uses: 0 on an axis means the pool size there (TF semantics). */
export const poolStride = (p: PoolP): [number, number] => [p.stride[0] || p.pool[0], p.stride[1] || p.pool[1]];

const POOL_NAMES: WindowNames = { kernelField: 'pool', kernelWord: 'pool size' };

/** Shape, RF and summary of a 2-D pooling layer; spread into defineLayer({...}). */
export function poolFields(label: string) {
  return {
    inputs: { min: 1, max: 1 },
    outputShape(inputs: readonly Shape[], p: PoolP): Shape | LayerError {
      const bad = needImage(inputs, label);
      if (bad) return bad;
      const hw = windowOut(label, inputs[0], p.pool, poolStride(p), p.padding, [1, 1], POOL_NAMES);
      return Array.isArray(hw) ? [hw[0], hw[1], inputs[0][2]] : hw;
    },
    paramCount: (): ParamCount => NO_WEIGHTS,
    rf: ([x]: readonly Shape[], p: PoolP): RfRule => windowRf(x, p.pool, poolStride(p), p.padding),
    summary: (p: PoolP) => fmtPair(p.pool) + strideTag(poolStride(p)) + (p.padding === 'same' ? ' same' : ''),
  };
}

/** tfjs arguments of a pooling layer (the same for max and average pooling). */
export const poolTfArgs = (p: PoolP, name: string) => ({ name, poolSize: [...p.pool] as [number, number], strides: poolStride(p), padding: p.padding });

/** Global pooling over height and width: H×W×C → C. Spread into defineLayer({...}). */
export function globalPoolFields(label: string) {
  return {
    params: {},
    inputs: { min: 1, max: 1 },
    outputShape: (inputs: readonly Shape[]): Shape | LayerError => needImage(inputs, label) ?? [inputs[0][2]],
    paramCount: (): ParamCount => NO_WEIGHTS,
    rf: (): RfRule => 'global',
    summary: () => 'H×W → 1',
  };
}
