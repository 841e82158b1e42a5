/**
 * Winograd convolution F(4×4, 3×3) on the wasm backend: 3×3 convolutions with
 * stride 1 and dilation 1 (most layers of VGG-, ResNet- and CIFAR-style
 * networks) in a quarter of the multiplications of the direct method.
 *
 * Why: the direct implicit GEMM (conv-forward.ts) already runs our SIMD
 * multiply-add at ~26 GFLOPS, about 80 % of what 128-bit wasm SIMD can do on
 * one core here, while PyTorch's oneDNN uses 512-bit AVX-512 (4× the lanes).
 * The remaining factor has to come from doing less arithmetic. Lavin & Gray,
 * "Fast Algorithms for Convolutional Neural Networks" (CVPR 2016,
 * arXiv:1509.09308): each 4×4 block of output pixels is
 *
 *   Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A
 *
 * for a 6×6 input tile d and 3×3 filter g. Summed over input channels, the
 * 36 element-wise products become 36 independent GEMMs
 *
 *   M_ξ [tiles, Co] = V_ξ [tiles, Ci] · U_ξ [Ci, Co],   ξ = 0 … 35,
 *
 * with 36·Ci·Co multiply-adds per 16 output pixels instead of 144·Ci·Co.
 * The transforms (adds and small constant multiplies) cost far less for the
 * channel counts where this is used (Ci ≥ 8); planForward picks it by shape.
 * F(4×4, 3×3) in float32 differs from the direct sum by rounding only
 * (relative error ~1e-6 of the output's scale, tested against the cpu
 * backend at 1e-4); NNPACK, oneDNN and ncnn use the same or larger tiles.
 *
 * Pipeline for a block of tiles (whole tile rows, sized to stay in L2):
 * 1. input transform (SIMD over 4 channels): V[ξ][t][ci] = (Bᵀ d_t B)[ξ]
 *    read from x, or from a zero-bordered copy of it (conv-filter-grad's
 *    copyPadded) when the convolution pads or the tiles overhang;
 * 2. GEMMs (SIMD, 3 tiles × 16 or 6 × 8 output channels per register block,
 *    all 36 ξ in one call): M[ξ][t][co] = Σ_ci V[ξ][t][ci] · U[ξ][ci][co];
 * 3. output transform (SIMD over 4 output channels) with the bias and
 *    relu / relu6 folded in: out = act(Aᵀ M_t A + bias), written straight
 *    into the output, or for tiles that overhang its edge into a scratch
 *    strip copied row by row.
 * U = G g Gᵀ is computed per call, in SIMD too (the filter changes every
 * training step; ~0.05 ms for 64→64).
 *
 * ξ is numbered column-major (ξ = 6·column + row of the 6×6 transform) so the
 * input transform's column pass and the output transform's first pass walk
 * V and M in storage order.
 *
 * The SIMD module is assembled here from bytes (no toolchain), specialised
 * per (Ci, Co) so that every pixel and channel pitch is an immediate offset,
 * and instantiated on the backend's own WebAssembly.Memory.
 */
import * as tf from '@tensorflow/tfjs';
import { relaxedSimd } from '../wasm-features';
import { imagesAt } from './conv-filter-grad';
import { type SimdGemm, simdAccumulate } from './conv-simd-gemm';
import { type WasmBackendLike, free, heapMemory, heapOffset } from './wasm-ops';
import { F32, I32, V128, boundModule, memoryImport, section, sleb, str, uleb, vec } from './wasm-binary';

/** Geometry of a convolution (as in conv-forward.ts). */
export interface WinogradGeometry {
  kh: number; kw: number; sh: number; sw: number; dh: number; dw: number;
  pt: number; pl: number; H: number; W: number; Ho: number; Wo: number;
  ci: number; co: number; n: number;
}

/** Output tile edge (F(4×4, 3×3)) and input tile edge. */
const TILE = 4;
const IN_TILE = 6;
const XIS = IN_TILE * IN_TILE;
/**
 * Register blocking of the GEMM: mr rows (tiles) × nv f32x4 columns of
 * accumulators, + nv B vectors + 1 broadcast A within the 16 SIMD registers:
 * 3 × 16 columns where Co allows (measured 25–30 GFLOPS against 23–27 for
 * 6 × 8 at Ci = Co = 16 and 64), else 6 × 8.
 */
function gemmBlocking(co: number): { mr: number; nv: number } {
  return co % 16 === 0 ? { mr: 3, nv: 4 } : { mr: 6, nv: 2 };
}
/** Bytes of V and M per block (they and U stay in the 2 MB L2 of the machines we measured). */
const BLOCK_BYTES = 1 << 20;

/**
 * Input channels (of the convolution Winograd computes: x's for the forward
 * pass and the filter gradient, dy's for the input gradient) from which the
 * 'auto' rules use it: below, the transforms cost more than the GEMMs save.
 */
export const WINOGRAD_MIN_CHANNELS = 8;

/** The shapes this file computes: 3×3, stride 1, dilation 1, Ci a multiple of 4, Co of 8. */
export function winogradApplies(g: WinogradGeometry): boolean {
  return g.kh === 3 && g.kw === 3 && g.sh === 1 && g.sw === 1 && g.dh === 1 && g.dw === 1 &&
    g.ci % 4 === 0 && g.co % 8 === 0 && g.ci > 0 && g.Ho > 0 && g.Wo > 0;
}

// --- a tiny assembler -------------------------------------------------------

/** Emits one function body: typed locals, then code. */
class Fn {
  private readonly types: number[] = [];
  readonly code: number[] = [];
  constructor(private readonly params: number) {}
  /** A new local of type `t` (i32 / f32 / v128). */
  local(t: number): number {
    this.types.push(t);
    return this.params + this.types.length - 1;
  }
  locals(t: number, n: number): number[] {
    return Array.from({ length: n }, () => this.local(t));
  }
  emit(...bytes: number[][]): this {
    for (const b of bytes) this.code.push(...b);
    return this;
  }
  /** The encoded body (locals grouped by runs of one type). */
  body(): number[] {
    const groups: number[][] = [];
    for (let i = 0; i < this.types.length; ) {
      let j = i;
      while (j < this.types.length && this.types[j] === this.types[i]) j++;
      groups.push([...uleb(j - i), this.types[i]]);
      i = j;
    }
    const full = [...vec(groups), ...this.code, 0x0b];
    return [...uleb(full.length), ...full];
  }
}

const get = (i: number) => [0x20, ...uleb(i)];
const set = (i: number) => [0x21, ...uleb(i)];
const tee = (i: number) => [0x22, ...uleb(i)];
const i32 = (v: number) => [0x41, ...sleb(v)];
const addI = [0x6a];
const subI = [0x6b];
const loop = [0x03, 0x40];
const end = [0x0b];
const vload = (off: number) => [0xfd, 0x00, 0, ...uleb(off)];
const vstore = (off: number) => [0xfd, 0x0b, 0, ...uleb(off)];
const splatLoad = (off: number) => [0xfd, 0x09, 0, ...uleb(off)]; // v128.load32_splat
const f32splat = [0xfd, 0x13];
const vadd = [0xfd, ...uleb(0xe4)];
const vsub = [0xfd, ...uleb(0xe5)];
const vmul = [0xfd, ...uleb(0xe6)];
const vmin = [0xfd, ...uleb(0xe8)];
const vmax = [0xfd, ...uleb(0xe9)];
const vmadd = [0xfd, ...uleb(0x105)]; // f32x4.relaxed_madd
const v128const = (f: number) => {
  const b = new Uint8Array(new Float32Array([f, f, f, f]).buffer);
  return [0xfd, 0x0c, ...b];
};
/** local -= 1; loop again while it is not 0. */
const countDown = (l: number) => [...get(l), ...i32(1), ...subI, ...tee(l), 0x0d, 0];
const bump = (l: number, by: number[]) => [...get(l), ...by, ...addI, ...set(l)];

/**
 * Emits code computing a linear combination of v128 locals into `dst`:
 * Σ coef·src (coef ±1 are adds/subs; others multiply by a splatted
 * constant kept in a local, see constLocals).
 */
function combo(f: Fn, consts: Map<number, number>, dst: number, terms: [number, number][]) {
  let first = true;
  for (const [coef, src] of terms) {
    const mag = Math.abs(coef);
    f.emit(get(src));
    if (mag !== 1) f.emit(get(consts.get(mag)!), vmul);
    if (first) {
      if (coef < 0) throw new Error('combo: the first term must be positive');
      first = false;
    } else f.emit(coef < 0 ? vsub : vadd);
  }
  f.emit(set(dst));
}

/** Locals holding splatted constants (set once at the function's start: V8 re-materialises v128.const at every use). */
function constLocals(f: Fn, values: number[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const v of values) {
    const l = f.local(V128);
    f.emit(v128const(v), set(l));
    m.set(v, l);
  }
  return m;
}

/**
 * Bᵀ (6×6) applied to six vectors d → t, sharing subexpressions:
 * t0 = 4(d0−d2) + (d4−d2); t1,2 = (d4−4d2) ± (d3−4d1);
 * t3,4 = (d4−d2) ± 2(d3−d1); t5 = 4(d1−d3) + (d5−d3).
 */
function inputTransform1d(f: Fn, k: Map<number, number>, d: number[], t: number[], tmp: number[]) {
  const [a, b, c, e] = tmp;
  combo(f, k, a, [[1, d[4]], [-4, d[2]]]);
  combo(f, k, b, [[1, d[3]], [-4, d[1]]]);
  combo(f, k, c, [[1, d[4]], [-1, d[2]]]);
  combo(f, k, e, [[1, d[3]], [-1, d[1]]]); // (d3 − d1); doubled below
  combo(f, k, t[5], [[1, d[5]], [-1, d[3]], [-4, e]]); // 4(d1−d3) + (d5−d3)
  combo(f, k, e, [[1, e], [1, e]]);
  combo(f, k, t[0], [[1, c], [4, d[0]], [-4, d[2]]]);
  combo(f, k, t[1], [[1, a], [1, b]]);
  combo(f, k, t[2], [[1, a], [-1, b]]);
  combo(f, k, t[3], [[1, c], [1, e]]);
  combo(f, k, t[4], [[1, c], [-1, e]]);
}

/**
 * Aᵀ (4×6) applied to six vectors m → y: with s = m1+m2, d = m1−m2,
 * S = m3+m4, D = m3−m4: y0 = m0+s+S, y1 = d+2D, y2 = s+4S, y3 = d+8D+m5.
 */
function outputTransform1d(f: Fn, k: Map<number, number>, m: number[], y: number[], tmp: number[]) {
  const [s, d, S, D] = tmp;
  combo(f, k, s, [[1, m[1]], [1, m[2]]]);
  combo(f, k, d, [[1, m[1]], [-1, m[2]]]);
  combo(f, k, S, [[1, m[3]], [1, m[4]]]);
  combo(f, k, D, [[1, m[3]], [-1, m[4]]]);
  combo(f, k, y[0], [[1, m[0]], [1, s], [1, S]]);
  combo(f, k, y[1], [[1, d], [2, D]]);
  combo(f, k, y[2], [[1, s], [4, S]]);
  combo(f, k, y[3], [[1, d], [8, D], [1, m[5]]]);
}

/** A 1-D transform emitted by the generators below: `from` locals → `to` locals, with constants k and 4 temporaries. */
type Transform1d = (f: Fn, k: Map<number, number>, from: number[], to: number[], tmp: number[]) => void;

/**
 * A tile → ξ-planes transform T d Tᵀ (T: 6 × size): fn(src, dst, ntiles,
 * rowPitch, xiStride) takes, for ntiles tiles along a row (tile t: size ×
 * size pixels from src + t·4 pixels, rows rowPitch bytes apart, `chans`
 * floats per pixel) and every channel quad, its 36 values to dst + ξ·xiStride
 * + t·chans·4, ξ = 6·column + row. Rows are transformed first, then the
 * columns, whose results are stored in ξ order.
 */
function toPlanesFn(chans: number, size: number, transform: Transform1d, constants: number[]): number[] {
  const f = new Fn(5);
  const [src, dst, ntiles, rowPitch, xiStride] = [0, 1, 2, 3, 4];
  const [t, c, p, rp, q, tp, td] = f.locals(I32, 7);
  const d = f.locals(V128, size);
  const rows = Array.from({ length: size }, () => f.locals(V128, IN_TILE)); // (d Tᵀ)[row][column]
  const col = f.locals(V128, size);
  const out = f.locals(V128, IN_TILE);
  const tmp = f.locals(V128, 4);
  const k = constLocals(f, constants);
  const pix = chans * 4;
  f.emit(get(src), set(tp), get(dst), set(td), get(ntiles), set(t), loop);
  f.emit(get(tp), set(p), get(td), set(q), i32(chans / 4), set(c), loop);
  f.emit(get(p), set(rp));
  for (let r = 0; r < size; r++) {
    for (let j = 0; j < size; j++) f.emit(get(rp), vload(j * pix), set(d[j]));
    transform(f, k, d, rows[r], tmp);
    if (r < size - 1) f.emit(bump(rp, get(rowPitch)));
  }
  for (let cc = 0; cc < IN_TILE; cc++) {
    for (let r = 0; r < size; r++) f.emit(get(rows[r][cc]), set(col[r]));
    transform(f, k, col, out, tmp);
    for (let r = 0; r < IN_TILE; r++) f.emit(get(q), get(out[r]), vstore(0), bump(q, get(xiStride)));
  }
  // Next channel quad: q went through 36 ξ planes; rewind it and step 16 bytes.
  f.emit(bump(p, i32(16)), get(q), get(xiStride), i32(XIS), [0x6c], subI, i32(16), addI, set(q));
  f.emit(countDown(c), end);
  f.emit(bump(tp, i32(TILE * pix)), bump(td, i32(pix)), countDown(t), end);
  return f.body();
}

/** in: the input transform V = Bᵀ d B of 6×6 tiles of x (Ci channels). */
const inputFn = (ci: number) => toPlanesFn(ci, IN_TILE, inputTransform1d, [4, 5]);

/**
 * gemm{mr}(a, b, c, blocks, xis, aXi, bXi, cXi): for each of xis planes
 * (a, b, c advancing by aXi, bXi, cXi bytes), for `blocks` blocks of mr rows,
 * in blocks of 4·nv columns:
 * C[r, :] = Σ_k A[r, k] · B[k, :] with A rows Ci floats, B and C rows Co
 * floats (all contiguous). Zero-initialised accumulators (C is overwritten).
 */
function gemmFn(ci: number, co: number, mr: number, fma: boolean, nv = 2): number[] {
  const f = new Fn(8);
  const [a, b, c, blocks, xis, aXi, bXi, cXi] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [x, blk, nb, pa, pb, pbk, pc, k, ab, cb] = f.locals(I32, 10);
  const acc = Array.from({ length: mr }, () => f.locals(V128, nv));
  const bv = f.locals(V128, nv);
  const av = f.local(V128);
  // K unrolled: fully up to 64 channels (every offset an immediate), else by 4.
  const U = ci <= 16 ? ci : 4; // K unrolled: fully for ≤ 16 channels (measured: 20 vs 17 GFLOPS at 16), by 4 above (fully unrolling 64 was slower)
  const lda = ci * 4;
  const ldb = co * 4;
  const zero = f.local(V128);
  f.emit(v128const(0), set(zero));
  f.emit(get(xis), set(x), loop); // ξ planes
  f.emit(get(a), set(ab), get(c), set(cb), get(blocks), set(blk), loop); // row blocks of mr
  f.emit(i32(co / (4 * nv)), set(nb), get(b), set(pb), get(cb), set(pc), loop); // column blocks
  for (let r = 0; r < mr; r++) for (let h = 0; h < nv; h++) f.emit(get(zero), set(acc[r][h]));
  f.emit(get(ab), set(pa), get(pb), set(pbk));
  if (U < ci) f.emit(i32(ci / U), set(k), loop); // K
  for (let u = 0; u < U; u++) {
    for (let h = 0; h < nv; h++) f.emit(get(pbk), vload(u * ldb + h * 16), set(bv[h]));
    for (let r = 0; r < mr; r++) {
      f.emit(get(pa), splatLoad(r * lda + u * 4), set(av));
      for (let h = 0; h < nv; h++) {
        if (fma) f.emit(get(av), get(bv[h]), get(acc[r][h]), vmadd, set(acc[r][h]));
        else f.emit(get(acc[r][h]), get(av), get(bv[h]), vmul, vadd, set(acc[r][h]));
      }
    }
  }
  if (U < ci) f.emit(bump(pa, i32(U * 4)), bump(pbk, i32(U * ldb)), countDown(k), end);
  for (let r = 0; r < mr; r++) for (let h = 0; h < nv; h++) f.emit(get(pc), get(acc[r][h]), vstore(r * ldb + h * 16));
  f.emit(bump(pb, i32(16 * nv)), bump(pc, i32(16 * nv)), countDown(nb), end);
  f.emit(bump(ab, i32(mr * lda)), bump(cb, i32(mr * ldb)), countDown(blk), end);
  f.emit(bump(a, get(aXi)), bump(b, get(bXi)), bump(c, get(cXi)), countDown(x), end);
  return f.body();
}

/**
 * out(src, dst, ntiles, rowPitch, xiStride, bias, lo, hi): for ntiles tiles
 * (M[ξ] of tile t at src + ξ·xiStride + t·Co·4) and every output-channel
 * quad, the 4×4 output pixels at dst + t·4 pixels (rows rowPitch bytes
 * apart) = min(max(Aᵀ M A + bias, lo), hi).
 * With `residual`, outr(src, dst, ntiles, rowPitch, xiStride, bias, resDelta,
 * lo, hi) also adds, before the clamp, the pixel resDelta bytes after each
 * output pixel (a residual tensor laid out like the output): a ResNet
 * block's Add and ReLU in the same pass.
 */
function outputFn(co: number, residual = false): number[] {
  const f = new Fn(residual ? 9 : 8);
  const [src, dst, ntiles, rowPitch, xiStride, bias] = [0, 1, 2, 3, 4, 5];
  const [resDelta, lo, hi] = residual ? [6, 7, 8] : [-1, 6, 7];
  const [t, c, ts, td, q, op, bp] = f.locals(I32, 7);
  const m = f.locals(V128, IN_TILE);
  const tcol = Array.from({ length: TILE }, () => f.locals(V128, IN_TILE)); // T = Aᵀ M: tcol[i][column]
  const y = f.locals(V128, TILE);
  const row = f.locals(V128, IN_TILE);
  const tmp = f.locals(V128, 4);
  const [vb, vlo, vhi] = f.locals(V128, 3);
  const k8 = constLocals(f, [2, 4, 8]);
  const pix = co * 4;
  f.emit(get(lo), f32splat, set(vlo), get(hi), f32splat, set(vhi));
  f.emit(get(src), set(ts), get(dst), set(td), get(ntiles), set(t), loop);
  f.emit(get(ts), set(q), get(td), set(op), get(bias), set(bp), i32(co / 4), set(c), loop);
  // T = Aᵀ M, one column of M (6 consecutive ξ) at a time.
  const qStart = f.local(I32);
  f.emit(get(q), set(qStart));
  for (let k = 0; k < IN_TILE; k++) {
    for (let r = 0; r < IN_TILE; r++) f.emit(get(q), vload(0), set(m[r]), bump(q, get(xiStride)));
    outputTransform1d(f, k8, m, tcol.map((tc) => tc[k]), tmp);
  }
  f.emit(get(bp), vload(0), set(vb));
  // Y = T A, row by row, + bias, clamped, stored.
  const rowPtr = f.local(I32);
  const resPtr = f.local(I32);
  f.emit(get(op), set(rowPtr));
  for (let i = 0; i < TILE; i++) {
    for (let k = 0; k < IN_TILE; k++) f.emit(get(tcol[i][k]), set(row[k]));
    outputTransform1d(f, k8, row, y, tmp);
    if (residual) f.emit(get(rowPtr), get(resDelta), addI, set(resPtr));
    for (let j = 0; j < TILE; j++) {
      f.emit(get(rowPtr), get(y[j]), get(vb), vadd);
      if (residual) f.emit(get(resPtr), vload(j * pix), vadd);
      f.emit(get(vlo), vmax, get(vhi), vmin, vstore(j * pix));
    }
    if (i < TILE - 1) f.emit(bump(rowPtr, get(rowPitch)));
  }
  f.emit(get(qStart), i32(16), addI, set(q), bump(op, i32(16)), bump(bp, i32(16)), countDown(c), end);
  f.emit(bump(ts, i32(pix)), bump(td, i32(TILE * pix)), countDown(t), end);
  return f.body();
}

/**
 * G (6×3) applied to three vectors g → t (t[k] to local t[k]), with
 * s = g0+g2, u = g0/24 + g2/6, v = g1/12: t0 = g0/4, t1,2 = −(s ± g1)/6,
 * t3,4 = u ± v, t5 = g2.
 */
function filterTransform1d(f: Fn, k: Map<number, number>, g: number[], t: number[], tmp: number[]) {
  const [s, u, v] = tmp;
  const mulK = (x: number, c: number) => f.emit(get(x), get(k.get(c)!), vmul);
  f.emit(get(g[0]), get(g[2]), vadd, set(s));
  mulK(g[0], 1 / 24); mulK(g[2], 1 / 6); f.emit(vadd, set(u));
  mulK(g[1], 1 / 12); f.emit(set(v));
  mulK(g[0], 1 / 4); f.emit(set(t[0]));
  f.emit(get(s), get(g[1]), vadd, get(k.get(-1 / 6)!), vmul, set(t[1]));
  f.emit(get(s), get(g[1]), vsub, get(k.get(-1 / 6)!), vmul, set(t[2]));
  f.emit(get(u), get(v), vadd, set(t[3]));
  f.emit(get(u), get(v), vsub, set(t[4]));
  f.emit(get(g[2]), set(t[5]));
}

/**
 * filt(src, dst): U[ξ = 6·c + r] = (G g Gᵀ)[r][c] for the Ci·Co filters of
 * g [3,3,Ci,Co] at src (SIMD over 4 output channels), written to the 36
 * planes of Ci·Co floats at dst.
 */
function filterFn(ci: number, co: number): number[] {
  const f = new Fn(2);
  const [src, dst] = [0, 1];
  const [p, q, i] = f.locals(I32, 3);
  const g = Array.from({ length: 3 }, () => f.locals(V128, 3)); // g[a][b]
  const t = Array.from({ length: IN_TILE }, () => f.locals(V128, 3)); // (G g)[r][b]
  const col = f.locals(V128, 3);
  const out = f.locals(V128, IN_TILE);
  const tmp = f.locals(V128, 3);
  const k = constLocals(f, [1 / 4, -1 / 6, 1 / 6, 1 / 12, 1 / 24]);
  const plane = ci * co * 4;
  f.emit(get(src), set(p), get(dst), set(q), i32((ci * co) / 4), set(i), loop);
  for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) f.emit(get(p), vload((a * 3 + b) * plane), set(g[a][b]));
  for (let b = 0; b < 3; b++) {
    for (let a = 0; a < 3; a++) f.emit(get(g[a][b]), set(col[a]));
    filterTransform1d(f, k, col, t.map((row) => row[b]), tmp);
  }
  for (let r = 0; r < IN_TILE; r++) {
    filterTransform1d(f, k, t[r], out, tmp);
    for (let c = 0; c < IN_TILE; c++) f.emit(get(q), get(out[c]), vstore((c * IN_TILE + r) * plane));
  }
  f.emit(bump(p, i32(16)), bump(q, i32(16)), countDown(i), end);
  return f.body();
}

/**
 * A (6×4 = the transpose of Aᵀ) applied to four vectors y → m:
 * m0 = y0, m5 = y3, m1,2 = (y0+y2) ± (y1+y3), m3,4 = (y0+4y2) ± (2y1+8y3).
 */
function gradTransform1d(f: Fn, k: Map<number, number>, y: number[], m: number[], tmp: number[]) {
  const [e, o] = tmp;
  combo(f, k, e, [[1, y[0]], [1, y[2]]]);
  combo(f, k, o, [[1, y[1]], [1, y[3]]]);
  combo(f, k, m[1], [[1, e], [1, o]]);
  combo(f, k, m[2], [[1, e], [-1, o]]);
  combo(f, k, e, [[1, y[0]], [4, y[2]]]);
  combo(f, k, o, [[2, y[1]], [8, y[3]]]);
  combo(f, k, m[3], [[1, e], [1, o]]);
  combo(f, k, m[4], [[1, e], [-1, o]]);
  f.emit(get(y[0]), set(m[0]), get(y[3]), set(m[5]));
}

/**
 * dyt: (A dY Aᵀ) of 4×4 tiles of dy (Co channels), the gradient with respect
 * to M of the forward output transform.
 */
const dyFn = (co: number) => toPlanesFn(co, TILE, gradTransform1d, [2, 4, 8]);

/**
 * Gᵀ (3×6) applied to six vectors z → w, with s = z1+z2, d = z1−z2,
 * S = z3+z4, D = z3−z4: w0 = z0/4 − s/6 + S/24, w1 = −d/6 + D/12,
 * w2 = −s/6 + S/6 + z5.
 */
function gradFilter1d(f: Fn, k: Map<number, number>, z: number[], w: number[], tmp: number[]) {
  const [s, d, S, D] = tmp;
  const term = (x: number, c: number) => f.emit(get(x), get(k.get(c)!), vmul);
  f.emit(get(z[1]), get(z[2]), vadd, set(s), get(z[1]), get(z[2]), vsub, set(d));
  f.emit(get(z[3]), get(z[4]), vadd, set(S), get(z[3]), get(z[4]), vsub, set(D));
  term(z[0], 1 / 4); term(s, -1 / 6); f.emit(vadd); term(S, 1 / 24); f.emit(vadd, set(w[0]));
  term(d, -1 / 6); term(D, 1 / 12); f.emit(vadd, set(w[1]));
  term(s, -1 / 6); term(S, 1 / 6); f.emit(vadd, get(z[5]), vadd, set(w[2]));
}

/**
 * gz(src, dst): dW[a][b] = (Gᵀ Z G)[a][b] for the Ci·Co filters (SIMD over
 * 4 output channels) from Z[ξ = 6·c + r] (36 planes of Ci·Co floats at src)
 * into dW [3,3,Ci,Co] at dst.
 */
function gradFilterFn(ci: number, co: number): number[] {
  const f = new Fn(2);
  const [src, dst] = [0, 1];
  const [p, q, i] = f.locals(I32, 3);
  const z = f.locals(V128, IN_TILE);
  const pc = Array.from({ length: IN_TILE }, () => f.locals(V128, 3)); // (Gᵀ Z)[a][c] as pc[c][a]
  const row = f.locals(V128, IN_TILE);
  const w = f.locals(V128, 3);
  const tmp = f.locals(V128, 4);
  const k = constLocals(f, [1 / 4, -1 / 6, 1 / 6, 1 / 12, 1 / 24]);
  const plane = ci * co * 4;
  f.emit(get(src), set(p), get(dst), set(q), i32((ci * co) / 4), set(i), loop);
  for (let c = 0; c < IN_TILE; c++) {
    for (let r = 0; r < IN_TILE; r++) f.emit(get(p), vload((c * IN_TILE + r) * plane), set(z[r]));
    gradFilter1d(f, k, z, pc[c], tmp);
  }
  for (let a = 0; a < 3; a++) {
    for (let c = 0; c < IN_TILE; c++) f.emit(get(pc[c][a]), set(row[c]));
    gradFilter1d(f, k, row, w, tmp);
    for (let b = 0; b < 3; b++) f.emit(get(q), get(w[b]), vstore((a * 3 + b) * plane));
  }
  f.emit(bump(p, i32(16)), bump(q, i32(16)), countDown(i), end);
  return f.body();
}

/** The module for (Ci, Co): in, gemm1 … gemm6, out, filt, dyt, gz; memory imported as env.memory. */
function assemble(ci: number, co: number, fma: boolean, shared: boolean): Uint8Array<ArrayBuffer> {
  const fnType = (params: number[]) => [0x60, ...vec(params.map((p) => [p])), 0];
  const types = [fnType(Array(5).fill(I32)), fnType(Array(8).fill(I32)), fnType([...Array(6).fill(I32), F32, F32]), fnType([I32, I32]), fnType([...Array(7).fill(I32), F32, F32])];
  const funcs: { name: string; type: number; body: number[] }[] = [{ name: 'in', type: 0, body: inputFn(ci) }];
  const { mr: maxMr, nv } = gemmBlocking(co);
  for (let mr = 1; mr <= maxMr; mr++) funcs.push({ name: `gemm${mr}`, type: 1, body: gemmFn(ci, co, mr, fma, nv) });
  funcs.push({ name: 'out', type: 2, body: outputFn(co) });
  funcs.push({ name: 'outr', type: 4, body: outputFn(co, true) });
  funcs.push({ name: 'filt', type: 3, body: filterFn(ci, co) });
  funcs.push({ name: 'dyt', type: 0, body: dyFn(co) });
  funcs.push({ name: 'gz', type: 3, body: gradFilterFn(ci, co) });
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(2, vec([memoryImport(shared)])),
    ...section(3, vec(funcs.map((fn) => uleb(fn.type)))),
    ...section(7, vec(funcs.map((fn, k) => [...str(fn.name), 0x00, ...uleb(k)]))),
    ...section(10, vec(funcs.map((fn) => fn.body))),
  ]);
}

type InFn = (src: number, dst: number, ntiles: number, rowPitch: number, xiStride: number) => void;
type GemmFn = (a: number, b: number, c: number, blocks: number, xis: number, aXi: number, bXi: number, cXi: number) => void;
type OutFn = (src: number, dst: number, ntiles: number, rowPitch: number, xiStride: number, bias: number, lo: number, hi: number) => void;
type OutResidualFn = (src: number, dst: number, ntiles: number, rowPitch: number, xiStride: number, bias: number, resDelta: number, lo: number, hi: number) => void;
/** The functions of one (Ci, Co) module bound to a memory. */
export interface WinogradKernels {
  input: InFn;
  /** gemm[mr] for mr = 1 … maxRows. */
  gemm: GemmFn[];
  maxRows: number;
  output: OutFn;
  /** The output transform that also adds a residual (see outputFn). */
  outputResidual: OutResidualFn;
  /** filt(src, dst): the filter transform (see filterFn). */
  filter: (src: number, dst: number) => void;
  /** dyt: the output gradient's transform A dY Aᵀ (see dyFn). */
  dyTransform: InFn;
  /** gz(src, dst): the filter gradient's final transform Gᵀ Z G (see gradFilterFn). */
  gradFilter: (src: number, dst: number) => void;
}

/** The kernels for (Ci, Co) bound to `memory`, or null when this engine cannot compile wasm SIMD. */
export function winogradKernelsFor(memory: WebAssembly.Memory, ci: number, co: number): WinogradKernels | null {
  const fma = relaxedSimd();
  return boundModule(memory, `winograd/${ci}/${co}/${fma ? 'fma' : 'plain'}`, (shared) => assemble(ci, co, fma, shared), (exports) => {
    const ex = exports as Record<string, never>;
    return {
      input: ex.in as InFn,
      gemm: Array.from({ length: gemmBlocking(co).mr + 1 }, (_, mr) => ex[`gemm${mr}`] as GemmFn),
      maxRows: gemmBlocking(co).mr,
      output: ex.out as OutFn,
      outputResidual: ex.outr as OutResidualFn,
      filter: ex.filt as WinogradKernels['filter'],
      dyTransform: ex.dyt as InFn,
      gradFilter: ex.gz as WinogradKernels['gradFilter'],
    };
  });
}

/**
 * Byte pitch of the 36 ξ planes of V and M: at least `bytes`, a whole number
 * of 64-byte lines, and an odd one. The input transform stores to (and the
 * output transform loads from) all 36 planes for every tile; with a pitch of
 * a multiple of 4 KiB — or half of one — those 36 lines fall into one or two
 * sets of the L1 cache (12 ways) and evict each other: the input transform
 * of 32×32×16 ran 2.1× slower.
 */
export function planePitch(bytes: number): number {
  const lines = Math.ceil(bytes / 64);
  return (lines | 1) * 64;
}


/**
 * How a convolution's output is cut into 4×4 tiles (th × tw per image) and
 * the tiles into blocks of whole tile rows, shared by the forward pass and
 * the filter gradient. The tiles read input rows/columns −pt … 4·th + 1 − pt
 * (Hn × Wn): x itself when it is exactly that, else a zero-bordered copy.
 * A block's V and M (36 planes each) stay within BLOCK_BYTES.
 */
function tiling(g: WinogradGeometry) {
  const th = Math.ceil(g.Ho / TILE);
  const tw = Math.ceil(g.Wo / TILE);
  const Hn = TILE * th + 2;
  const Wn = TILE * tw + 2;
  return {
    th, tw, Hn, Wn,
    padded: g.pt !== 0 || g.pl !== 0 || Hn !== g.H || Wn !== g.W,
    rowsPerBlock: Math.max(1, Math.floor(BLOCK_BYTES / (XIS * tw * (g.ci + g.co) * 4))),
  };
}

/**
 * Input transforms of tile rows r0 … r1−1 of a group of images whose
 * (padded) input starts at byte address `base`, into V (plane pitch xiIn).
 */
function inputRows(k: WinogradKernels, t: ReturnType<typeof tiling>, ci: number, base: number, r0: number, r1: number, vAt: number, xiIn: number) {
  for (let r = r0; r < r1; r++) {
    const img = Math.floor(r / t.th);
    const ty = r % t.th;
    k.input(base + (img * t.Hn * t.Wn + ty * TILE * t.Wn) * ci * 4, vAt + (r - r0) * t.tw * ci * 4, t.tw, t.Wn * ci * 4, xiIn);
  }
}

/** Activation bounds applied by the output transform. */
export type WinogradActivation = 'linear' | 'relu' | 'relu6';
const BOUNDS: Record<WinogradActivation, [number, number]> = { linear: [-Infinity, Infinity], relu: [0, Infinity], relu6: [0, 6] };

/**
 * out = act(conv3×3(x, filter) + bias [+ residual]), NHWC float32, stride 1,
 * dilation 1, any padding (winogradApplies(g) must hold), with the Winograd
 * kernels `k` of (Ci, Co) bound to the backend's heap. `residual`, when
 * given, has the output's shape and is added before the activation.
 */
export function winogradConv2d(
  b: WasmBackendLike, k: WinogradKernels, x: tf.TensorInfo, filter: tf.TensorInfo, bias: tf.TensorInfo | null,
  g: WinogradGeometry, act: WinogradActivation, residual: tf.TensorInfo | null = null,
): tf.TensorInfo {
  const { n, ci, co, H, W, Ho, Wo, pt, pl } = g;
  const out = b.makeOutput([n, Ho, Wo, co], 'float32');
  if (n === 0) return out;
  const tl = tiling(g);
  const { th, tw, Hn, Wn, padded, rowsPerBlock } = tl;
  const exact = Ho % TILE === 0 && Wo % TILE === 0;
  // Images per padded copy: the copy ~ the size of a block's input, at least one image.
  const imgsPerCopy = padded ? Math.max(1, Math.min(n, Math.floor(rowsPerBlock / th))) : n;
  const maxTiles = Math.min(rowsPerBlock, imgsPerCopy * th) * tw;
  const V = b.makeOutput([XIS * planePitch(maxTiles * ci * 4) / 4], 'float32');
  const M = b.makeOutput([XIS * planePitch(maxTiles * co * 4) / 4], 'float32');
  const U = b.makeOutput([XIS * ci * co], 'float32');
  const zeros = bias ? null : b.makeOutput([co], 'float32');
  const scratch = padded ? b.makeOutput([imgsPerCopy * Hn * Wn * ci], 'float32') : null;
  // Overhanging tiles write a strip of 4 full output rows, copied into out row by row.
  const strip = exact ? null : b.makeOutput([TILE * tw * TILE * co], 'float32');
  // ... and, with a residual, read theirs from a strip of the same layout.
  const resStrip = exact || !residual ? null : b.makeOutput([TILE * tw * TILE * co], 'float32');
  // Addresses only after every allocation (the heap may have grown).
  const heap = () => new Float32Array(b.wasm.HEAPU8.buffer);
  k.filter(heapOffset(b, filter), heapOffset(b, U));
  if (zeros) heap().fill(0, heapOffset(b, zeros) >> 2, (heapOffset(b, zeros) >> 2) + co);
  const [xAt, outAt, vAt, mAt, uAt] = [x, out, V, M, U].map((t) => heapOffset(b, t));
  const biasAt = heapOffset(b, bias ?? zeros!);
  const scAt = scratch ? heapOffset(b, scratch) : null;
  const stripAt = strip ? heapOffset(b, strip) : 0;
  const resAt = residual ? heapOffset(b, residual) : 0;
  const resStripAt = resStrip ? heapOffset(b, resStrip) : 0;
  const [lo, hi] = BOUNDS[act];
  // One tile row's output transform (M planes xiOut bytes apart), adding the residual pixels at resDst when there is one.
  const output = (src: number, xiOut: number, dst: number, rowPitch: number, resDst: number) => {
    if (residual) k.outputResidual(src, dst, tw, rowPitch, xiOut, biasAt, resDst - dst, lo, hi);
    else k.output(src, dst, tw, rowPitch, xiOut, biasAt, lo, hi);
  };
  const outRow = Wo * co * 4;
  for (let n0 = 0; n0 < n; n0 += imgsPerCopy) {
    const imgs = Math.min(imgsPerCopy, n - n0);
    const base = imagesAt(b, xAt, scAt, n0, imgs, H, W, ci, Hn, Wn, pt, pl);
    const rows = imgs * th; // tile rows of this group, image after image
    for (let r0 = 0; r0 < rows; r0 += rowsPerBlock) {
      const r1 = Math.min(rows, r0 + rowsPerBlock);
      const T = (r1 - r0) * tw;
      const xiIn = planePitch(T * ci * 4);
      const xiOut = planePitch(T * co * 4);
      inputRows(k, tl, ci, base, r0, r1, vAt, xiIn);
      const MR = k.maxRows;
      const full = Math.floor(T / MR);
      const rem = T - full * MR;
      if (full > 0) k.gemm[MR](vAt, uAt, mAt, full, XIS, xiIn, ci * co * 4, xiOut);
      if (rem > 0) k.gemm[rem](vAt + full * MR * ci * 4, uAt, mAt + full * MR * co * 4, 1, XIS, xiIn, ci * co * 4, xiOut);
      for (let r = r0; r < r1; r++) {
        const img = n0 + Math.floor(r / th);
        const ty = r % th;
        const mRow = mAt + (r - r0) * tw * co * 4;
        const at = (img * Ho + ty * TILE) * outRow;
        if (exact) {
          output(mRow, xiOut, outAt + at, outRow, resAt + at);
          continue;
        }
        const hp = heap();
        const rowsHere = Math.min(TILE, Ho - ty * TILE);
        for (let i = 0; resStrip && i < rowsHere; i++) {
          const s = (resAt >> 2) + ((img * Ho + ty * TILE + i) * Wo) * co;
          hp.copyWithin((resStripAt >> 2) + i * TILE * tw * co, s, s + Wo * co);
        }
        output(mRow, xiOut, stripAt, TILE * tw * co * 4, resStripAt);
        for (let i = 0; i < rowsHere; i++) {
          const s = (stripAt >> 2) + i * TILE * tw * co;
          hp.copyWithin((outAt >> 2) + ((img * Ho + ty * TILE + i) * Wo) * co, s, s + Wo * co);
        }
      }
    }
  }
  free(b, V, M, U, zeros, scratch, strip, resStrip);
  return out;
}

/**
 * Conv2DBackpropInput of a 3×3, stride-1, dilation-1 convolution as a
 * Winograd convolution: dx[h, w, :] = Σ_{a,b,co} dy[h + pt − a, w + pl − b, co] · W[a, b, :, co]
 * is the correlation of dy with W'[a', b', co, ci] = W[2 − a', 2 − b', ci, co]
 * (flipped, last two axes swapped) at top/left padding 2 − pt, 2 − pl.
 * Null when the shapes do not suit (see winogradInputGradApplies).
 */
export function winogradInputGrad(
  b: WasmBackendLike, dy: tf.TensorInfo, filter: tf.TensorInfo, g: WinogradGeometry,
): tf.TensorInfo | null {
  const gT = inputGradGeometry(g);
  if (gT == null || dy.dtype !== 'float32' || filter.dtype !== 'float32') return null;
  const memory = heapMemory(b);
  const k = memory ? winogradKernelsFor(memory, gT.ci, gT.co) : null;
  if (k == null) return null;
  const { ci, co } = g; // forward channels: W' is [3, 3, co, ci]
  const flipped = b.makeOutput([3, 3, co, ci], 'float32');
  const hp = new Float32Array(b.wasm.HEAPU8.buffer);
  const src = heapOffset(b, filter) >> 2;
  const dst = heapOffset(b, flipped) >> 2;
  for (let a = 0; a < 3; a++) {
    for (let c = 0; c < 3; c++) {
      const from = src + ((2 - a) * 3 + (2 - c)) * ci * co;
      const to = dst + (a * 3 + c) * co * ci;
      for (let i = 0; i < ci; i++) for (let o = 0; o < co; o++) hp[to + o * ci + i] = hp[from + i * co + o];
    }
  }
  const out = winogradConv2d(b, k, dy, flipped, null, gT, 'linear');
  free(b, flipped);
  winogradInputGradCalls.count++;
  return out;
}

/** Calls of winogradInputGrad since start (tests check the route taken). */
export const winogradInputGradCalls = { count: 0 };

/** The Winograd geometry of a forward convolution's input gradient, or null when it does not apply. */
function inputGradGeometry(g: WinogradGeometry): WinogradGeometry | null {
  if (g.kh !== 3 || g.kw !== 3 || g.sh !== 1 || g.sw !== 1 || g.dh !== 1 || g.dw !== 1) return null;
  if (g.pt < 0 || g.pt > 2 || g.pl < 0 || g.pl > 2) return null;
  const gT: WinogradGeometry = {
    ...g, H: g.Ho, W: g.Wo, Ho: g.H, Wo: g.W, ci: g.co, co: g.ci, pt: 2 - g.pt, pl: 2 - g.pl,
  };
  return winogradApplies(gT) ? gT : null;
}

/** Whether winogradInputGrad handles this forward geometry (3×3, stride 1, Co a multiple of 4, Ci of 8). */
export const winogradInputGradApplies = (g: WinogradGeometry): boolean => inputGradGeometry(g) != null;

/**
 * Conv2DBackpropFilter of a 3×3, stride-1, dilation-1 convolution, by the
 * transpose of the Winograd forward pass: the forward output tile is
 * Y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A, so
 *
 *   dW = Gᵀ [ Σ_tiles (A dY Aᵀ) ⊙ (Bᵀ d B) ] G,
 *
 * i.e. per ξ a product Z_ξ [Ci, Co] = Σ_t V_ξ[t, :]ᵀ · Ydy_ξ[t, :] with a
 * reduction over all tiles of the batch (long: conv-simd-gemm.ts's tile
 * kernels, 6 input × 8 output channels per call), then Gᵀ Z G. 36 instead
 * of 144 multiply-adds per (tile, Ci, Co). x is read as in the forward pass
 * (zero-bordered copy where it pads or the tiles overhang), dy through a
 * zero-padded copy where its size is not a multiple of 4.
 * Null when the shapes do not suit (winogradApplies) or no SIMD.
 */
export function winogradFilterGrad(
  b: WasmBackendLike, simd: SimdGemm, x: tf.TensorInfo, dy: tf.TensorInfo, g: WinogradGeometry,
): tf.TensorInfo | null {
  if (!winogradApplies(g) || g.co % 4 !== 0 || x.dtype !== 'float32' || dy.dtype !== 'float32') return null;
  const memory = heapMemory(b);
  const k = memory ? winogradKernelsFor(memory, g.ci, g.co) : null;
  if (k == null) return null;
  const { n, ci, co, H, W, Ho, Wo, pt, pl } = g;
  const dW = b.makeOutput([3, 3, ci, co], 'float32');
  const tl = tiling(g);
  const { th, tw, Hn, Wn, padded: xPadded, rowsPerBlock } = tl;
  const dyPadded = Ho % TILE !== 0 || Wo % TILE !== 0;
  const imgsPerCopy = xPadded || dyPadded ? Math.max(1, Math.min(n, Math.floor(rowsPerBlock / th))) : n;
  const maxTiles = Math.min(rowsPerBlock, imgsPerCopy * th) * tw;
  const V = b.makeOutput([XIS * planePitch(maxTiles * ci * 4) / 4], 'float32');
  const Y = b.makeOutput([XIS * planePitch(maxTiles * co * 4) / 4], 'float32');
  const Z = b.makeOutput([XIS * ci * co], 'float32');
  const xCopy = xPadded ? b.makeOutput([imgsPerCopy * Hn * Wn * ci], 'float32') : null;
  const dyCopy = dyPadded ? b.makeOutput([imgsPerCopy * th * TILE * tw * TILE * co], 'float32') : null;
  const [xAt, dyAt, vAt, yAt, zAt, dwAt] = [x, dy, V, Y, Z, dW].map((t) => heapOffset(b, t));
  const xcAt = xCopy ? heapOffset(b, xCopy) : null;
  const dcAt = dyCopy ? heapOffset(b, dyCopy) : null;
  new Float32Array(b.wasm.HEAPU8.buffer, zAt, XIS * ci * co).fill(0);
  const Hd = TILE * th; // rows / columns of the (padded) dy
  const Wd = TILE * tw;
  const dyRow = Wd * co * 4;
  const rowAddrs = new Int32Array(ci);
  for (let n0 = 0; n0 < n; n0 += imgsPerCopy) {
    const imgs = Math.min(imgsPerCopy, n - n0);
    const xBase = imagesAt(b, xAt, xcAt, n0, imgs, H, W, ci, Hn, Wn, pt, pl);
    const dyBase = imagesAt(b, dyAt, dcAt, n0, imgs, Ho, Wo, co, Hd, Wd, 0, 0);
    const rows = imgs * th;
    for (let r0 = 0; r0 < rows; r0 += rowsPerBlock) {
      const r1 = Math.min(rows, r0 + rowsPerBlock);
      const T = (r1 - r0) * tw;
      const xiIn = planePitch(T * ci * 4);
      const xiY = planePitch(T * co * 4);
      inputRows(k, tl, ci, xBase, r0, r1, vAt, xiIn);
      for (let r = r0; r < r1; r++) {
        k.dyTransform(dyBase + (Math.floor(r / th) * Hd + (r % th) * TILE) * dyRow, yAt + (r - r0) * tw * co * 4, tw, dyRow, xiY);
      }
      // Z_ξ[ci, :] += Σ_t V_ξ[t, ci] · Ydy_ξ[t, :]: rows of Z walk V down its tiles (Ci floats apart).
      const walk = { wo: T, rows: 1, imgs: 1, aStep: ci * 4, aRowSkip: 0, aImgSkip: 0 };
      for (let xi = 0; xi < XIS; xi++) {
        const vXi = vAt + xi * xiIn;
        for (let c = 0; c < ci; c++) rowAddrs[c] = vXi + c * 4;
        simdAccumulate(simd, rowAddrs, ci, co, walk, yAt + xi * xiY, co * 4, zAt + xi * ci * co * 4, co * 4);
      }
    }
  }
  k.gradFilter(zAt, dwAt);
  free(b, V, Y, Z, xCopy, dyCopy);
  winogradFilterGradCalls.count++;
  return dW;
}

/** Calls of winogradFilterGrad since start (tests check the route taken). */
export const winogradFilterGradCalls = { count: 0 };
