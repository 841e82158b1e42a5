/**
 * Conv2DBackpropFilter on the wasm backend, read in place: our own wasm SIMD
 * multiply-accumulate (conv-simd-gemm.ts) walks x and dy where they are.
 *
 * Notation (NHWC): x [N,H,W,Ci], dy [N,Ho,Wo,Co], dW [kh,kw,Ci,Co],
 * stride s, dilation d, top/left padding pt/pl.
 *
 *   dW[a,b,ci,:] = Σ_{n,i,j} x[n, i·sh + a·dh − pt, j·sw + b·dw − pl, ci] · dy[n,i,j,:]
 *
 * Read dW as a matrix [kh·kw·Ci, Co] (its memory layout): row (a,b,ci) is a
 * reduction over the output pixels (n,i,j) of one float of x times one row of
 * dy. Along j the x address moves by sw·Ci floats, along i by sh·W·Ci, along n
 * by H·W·Ci, while dy ([N·Ho·Wo, Co]) is read row after row. That is exactly
 * the walk the SIMD kernel does, so neither operand is copied, transposed or
 * packed (the previous kernel, kept below as legacy, transposed both and let
 * XNNPACK repack dy on every call).
 *
 * Padding: when the forward pass reads outside x ('same', explicit pads),
 * the images of a block are first copied into a zero-bordered buffer
 * [Hn, Wn, Ci] covering every position read, so the walk never leaves the
 * data; for 'valid' layers x is read directly.
 *
 * Blocking: the reduction is split into blocks of whole images (about
 * BLOCK_PIXELS output pixels) so the part of x and dy a block reads stays in
 * the L2 cache while all row tiles of dW use it, and so the padded copy is
 * small. dW stays in L1/L2 and is accumulated in place.
 *
 * Rows of dW are processed in tiles of up to 6 consecutive (a,b,ci) rows,
 * which can span taps: each row carries its own start address.
 */
import type * as tf from '@tensorflow/tfjs';
import { type SimdGemm, simdAccumulate, simdGemmFor } from './conv-simd-gemm';
import { I32, boundModule, memoryImport, section, str, uleb, vec } from './wasm-binary';
import { type WasmBackendLike, free, heapMemory, heapOffset } from './wasm-ops';

/** Geometry of a 2-D convolution (as computed by tfjs's computeConv2DInfo). */
export interface ConvGeometry {
  kh: number; kw: number; sh: number; sw: number; dh: number; dw: number;
  pt: number; pl: number; H: number; W: number; Ho: number; Wo: number;
}

/** Output pixels per block of the reduction (see the file comment). */
const BLOCK_PIXELS = 2048;


/** The SIMD kernels for this backend's heap, or null (then use the legacy kernel). */
export function filterGradKernels(b: WasmBackendLike): SimdGemm | null {
  return simdGemmFor(heapMemory(b));
}

/** How a layer's filter gradient walks x (chosen from the shape alone). */
export interface FilterGradPlan {
  /** Whether blocks of x are copied into a zero-bordered buffer first. */
  padded: boolean;
  /** Rows and columns of one (possibly padded) image the walk reads. */
  Hn: number; Wn: number;
  /** Images per block. */
  imgsPerBlock: number;
}

/** Plans the walk of a layer. */
export function planFilterGrad(g: ConvGeometry, n: number): FilterGradPlan {
  // Rows/columns spanned by the reads, counted from −pt / −pl.
  const spanH = (g.Ho - 1) * g.sh + (g.kh - 1) * g.dh + 1;
  const spanW = (g.Wo - 1) * g.sw + (g.kw - 1) * g.dw + 1;
  const padded = g.pt > 0 || g.pl > 0 || spanH > g.H || spanW > g.W;
  return {
    padded,
    Hn: padded ? spanH : g.H,
    Wn: padded ? spanW : g.W,
    imgsPerBlock: Math.max(1, Math.min(n, Math.round(BLOCK_PIXELS / Math.max(1, g.Ho * g.Wo)))),
  };
}

/**
 * dW [kh,kw,Ci,Co] of a convolution from x [N,H,W,Ci] and dy [N,Ho,Wo,Co]
 * (float32), with the SIMD kernels `simd` (see filterGradKernels).
 */
export function filterGradInPlace(
  b: WasmBackendLike, simd: SimdGemm, x: tf.TensorInfo, dy: tf.TensorInfo, g: ConvGeometry, ci: number, co: number,
  plan: FilterGradPlan = planFilterGrad(g, x.shape[0]),
): tf.TensorInfo {
  const n = x.shape[0];
  const { kh, kw, sh, sw, dh, dw, H, W, Ho, Wo, pt, pl } = g;
  const { padded, Hn, Wn, imgsPerBlock } = plan;
  const M = kh * kw * ci;
  const out = b.makeOutput([kh, kw, ci, co], 'float32');
  const scratch = padded ? b.makeOutput([imgsPerBlock * Hn * Wn * ci], 'float32') : null;
  const outAt = heapOffset(b, out);
  (b.typedArrayFromHeap(out) as Float32Array).fill(0);
  if (n === 0 || Ho === 0 || Wo === 0) {
    free(b, scratch);
    return out;
  }
  const xAt = heapOffset(b, x);
  const dyAt = heapOffset(b, dy);
  const padAt = scratch ? heapOffset(b, scratch) : null;
  // Start of row (a,b,c) within an image, in bytes.
  const tapOffsets = new Int32Array(M);
  for (let a = 0; a < kh; a++) {
    for (let c = 0; c < kw; c++) {
      for (let k = 0; k < ci; k++) tapOffsets[(a * kw + c) * ci + k] = ((a * dh * Wn + c * dw) * ci + k) * 4;
    }
  }
  const rowAddrs = new Int32Array(M);
  const walkBase = {
    wo: Wo,
    rows: Ho,
    aStep: sw * ci * 4,
    aRowSkip: (sh * Wn - Wo * sw) * ci * 4,
    aImgSkip: (Hn - Ho * sh) * Wn * ci * 4,
  };
  for (let n0 = 0; n0 < n; n0 += imgsPerBlock) {
    const imgs = Math.min(imgsPerBlock, n - n0);
    const base = imagesAt(b, xAt, padAt, n0, imgs, H, W, ci, Hn, Wn, pt, pl);
    for (let r = 0; r < M; r++) rowAddrs[r] = base + tapOffsets[r];
    simdAccumulate(simd, rowAddrs, M, co, { ...walkBase, imgs }, dyAt + n0 * Ho * Wo * co * 4, co * 4, outAt, co * 4);
  }
  free(b, scratch);
  return out;
}

/**
 * pad(src, dst, imgs, srcImg, dstImg, top, rows, dstRow, srcRow, left, run,
 * right, bottom), all in bytes, imgs ≥ 1 and rows ≥ 1: for each image, zero
 * `top` bytes, then `rows` times zero `left`, copy `run` bytes of the source
 * row, zero `right`, then zero `bottom`; images srcImg / dstImg apart, rows
 * srcRow / dstRow. memory.copy / memory.fill are the engine's memmove and
 * memset: the same work as copyPadded's typed-array loop without its ~6,000
 * JavaScript calls per 64 images of 32×32.
 */
function padModule(shared: boolean): Uint8Array<ArrayBuffer> {
  const get = (i: number) => [0x20, i];
  const set = (i: number) => [0x21, i];
  const tee = (i: number) => [0x22, i];
  const add = [0x6a];
  const zero = [0x41, 0];
  const fill = [0xfc, 0x0b, 0x00];
  const copy = [0xfc, 0x0a, 0x00, 0x00];
  const [src, dst, imgs, srcImg, dstImg, top, rows, dstRow, srcRow, left, run, right, bottom, h, s, d] = Array.from({ length: 16 }, (_, i) => i);
  const code = [
    0x03, 0x40, // images
    ...get(dst), ...zero, ...get(top), ...fill,
    ...get(dst), ...get(top), ...add, ...set(d),
    ...get(src), ...set(s), ...get(rows), ...set(h),
    0x03, 0x40, // rows
    ...get(d), ...zero, ...get(left), ...fill,
    ...get(d), ...get(left), ...add, ...get(s), ...get(run), ...copy,
    ...get(d), ...get(left), ...add, ...get(run), ...add, ...zero, ...get(right), ...fill,
    ...get(d), ...get(dstRow), ...add, ...set(d),
    ...get(s), ...get(srcRow), ...add, ...set(s),
    ...get(h), 0x41, 1, 0x6b, ...tee(h), 0x0d, 0,
    0x0b,
    ...get(d), ...zero, ...get(bottom), ...fill,
    ...get(src), ...get(srcImg), ...add, ...set(src),
    ...get(dst), ...get(dstImg), ...add, ...set(dst),
    ...get(imgs), 0x41, 1, 0x6b, ...tee(imgs), 0x0d, 0,
    0x0b,
  ];
  const body = [...vec([[...uleb(3), I32]]), ...code, 0x0b];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec(Array.from({ length: 13 }, () => [I32])), 0]])),
    ...section(2, vec([memoryImport(shared)])),
    ...section(3, vec([uleb(0)])),
    ...section(7, vec([[...str('pad'), 0x00, 0]])),
    ...section(10, vec([[...uleb(body.length), ...body]])),
  ]);
}

type PadFn = (src: number, dst: number, imgs: number, srcImg: number, dstImg: number, top: number, rows: number, dstRow: number, srcRow: number, left: number, run: number, right: number, bottom: number) => void;

/** Whether copyPadded uses the wasm module (tests compare both ways). */
let padInWasm = true;
/** Tests: copyPadded with the typed-array loop (false) or the wasm module where it compiles (true, the default). */
export function setPadInWasm(on: boolean): void {
  padInWasm = on;
}

/**
 * The byte address the images n0 … n0+imgs−1 of x ([N, H, W, C] at xAt) are
 * read from: the zero-bordered copy at `copyAt` ([imgs, Hn, Wn, C], image
 * pixel (h, w) at (h + pt, w + pl)), made now by copyPadded, when the reads
 * leave x; else (copyAt null) x itself from image n0.
 */
export function imagesAt(
  b: WasmBackendLike, xAt: number, copyAt: number | null, n0: number, imgs: number,
  H: number, W: number, c: number, Hn: number, Wn: number, pt: number, pl: number,
): number {
  if (copyAt == null) return xAt + n0 * H * W * c * 4;
  copyPadded(b, xAt, copyAt, n0, imgs, H, W, c, Hn, Wn, pt, pl);
  return copyAt;
}

/**
 * Copies images n0 … n0+imgs−1 of x into [imgs, Hn, Wn, Ci] at byte address
 * dst, image pixel (h, w) at (h + pt, w + pl), zeros elsewhere. Rows are
 * contiguous runs of W·Ci floats (memmove); only the border around them is
 * zeroed (one pass over the buffer, not two). In one call of a small wasm
 * module (padModule) where the engine compiles it, else with typed arrays.
 * Also used by conv-forward.ts and winograd.ts.
 */
export function copyPadded(
  b: WasmBackendLike, xAt: number, dst: number, n0: number, imgs: number,
  H: number, W: number, ci: number, Hn: number, Wn: number, pt: number, pl: number,
) {
  if (imgs <= 0) return;
  const hp = new Float32Array(b.wasm.HEAPU8.buffer);
  const d0 = dst >> 2;
  // Rows and columns of x that land inside the buffer.
  const hEnd = Math.max(0, Math.min(H, Hn - pt));
  const wEnd = Math.max(0, Math.min(W, Wn - pl));
  if (hEnd === 0 || wEnd === 0) {
    hp.fill(0, d0, d0 + imgs * Hn * Wn * ci);
    return;
  }
  const run = wEnd * ci;
  const row = Wn * ci;
  const memory = padInWasm ? heapMemory(b) : undefined;
  const pad = memory ? boundModule(memory, 'pad', padModule, (ex) => ex.pad as PadFn) : null;
  if (pad) {
    pad(xAt + n0 * H * W * ci * 4, dst, imgs, H * W * ci * 4, Hn * row * 4, pt * row * 4, hEnd, row * 4, W * ci * 4, pl * ci * 4, run * 4, (row - pl * ci - run) * 4, (Hn - pt - hEnd) * row * 4);
    return;
  }
  for (let q = 0; q < imgs; q++) {
    const src = (xAt >> 2) + (n0 + q) * H * W * ci;
    const dImg = d0 + q * Hn * row;
    hp.fill(0, dImg, dImg + pt * row); // rows above
    for (let h = 0; h < hEnd; h++) {
      const d = dImg + (h + pt) * row;
      hp.fill(0, d, d + pl * ci); // left of the row
      const s = src + h * W * ci;
      hp.copyWithin(d + pl * ci, s, s + run);
      hp.fill(0, d + pl * ci + run, d + row); // right of it
    }
    hp.fill(0, dImg + (pt + hEnd) * row, dImg + Hn * row); // rows below
  }
}
