/**
 * Convolution gradients for the wasm backend, expressed as XNNPACK forward
 * convolutions.
 *
 * Notation (NHWC): x [N,H,W,Ci], filter [kh,kw,Ci,Co], dy [N,Ho,Wo,Co],
 * stride s, dilation d, top/left padding pt/pl.
 *
 * Filter gradient. dW[a,b,ci,co] = Σ_{n,i,j} x[n, i·s+a·d−pt, j·s+b·d−pl, ci] · dy[n,i,j,co].
 * Read ci as a batch index, n as the channel being reduced and (i,j) as the
 * kernel taps: that is a forward convolution of xᵀ [Ci,H,W,N] with the filter
 * dyᵀ [Ho,Wo,N,Co], stride d, dilation s, same padding on top/left, giving
 * [Ci,kh,kw,Co], which a transpose turns into [kh,kw,Ci,Co].
 *
 * Input gradient. dx = conv(dilate(dy, s), flip(W)ᵀ), stride 1, dilation d,
 * top padding (kh−1)·d − pt: the textbook "full convolution with the rotated
 * filter". dilate() puts s−1 zeros between dy's pixels; flip(W)ᵀ[a,b,co,ci] =
 * W[kh−1−a, kw−1−b, ci, co].
 */
import * as tf from '@tensorflow/tfjs';
import {
  type ExplicitPad,
  type WasmBackendLike,
  conv2d,
  depthwise,
  dilateSpatial,
  free,
  pair,
  permute,
  runWasm,
  reshape,
  reverse,
  slice,
  sum,
  transpose,
} from './wasm-ops';
import { filterGradInPlace, filterGradKernels } from './conv-filter-grad';
import { inputGradInPlace } from './conv-input-grad';
import { WINOGRAD_MIN_CHANNELS, winogradApplies, winogradFilterGrad, winogradInputGrad, winogradInputGradApplies } from './winograd';

type PadAttr = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

interface GradGeometry {
  kh: number; kw: number; sh: number; sw: number; dh: number; dw: number;
  pt: number; pl: number; H: number; W: number; Ho: number; Wo: number;
}

function geometry(
  inShape: number[], filterShape: number[], strides: number | number[], dilations: number | number[] | undefined,
  pad: PadAttr, dimRoundingMode: 'floor' | 'round' | 'ceil' | undefined, depthwiseConv: boolean,
): GradGeometry {
  const info = tf.backend_util.computeConv2DInfo(
    inShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    pair(strides as number | [number, number]),
    pair(dilations as number | [number, number]),
    pad, dimRoundingMode, depthwiseConv, 'channelsLast',
  );
  return {
    kh: info.filterHeight, kw: info.filterWidth, sh: info.strideHeight, sw: info.strideWidth,
    dh: info.dilationHeight, dw: info.dilationWidth, pt: info.padInfo.top, pl: info.padInfo.left,
    H: info.inHeight, W: info.inWidth, Ho: info.outHeight, Wo: info.outWidth,
  };
}

/**
 * Padding of the filter-gradient convolution. Top/left are the forward pads;
 * bottom/right are chosen so the output is exactly kh×kw. A negative value
 * means trailing input rows the forward pass never read: crop them instead.
 */
function filterGradPads(g: GradGeometry) {
  const pb = (g.kh - 1) * g.dh + (g.Ho - 1) * g.sh + 1 - g.H - g.pt;
  const pr = (g.kw - 1) * g.dw + (g.Wo - 1) * g.sw + 1 - g.W - g.pl;
  return { pb, pr };
}

/** Crops rows/columns from the end of an NHWC tensor when a pad is negative. */
function cropEnd(b: WasmBackendLike, x: tf.TensorInfo, pb: number, pr: number): tf.TensorInfo | null {
  if (pb >= 0 && pr >= 0) return null;
  const [n, h, w, c] = x.shape;
  return slice(b, x, [0, 0, 0, 0], [n, h + Math.min(pb, 0), w + Math.min(pr, 0), c]);
}

/** Attributes shared by the four gradient kernels (tfjs names). */
interface GradAttrs {
  strides: number | [number, number];
  dilations?: number | [number, number];
  pad: PadAttr;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dataFormat?: 'NHWC' | 'NCHW';
}

function checkNHWC(name: string, attrs: GradAttrs) {
  if (attrs.dataFormat != null && attrs.dataFormat !== 'NHWC') {
    throw new Error(`${name} on wasm supports dataFormat 'NHWC' only; got '${attrs.dataFormat}'`);
  }
}

const explicit = (t: number, bt: number, l: number, r: number): ExplicitPad => [[0, 0], [t, bt], [l, r], [0, 0]];

/**
 * Which implementation of a convolution gradient to run: 'auto' (the default:
 * by shape, see each kernel), 'in-place' (our SIMD kernels whenever they
 * compile), 'legacy' (the previous XNNPACK formulations). The bench and the
 * tests use the explicit ones.
 */
export type ConvGradImpl = 'auto' | 'in-place' | 'legacy' | 'winograd';

/**
 * Conv2DBackpropFilter: inputs {x, dy}; attrs {strides, pad, dimRoundingMode,
 * filterShape, dilations?}. Returns dW [kh,kw,Ci,Co].
 *
 * Default: our wasm SIMD multiply-accumulate reading x and dy in place
 * (conv-filter-grad.ts). `impl: 'legacy'` runs the previous kernel (a
 * forward XNNPACK convolution of xᵀ with dyᵀ as its filter), kept for the
 * benchmark's before/after comparison and as the fallback where the SIMD
 * module cannot be compiled.
 */
export function conv2dBackpropFilter(
  b: WasmBackendLike, x: tf.TensorInfo, dy: tf.TensorInfo, attrs: GradAttrs & { filterShape: number[] },
  impl: ConvGradImpl = 'auto',
): tf.TensorInfo {
  checkNHWC('Conv2DBackpropFilter', attrs);
  const simd = impl !== 'legacy' && x.dtype === 'float32' && dy.dtype === 'float32' ? filterGradKernels(b) : null;
  if (simd == null) return conv2dBackpropFilterLegacy(b, x, dy, attrs);
  const g = geometry(x.shape, attrs.filterShape, attrs.strides, attrs.dilations, attrs.pad, attrs.dimRoundingMode, false);
  const [, , ci, co] = attrs.filterShape;
  if (impl === 'auto' || impl === 'winograd') {
    // 3×3 stride-1 layers with ≥ 8 input channels: the transpose of the Winograd forward pass (winograd.ts).
    const wg = { ...g, ci, co, n: x.shape[0] };
    if (winogradApplies(wg) && (impl === 'winograd' || ci >= WINOGRAD_MIN_CHANNELS)) {
      const out = winogradFilterGrad(b, simd, x, dy, wg);
      if (out != null) return out;
    }
  }
  return filterGradInPlace(b, simd, x, dy, g, ci, co);
}

/**
 * The previous Conv2DBackpropFilter (before the phase-plane products): a
 * forward convolution of xᵀ with dyᵀ as the filter, or one product
 * dyᵀ·patches when kh·kw·Ci < Co. Same contract as conv2dBackpropFilter.
 */
export function conv2dBackpropFilterLegacy(
  b: WasmBackendLike, x: tf.TensorInfo, dy: tf.TensorInfo, attrs: GradAttrs & { filterShape: number[] },
): tf.TensorInfo {
  checkNHWC('Conv2DBackpropFilter', attrs);
  const g = geometry(x.shape, attrs.filterShape, attrs.strides, attrs.dilations, attrs.pad, attrs.dimRoundingMode, false);
  const [, , ci, co] = attrs.filterShape;
  if (g.kh * g.kw * ci < co) return filterGradByPatches(b, x, dy, g, ci, co);
  const { pb, pr } = filterGradPads(g);
  const n = x.shape[0];
  // xᵀ: [Ci,H,W,N]. With N = 1 the transpose only moves a unit axis.
  const xT = permute(b, x, [3, 1, 2, 0]);
  const xC = cropEnd(b, xT, pb, pr);
  // dyᵀ: [Ho,Wo,N,Co] as a filter with N input channels.
  const dyT = permute(b, dy, [1, 2, 0, 3]);
  const out = conv2d(b, xC ?? xT, dyT, [g.dh, g.dw], [g.sh, g.sw], explicit(g.pt, Math.max(pb, 0), g.pl, Math.max(pr, 0)));
  free(b, xT, xC, dyT);
  // [Ci,kh,kw,Co] → [kh,kw,Ci,Co]; with Ci = 1 the layouts coincide.
  const r = permute(b, out, [1, 2, 0, 3]);
  free(b, out);
  return r;
}

/**
 * Filter gradient as one matrix product dWᵀ [Co, kh·kw·Ci] = dyᵀ [Co, P] ·
 * patches [P, kh·kw·Ci], P = N·Ho·Wo, for layers with few input channels
 * (the first layer: Ci = 1 or 3). XNNPACK packs its right operand on every
 * call at a cost proportional to its size, so the operand packed must be the
 * small one: here the input patches (kh·kw·Ci ≪ Co columns), where the
 * convolution form would pack dy (Co columns).
 */
function filterGradByPatches(b: WasmBackendLike, x: tf.TensorInfo, dy: tf.TensorInfo, g: GradGeometry, ci: number, co: number): tf.TensorInfo {
  const n = x.shape[0];
  const cols = g.kh * g.kw * ci;
  const rows = n * g.Ho * g.Wo;
  const patches = b.makeOutput([rows, cols], 'float32');
  {
    const dst = b.typedArrayFromHeap(patches) as Float32Array;
    const src = b.typedArrayFromHeap(x) as Float32Array;
    const { H, W, Ho, Wo, kh, kw, sh, sw, dh, dw, pt, pl } = g;
    let o = 0;
    for (let bi = 0; bi < n; bi++) {
      const xb = bi * H * W * ci;
      for (let i = 0; i < Ho; i++) {
        for (let j = 0; j < Wo; j++) {
          for (let a = 0; a < kh; a++) {
            const h = i * sh + a * dh - pt;
            const rowIn = h >= 0 && h < H;
            for (let c = 0; c < kw; c++) {
              const w = j * sw + c * dw - pl;
              if (rowIn && w >= 0 && w < W) {
                const p = xb + (h * W + w) * ci;
                for (let k = 0; k < ci; k++) dst[o++] = src[p + k];
              } else {
                for (let k = 0; k < ci; k++) dst[o++] = 0;
              }
            }
          }
        }
      }
    }
  }
  const dy2 = reshape(b, dy, [rows, co]);
  const dyT = transpose(b, dy2, [1, 0]);
  free(b, dy2);
  const prod = runWasm(b, 'BatchMatMul', { a: dyT, b: patches }, { transposeA: false, transposeB: false });
  free(b, dyT, patches);
  const prodT = transpose(b, prod, [1, 0]);
  free(b, prod);
  const r = reshape(b, prodT, [g.kh, g.kw, ci, co]);
  free(b, prodT);
  return r;
}

/**
 * Shared "full convolution" set-up of both input gradients: dilates dy by the
 * stride and returns the explicit padding that makes the stride-1 convolution
 * with the flipped filter produce exactly H×W. Returns null when the forward
 * padding exceeds the dilated kernel (only reachable with explicit pads), in
 * which case the caller falls back.
 */
function fullConvSetup(b: WasmBackendLike, dy: tf.TensorInfo, g: GradGeometry) {
  const ptop = (g.kh - 1) * g.dh - g.pt;
  const pleft = (g.kw - 1) * g.dw - g.pl;
  const hd = (g.Ho - 1) * g.sh + 1;
  const wd = (g.Wo - 1) * g.sw + 1;
  const pbot = g.H - hd - ptop + (g.kh - 1) * g.dh;
  const pright = g.W - wd - pleft + (g.kw - 1) * g.dw;
  if (ptop < 0 || pleft < 0 || pbot < 0 || pright < 0) return null;
  const dyD = g.sh === 1 && g.sw === 1 ? null : dilateSpatial(b, dy, g.sh, g.sw);
  return { dyD, pad: explicit(ptop, pbot, pleft, pright) };
}

/**
 * Conv2DBackpropInput: inputs {dy, filter}; attrs {strides, pad,
 * dimRoundingMode, inputShape, dilations?}. Returns dx [N,H,W,Ci], or null
 * when the geometry needs the generic kernel.
 *
 * 'auto' picks by shape (bench/conv-grads.bench.ts): our wasm SIMD
 * multiply-accumulate over the contributing taps only (conv-input-grad.ts)
 * for strided layers (2.5–3× faster than the previous kernel, which
 * multiplied the stride-dilated dy: 3/4 zeros for stride 2) and for
 * stride-1 layers with ≥ 16 input channels and a reduction kh·kw·Co ≥ 256
 * (1.2–1.35× faster); otherwise the previous kernel, an XNNPACK convolution
 * of dy with the flipped filter (ours loses there: few output columns or
 * short reductions leave its per-tile call overhead exposed).
 * `impl: 'in-place'` forces ours, 'legacy' the previous one.
 */
export function conv2dBackpropInput(
  b: WasmBackendLike, dy: tf.TensorInfo, filter: tf.TensorInfo, attrs: GradAttrs & { inputShape: number[] },
  impl: ConvGradImpl = 'auto',
): tf.TensorInfo | null {
  checkNHWC('Conv2DBackpropInput', attrs);
  const g = geometry(attrs.inputShape, filter.shape, attrs.strides, attrs.dilations, attrs.pad, attrs.dimRoundingMode, false);
  const ci = filter.shape[2];
  const co = filter.shape[3];
  if (impl === 'auto' || impl === 'winograd') {
    // 3×3 stride-1 layers with ≥ 8 channels: a Winograd convolution of dy with the flipped filter (winograd.ts).
    const wg = { ...g, ci, co, n: attrs.inputShape[0] };
    if (winogradInputGradApplies(wg) && (impl === 'winograd' || co >= WINOGRAD_MIN_CHANNELS)) {
      const out = winogradInputGrad(b, dy, filter, wg);
      if (out != null) return out;
    }
  }
  const ours = impl === 'in-place' || (impl === 'auto' && (g.sh > 1 || g.sw > 1 || (ci >= 16 && g.kh * g.kw * co >= 256)));
  const simd = ours && dy.dtype === 'float32' && filter.dtype === 'float32' ? filterGradKernels(b) : null;
  if (simd != null) return inputGradInPlace(b, simd, dy, filter, g, attrs.inputShape[0]);
  const setup = fullConvSetup(b, dy, g);
  if (setup == null) return null;
  const flipped = reverse(b, filter, [0, 1]);
  const fT = transpose(b, flipped, [0, 1, 3, 2]);
  free(b, flipped);
  const out = conv2d(b, setup.dyD ?? dy, fT, [1, 1], [g.dh, g.dw], setup.pad);
  free(b, setup.dyD, fT);
  return out;
}

/**
 * DepthwiseConv2dNativeBackpropFilter: inputs {x, dy}; attrs {strides,
 * dilations, pad, dimRoundingMode, filterShape}. x [N,H,W,C], dy
 * [N,Ho,Wo,C·M], result [kh,kw,C,M].
 *
 * Each channel c is an independent convolution, so the pairs (c,n) become the
 * channels of one depthwise convolution over a batch of 1: input
 * [1,H,W,C·N] (channel c·N+n), filter [Ho,Wo,C·N,M] built from dy, stride d,
 * dilation s; the output [1,kh,kw,C·N·M] is then summed over n.
 */
export function depthwiseBackpropFilter(
  b: WasmBackendLike, x: tf.TensorInfo, dy: tf.TensorInfo, attrs: GradAttrs & { filterShape: number[] },
): tf.TensorInfo {
  checkNHWC('DepthwiseConv2dNativeBackpropFilter', attrs);
  const [kh, kw, c, m] = attrs.filterShape;
  const g = geometry(x.shape, attrs.filterShape, attrs.strides, attrs.dilations, attrs.pad, attrs.dimRoundingMode, true);
  const { pb, pr } = filterGradPads(g);
  const n = x.shape[0];
  const xT = permute(b, x, [1, 2, 3, 0]); // [H,W,C,N]
  const xR = reshape(b, xT, [1, g.H, g.W, c * n]);
  free(b, xT);
  const xC = cropEnd(b, xR, pb, pr);
  const dy5 = reshape(b, dy, [n, g.Ho, g.Wo, c, m]);
  const dyT = permute(b, dy5, [1, 2, 3, 0, 4]); // [Ho,Wo,C,N,M]
  free(b, dy5);
  const f = reshape(b, dyT, [g.Ho, g.Wo, c * n, m]);
  free(b, dyT);
  const out = depthwise(b, xC ?? xR, f, [g.dh, g.dw], [g.sh, g.sw], explicit(g.pt, Math.max(pb, 0), g.pl, Math.max(pr, 0)));
  free(b, xR, xC, f);
  const out5 = reshape(b, out, [kh, kw, c, n, m]);
  free(b, out);
  if (n === 1) {
    const r = reshape(b, out5, [kh, kw, c, m]);
    free(b, out5);
    return r;
  }
  const r = sum(b, out5, [3]);
  free(b, out5);
  return r;
}

/**
 * DepthwiseConv2dNativeBackpropInput: inputs {dy, filter}; attrs {strides,
 * dilations, pad, dimRoundingMode, inputShape}. dx[n,·,·,c] = Σ_m
 * fullconv(dy[…,c·M+m], flip(W[:,:,c,m])): a depthwise convolution of the
 * dilated dy with the flipped filter seen as [kh,kw,C·M,1], then a sum over m.
 */
export function depthwiseBackpropInput(
  b: WasmBackendLike, dy: tf.TensorInfo, filter: tf.TensorInfo, attrs: GradAttrs & { inputShape: number[] },
): tf.TensorInfo | null {
  checkNHWC('DepthwiseConv2dNativeBackpropInput', attrs);
  const [kh, kw, c, m] = filter.shape;
  const g = geometry(attrs.inputShape, filter.shape, attrs.strides, attrs.dilations, attrs.pad, attrs.dimRoundingMode, true);
  const setup = fullConvSetup(b, dy, g);
  if (setup == null) return null;
  const flipped = reverse(b, filter, [0, 1]);
  const f = reshape(b, flipped, [kh, kw, c * m, 1]);
  free(b, flipped);
  const out = depthwise(b, setup.dyD ?? dy, f, [1, 1], [g.dh, g.dw], setup.pad);
  free(b, setup.dyD, f);
  if (m === 1) return out;
  const [n, h, w] = out.shape;
  const out5 = reshape(b, out, [n, h, w, c, m]);
  free(b, out);
  const r = sum(b, out5, [4]);
  free(b, out5);
  return r;
}
