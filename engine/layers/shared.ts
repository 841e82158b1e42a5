/** Helpers several layer files share: spatial windows, formulas, activations. */
import { convOut, padBefore, type Padding } from '../core/conv-math';
import type { LayerError } from '../core/issues';
import { formatInt, type Shape } from '../core/shape';
import type { RfStep } from './types';

export const ACTIVATIONS = ['linear', 'relu', 'relu6', 'sigmoid', 'tanh', 'elu', 'selu', 'gelu', 'swish', 'softplus', 'softsign', 'softmax'] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];

/** "3×3" for a square pair, "1×7" otherwise. */
export const fmtPair = (p: readonly [number, number]) => `${p[0]}×${p[1]}`;

/** Requires a 3-D (H, W, C) input; otherwise an error naming what arrived. */
export function needImage(inputs: readonly Shape[], label: string): LayerError | null {
  const x = inputs[0];
  if (!x || x.length !== 3)
    return {
      code: 'E005',
      message: `${label} needs an image-shaped input (height × width × channels); received ${x ? x.join('×') : 'nothing'}`,
      fix: x && x.length === 1 ? 'Place it before Flatten/Dense, or add a Reshape to H×W×C.' : 'Connect an image-shaped layer to its input.',
    };
  return null;
}

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
): [number, number] | LayerError {
  const out: number[] = [];
  for (let a = 0; a < 2; a++) {
    const n = x[a];
    const kd = dilation[a] * (kernel[a] - 1) + 1;
    if (padding === 'valid' && kd > n) {
      const what = dilation[a] > 1 ? `dilated kernel (${kernel[a]} taps × dilation ${dilation[a]} = ${kd})` : `kernel ${kernel[a]}`;
      return {
        code: 'E003',
        field: 'kernel',
        message: `${label}: ${what} is larger than its input ${a === 0 ? 'height' : 'width'} ${n} with padding 'valid'`,
        fix: `Use padding 'same', a kernel of at most ${n}${dilation[a] > 1 ? ', a smaller dilation' : ''}, or remove a downsampling layer before it.`,
      };
    }
    const o = convOut(n, kernel[a], stride[a], padding, dilation[a]);
    if (o <= 0)
      return { code: 'E002', field: 'stride', message: `${label}: output ${a === 0 ? 'height' : 'width'} would be ${o}`, fix: 'Use a smaller kernel or stride.' };
    out.push(o);
  }
  return [out[0], out[1]];
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

/** "(3×3×64 + 1) × 128 = 73,856" — the sum of terms, then the total. */
export function formula(expr: string, total: number): string {
  return `${expr} = ${formatInt(total)}`;
}
