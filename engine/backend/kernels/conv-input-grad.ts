/**
 * Conv2DBackpropInput on the wasm backend with our SIMD multiply-accumulate
 * (conv-simd-gemm.ts), reading dy in place (or a zero-bordered copy of it)
 * and visiting only the taps that contribute.
 *
 * Notation (NHWC): dy [N,Ho,Wo,Co], W [kh,kw,Ci,Co], dx [N,H,W,Ci],
 * stride s, dilation d, top/left padding pt/pl.
 *
 *   dx[n,h,w,:] = Σ_{a,b,co} dy[n, (h + pt − a·dh)/sh, (w + pl − b·dw)/sw, co] · W[a,b,:,co]
 *
 * over the taps where both divisions are exact and the dy position exists.
 * Which taps divide exactly depends only on (h + pt) mod sh and (w + pl) mod
 * sw (the "phase"); for one phase they are an arithmetic progression in a
 * and in b. So for the pixels of one phase, dx rows are a product
 * [pixels, taps·Co] · [taps·Co, Ci]: the left operand read from dy by the
 * kernel's walk (Co contiguous floats per tap, then a step to the next tap),
 * the right one the filter with its last two axes swapped, restricted to the
 * phase's taps (small: built per call). Stride 1 has a single phase.
 *
 * The previous kernel computed the same thing as an XNNPACK convolution over
 * dy dilated with sh−1 zeros between pixels: for stride 2, 3/4 of its
 * multiply-adds were by inserted zeros, and XNNPACK repacked the flipped,
 * transposed filter (a new tensor) on every call.
 *
 * Borders: dy is read through a zero-bordered copy whenever a contributing
 * tap can fall outside it ('same' layers), built per block of images.
 */
import type * as tf from '@tensorflow/tfjs';
import type { ConvGeometry } from './conv-filter-grad';
import { type SimdGemm, simdAccumulate } from './conv-simd-gemm';
import { type WasmBackendLike, free, heapOffset } from './wasm-ops';

/** Input pixels (dx) per block of images (bounds the bordered copy of dy). */
const BLOCK_PIXELS = 4096;

const gcd = (p: number, q: number): number => (q === 0 ? p : gcd(q, p % q));

/** The taps contributing to one phase along one axis. */
interface AxisPhase {
  /** First tap, tap step, number of taps (0: no tap reaches these pixels). */
  first: number; step: number; count: number;
  /** dy index of pixel position p at the first tap is (p + pad − first·d) / s; it moves by −shift per tap step. */
  shift: number;
}

/** Taps of phase `ph` ((p + pad) mod s = ph) along an axis with kernel k, stride s, dilation d. */
function axisPhase(ph: number, k: number, s: number, d: number): AxisPhase {
  // a·d ≡ ph (mod s)
  let first = -1;
  for (let a = 0; a < k; a++) {
    if ((a * d) % s === ph) {
      first = a;
      break;
    }
  }
  const step = s / gcd(s, d);
  if (first < 0) return { first: 0, step, count: 0, shift: 0 };
  return { first, step, count: Math.floor((k - 1 - first) / step) + 1, shift: (step * d) / s };
}

/**
 * dx [N,H,W,Ci] from dy [N,Ho,Wo,Co] and the filter [kh,kw,Ci,Co] (float32),
 * with the SIMD kernels `simd`.
 */
export function inputGradInPlace(
  b: WasmBackendLike, simd: SimdGemm, dy: tf.TensorInfo, filter: tf.TensorInfo, g: ConvGeometry, n: number,
): tf.TensorInfo {
  const { kh, kw, sh, sw, dh, dw, pt, pl, H, W, Ho, Wo } = g;
  const ci = filter.shape[2];
  const co = filter.shape[3];
  const out = b.makeOutput([n, H, W, ci], 'float32');
  (b.typedArrayFromHeap(out) as Float32Array).fill(0);
  if (n === 0 || H === 0 || W === 0 || Ho === 0 || Wo === 0) return out;
  const rowPh = Array.from({ length: sh }, (_, p) => axisPhase(p, kh, sh, dh));
  const colPh = Array.from({ length: sw }, (_, p) => axisPhase(p, kw, sw, dw));
  // dy rows/columns a contributing tap can read: from (pad − (k−1)·d)/s up to (size − 1 + pad)/s.
  const top = Math.max(0, Math.ceil(((kh - 1) * dh - pt) / sh));
  const left = Math.max(0, Math.ceil(((kw - 1) * dw - pl) / sw));
  const bottom = Math.max(0, Math.floor((H - 1 + pt) / sh) - (Ho - 1));
  const right = Math.max(0, Math.floor((W - 1 + pl) / sw) - (Wo - 1));
  const bordered = top + left + bottom + right > 0;
  const Hp = Ho + top + bottom;
  const Wp = Wo + left + right;
  const imgsPerBlock = Math.max(1, Math.min(n, Math.round(BLOCK_PIXELS / (H * W))));
  // Right operands: per (row phase, column phase), rows (tap a, tap b, co) of W[a,b,:,co].
  const phases: { at: number; ra: AxisPhase; cb: AxisPhase }[] = [];
  let wLen = 0;
  for (const ra of rowPh) for (const cb of colPh) {
    phases.push({ at: wLen, ra, cb });
    wLen += ra.count * cb.count * co * ci;
  }
  const scratch = b.makeOutput([wLen + (bordered ? imgsPerBlock * Hp * Wp * co : 0)], 'float32');
  const wAt = heapOffset(b, scratch);
  const padAt = wAt + wLen * 4;
  {
    const hp = new Float32Array(b.wasm.HEAPU8.buffer);
    const f = heapOffset(b, filter) >> 2;
    for (const { at, ra, cb } of phases) {
      let o = (wAt >> 2) + at;
      for (let t = 0; t < ra.count; t++) {
        const a = ra.first + t * ra.step;
        for (let u = 0; u < cb.count; u++) {
          const c = cb.first + u * cb.step;
          const tap = f + (a * kw + c) * ci * co;
          for (let m = 0; m < co; m++) {
            for (let k = 0; k < ci; k++) hp[o++] = hp[tap + k * co + m];
          }
        }
      }
    }
  }
  const dyAt = heapOffset(b, dy);
  const outAt = heapOffset(b, out);
  const pix = co * 4; // bytes per dy pixel
  const rowAddrs = new Int32Array(sw === 1 ? imgsPerBlock * H * W : Math.ceil(W / sw));
  for (let n0 = 0; n0 < n; n0 += imgsPerBlock) {
    const imgs = Math.min(imgsPerBlock, n - n0);
    let src: number; // byte address of dy(n0) in the (bordered) layout, at its (0, 0)
    if (bordered) {
      copyBordered(b, dyAt, padAt, n0, imgs, Ho, Wo, co, Hp, Wp, top, left);
      src = padAt + (top * Wp + left) * pix;
    } else {
      src = dyAt + n0 * Ho * Wo * pix;
    }
    const dyImg = Hp * Wp * pix;
    // dy address of pixel (h, w) of image q at the first taps of its phase.
    const dyAddr = (q: number, h: number, w: number, ra: AxisPhase, cb: AxisPhase) =>
      src + q * dyImg + (((h + pt - ra.first * dh) / sh) * Wp + (w + pl - cb.first * dw) / sw) * pix;
    const walkOf = (ra: AxisPhase, cb: AxisPhase) => ({
      wo: co,
      rows: cb.count,
      imgs: ra.count,
      aStep: 4,
      aRowSkip: -cb.shift * pix - pix,
      aImgSkip: -ra.shift * Wp * pix + cb.count * cb.shift * pix,
    });
    if (sh === 1 && sw === 1) {
      // One phase: all pixels of the block in one product (row tiles may span image rows).
      const { at, ra, cb } = phases[0];
      let m = 0;
      for (let q = 0; q < imgs; q++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) rowAddrs[m++] = dyAddr(q, h, w, ra, cb);
      simdAccumulate(simd, rowAddrs, m, ci, walkOf(ra, cb), wAt + at * 4, ci * 4, outAt + n0 * H * W * ci * 4, ci * 4);
      continue;
    }
    // Strided: per image row and column phase, the pixels w ≡ phase (stride sw apart in dx).
    for (let q = 0; q < imgs; q++) {
      for (let h = 0; h < H; h++) {
        const pr = (h + pt) % sh;
        for (let pc = 0; pc < sw; pc++) {
          const { at, ra, cb } = phases[pr * sw + pc];
          if (ra.count === 0 || cb.count === 0) continue; // no tap reaches these pixels: dx stays 0
          // First w with (w + pl) mod sw = pc.
          const w0 = (((pc - pl) % sw) + sw) % sw;
          let m = 0;
          for (let w = w0; w < W; w += sw) rowAddrs[m++] = dyAddr(q, h, w, ra, cb);
          if (m === 0) continue;
          const c = outAt + (((n0 + q) * H + h) * W + w0) * ci * 4;
          simdAccumulate(simd, rowAddrs, m, ci, walkOf(ra, cb), wAt + at * 4, ci * 4, c, sw * ci * 4);
        }
      }
    }
  }
  free(b, scratch);
  return out;
}

/**
 * Copies images n0 … n0+imgs−1 of dy into [imgs, Hp, Wp, Co] at byte address
 * dst with a zero border (top rows, left columns before the data), one
 * memmove per dy row.
 */
function copyBordered(
  b: WasmBackendLike, dyAt: number, dst: number, n0: number, imgs: number,
  Ho: number, Wo: number, co: number, Hp: number, Wp: number, top: number, left: number,
) {
  const hp = new Float32Array(b.wasm.HEAPU8.buffer);
  const d0 = dst >> 2;
  hp.fill(0, d0, d0 + imgs * Hp * Wp * co);
  const run = Wo * co;
  for (let q = 0; q < imgs; q++) {
    const s0 = (dyAt >> 2) + (n0 + q) * Ho * run;
    const dImg = d0 + q * Hp * Wp * co;
    for (let i = 0; i < Ho; i++) hp.copyWithin(dImg + ((i + top) * Wp + left) * co, s0 + i * run, s0 + (i + 1) * run);
  }
}
