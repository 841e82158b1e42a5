/**
 * The one copy of the sliding-window arithmetic, with TensorFlow's semantics so
 * that every number matches the built model (tfjs `conv_utils.ts`, keras
 * `operation_utils.ts`). Sizes are per spatial axis.
 */

export type Padding = 'valid' | 'same';

/** Extent of a kernel of `k` taps with dilation `d`: d·(k−1)+1. */
export function dilatedKernel(k: number, d = 1): number {
  return d * (k - 1) + 1;
}

/**
 * Output length of a convolution or pooling window along one axis.
 * valid: ceil((n − k' + 1) / s); same: ceil(n / s). May be ≤ 0 for an
 * impossible configuration: callers turn that into an issue.
 */
export function convOut(n: number, k: number, s: number, padding: Padding, d = 1): number {
  const kd = dilatedKernel(k, d);
  return padding === 'same' ? Math.ceil(n / s) : Math.ceil((n - kd + 1) / s);
}

/**
 * Padding TensorFlow adds before (top/left) and after (bottom/right) one axis.
 * 'same' pads max((ceil(n/s)−1)·s + k' − n, 0) in total, the smaller half first.
 */
export function samePad(n: number, k: number, s: number, d = 1): { before: number; after: number } {
  const kd = dilatedKernel(k, d);
  const out = Math.ceil(n / s);
  const total = Math.max((out - 1) * s + kd - n, 0);
  const before = Math.floor(total / 2);
  return { before, after: total - before };
}

/** Padding before one axis for either mode (0 for 'valid'). */
export function padBefore(n: number, k: number, s: number, padding: Padding, d = 1): number {
  return padding === 'same' ? samePad(n, k, s, d).before : 0;
}

/**
 * Output length of a transposed convolution (tfjs/keras `deconvLength`
 * with no output padding): valid: n·s + max(k − s, 0); same: n·s.
 */
export function deconvOut(n: number, k: number, s: number, padding: Padding): number {
  return padding === 'same' ? n * s : n * s + Math.max(k - s, 0);
}
