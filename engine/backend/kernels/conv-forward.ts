/**
 * Conv2D / FusedConv2D on the wasm backend with our own wasm SIMD
 * multiply-accumulate (conv-simd-gemm.ts) as an implicit GEMM, instead of
 * tfjs's XNNPACK operator.
 *
 * Why: tfjs caches an XNNPACK convolution operator per filter tensor, and in
 * training the filter is a new tensor after every optimizer step (and in the
 * legacy input gradient a new flipped copy on every call), so XNNPACK re-packs
 * the filter on every call; and XNNPACK's wasm build has no fused
 * multiply-add. The implicit GEMM reads x and the filter where they are.
 *
 * Notation (NHWC): x [N,H,W,Ci], filter [kh,kw,Ci,Co] (= a matrix
 * [kh·kw·Ci, Co], its memory layout), out [N,Ho,Wo,Co] (= [N·Ho·Wo, Co]).
 *
 *   out[p, :] = act(bias + Σ_{a,b,ci} x[n, i·sh + a·dh − pt, j·sw + b·dw − pl, ci] · W[a,b,ci,:])
 *
 * Row p = (n,i,j) of the output is a reduction whose x address walks ci
 * (contiguous), then the taps b of a filter row (a jump of dw·Ci floats),
 * then the filter rows a (a jump of dh·W rows), while the filter is read row
 * after row: exactly the walk of the SIMD kernel with wo = Ci, rows = kw,
 * imgs = kh. When the convolution reads outside x (padding), blocks of images
 * are first copied into a zero-bordered buffer.
 *
 * Two kernels run that walk (planForward picks one per layer shape, from
 * measurements, or keeps XNNPACK):
 * - 'tiles': conv-simd-gemm.ts's tile kernels (6 pixels × 8 channels per
 *   call, one x address per pixel); best for Ci ≥ 16, where a call does
 *   hundreds of steps;
 * - 'rows': a kernel assembled below per layer (Ci, Co, stride) that does
 *   whole output rows per call, one x pointer for all pixels of a tile;
 *   best for 3-channel first layers, where a tile call does only 27 steps.
 * 1×1 projections, 1-channel inputs and Co < 32 at Ci ≥ 16 stay with XNNPACK.
 *
 * The output is processed in blocks of whole images (~BLOCK_PIXELS output
 * pixels); the bias initialises each block and the activation is applied to
 * it right after its multiply-accumulate, while it is still in cache, by a
 * small SIMD clamp module.
 */
import * as tf from '@tensorflow/tfjs';
import { envVar } from '../../core/env';
import { imagesAt } from './conv-filter-grad';
import { type SimdGemm, simdAccumulate, simdGemmFor } from './conv-simd-gemm';
import { type WasmBackendLike, free, heapMemory, heapOffset, pair, runWasm } from './wasm-ops';
import { boundModule, memoryImport, section, sleb, str, uleb, vec } from './wasm-binary';
import { WINOGRAD_MIN_CHANNELS, winogradApplies, winogradConv2d, winogradKernelsFor } from './winograd';

/** Geometry of a 2-D convolution (as computed by tfjs's computeConv2DInfo). */
export interface ForwardGeometry {
  kh: number; kw: number; sh: number; sw: number; dh: number; dw: number;
  pt: number; pl: number; H: number; W: number; Ho: number; Wo: number;
  ci: number; co: number; n: number;
}

/** Output pixels per block (the padded copy of x and the output block stay in L2). */
const BLOCK_PIXELS = 2048;

/** Activations applied in the same pass (others: the caller falls back). */
export type ForwardActivation = 'linear' | 'relu' | 'relu6';

/**
 * How a layer's forward convolution is computed (chosen from its shape alone):
 * 'tiles' / 'rows' = ours with conv-simd-gemm.ts's tile kernels / the
 * layer-specialised kernel below; 'xnnpack' = tfjs's shipped kernel.
 */
export type ForwardPlan = 'winograd' | 'tiles' | 'rows' | 'xnnpack';


/**
 * CNN_WASM_CONV_FORWARD=0 keeps tfjs's XNNPACK Conv2D / FusedConv2D (for
 * before/after comparisons); 'force' uses ours on every supported shape,
 * 'rows' / 'tiles' one of our two kernels on every shape ('rows' needs Co a
 * multiple of 8, else 'tiles'), 'winograd' Winograd wherever it applies,
 * 'direct' the rule without Winograd (tests, benchmarks); default 'auto' =
 * the shape rule of planForward.
 */
export type ForwardMode = 'auto' | 'force' | 'rows' | 'tiles' | 'winograd' | 'direct' | 'off';
let mode: ForwardMode | null = null;
/** The mode in force (CNN_WASM_CONV_FORWARD read once, unless setForwardMode overrode it). */
export function forwardMode(): ForwardMode {
  if (mode == null) {
    const v = envVar('CNN_WASM_CONV_FORWARD') ?? 'auto';
    if (v === '0' || v === 'off') mode = 'off';
    else if (v === 'force' || v === 'rows' || v === 'tiles' || v === 'winograd' || v === 'direct') mode = v;
    else if (v === 'auto' || v === '1') mode = 'auto';
    else throw new Error(`CNN_WASM_CONV_FORWARD must be 'auto', '0', 'force', 'rows', 'tiles', 'winograd' or 'direct'; got '${v}'`);
  }
  return mode;
}
/** Overrides the mode read from the environment (tests and benchmarks). */
export function setForwardMode(m: ForwardMode | null): void {
  mode = m;
}

/**
 * Which implementation a layer gets, from its shape alone. Measured
 * (bench/conv-forward.bench.ts, process CPU time, fastest of 5–7 rounds, batch
 * 64 and 32, relaxed SIMD; ratios = XNNPACK with a fresh filter / ours):
 *
 * - 'winograd' (winograd.ts, F(4×4, 3×3)): every 3×3 stride-1 layer with
 *   Ci ≥ 8 (a multiple of 4) and Co a multiple of 8: 1.5–2.5× XNNPACK's
 *   cached operator and 1.1–2.2× the direct 'tiles' below on the benchmark
 *   templates' layers (32×32×16→16: 7.2 vs 17.1 ms per batch of 64).
 *   Mode 'direct' skips it and applies the rules below.
 *
 * - 'tiles' (conv-simd-gemm.ts's tile kernels, row addresses per pixel):
 *   1.2–1.4× on the 3×3 layers with Ci ≥ 16 and Co ≥ 32 (13×13×32→64,
 *   32×32×32→32, 15×15×32→64, 15×15×64→64, 16×16×32→32, 8×8×64→64, the
 *   strided 3×3 ones 1.1–1.3×); the layer-specialised kernel was 0.8–1.1× there.
 * - 'rows' (the layer-specialised kernel, whole output rows per call):
 *   1.1–1.36× on 3-channel first layers (32×32×3→32/16 same), where the
 *   tile kernels lose 2× to their per-call cost (27 steps per call).
 * - XNNPACK: 1-channel 3×3 (K = 9: rows 0.84–0.91×), 1×1 projections
 *   (K = Ci ≤ 32: 0.8–0.96×), and Ci ≥ 16 with Co < 32: 32×32×16→16 was a
 *   wash (rows 0.85–1.23×, median ~1.03; tiles 1.0–1.05×), so the shipped
 *   kernel keeps it.
 */
export function planForward(g: ForwardGeometry, m: ForwardMode = forwardMode()): ForwardPlan {
  if (m === 'off') return 'xnnpack';
  if (m === 'winograd' && winogradApplies(g)) return 'winograd';
  if (m === 'auto' && winogradApplies(g) && g.ci >= WINOGRAD_MIN_CHANNELS) return 'winograd';
  if (m === 'direct' || m === 'winograd') m = 'auto';
  const K = g.kh * g.kw * g.ci;
  if (m === 'tiles' || (m !== 'auto' && g.co % 8 !== 0)) return 'tiles';
  if (m === 'rows') return 'rows';
  if (m === 'force') return g.ci >= 16 ? 'tiles' : 'rows';
  if (g.ci >= 16) return K >= 128 && g.co >= 32 ? 'tiles' : 'xnnpack';
  return g.co % 8 === 0 && K >= 27 ? 'rows' : 'xnnpack';
}

// --- a tiny SIMD module for the activations: clamp(x, lo, hi) in place ---

/**
 * (func clamp (param ptr bytes) (param lo hi f32)): for each f32x4 at ptr …
 * ptr+bytes (bytes a multiple of 16): v = min(max(v, lo), hi).
 */
function assembleClamp(shared: boolean): Uint8Array<ArrayBuffer> {
  const get = (i: number) => [0x20, i];
  const set = (i: number) => [0x21, i];
  // params: 0 ptr i32, 1 end i32 (bytes), 2 lo f32, 3 hi f32; locals: 4 vlo v128, 5 vhi v128
  const code = [
    1, 2, 0x7b, // 2 locals of v128
    ...get(2), 0xfd, 0x13, ...set(4), // f32x4.splat
    ...get(3), 0xfd, 0x13, ...set(5),
    ...get(1), ...get(0), 0x6a, ...set(1), // end = ptr + bytes
    0x02, 0x40, // block
    ...get(0), ...get(1), 0x4f, 0x0d, 0, // ptr >= end (unsigned) → exit
    0x03, 0x40, // loop
    ...get(0), // address for the store
    ...get(0), 0xfd, 0x00, 0, 0, // v128.load
    ...get(4), 0xfd, ...uleb(0xe9), // f32x4.max
    ...get(5), 0xfd, ...uleb(0xe8), // f32x4.min
    0xfd, 0x0b, 0, 0, // v128.store
    ...get(0), 0x41, 16, 0x6a, ...set(0),
    ...get(0), ...get(1), 0x49, 0x0d, 0, // ptr < end → loop
    0x0b, 0x0b, 0x0b,
  ];
  const body = [...uleb(code.length), ...code];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 4, 0x7f, 0x7f, 0x7d, 0x7d, 0]),
    ...section(2, vec([memoryImport(shared)])),
    ...section(3, [1, 0]),
    ...section(7, [1, ...str('clamp'), 0x00, 0]),
    ...section(10, [1, ...body]),
  ]);
}

type Clamp = (ptr: number, bytes: number, lo: number, hi: number) => void;

const clampFor = (memory: WebAssembly.Memory): Clamp | null =>
  boundModule(memory, 'clamp', assembleClamp, (ex) => (ex as { clamp: Clamp }).clamp);

// --- a layer-specialised SIMD kernel: whole output rows per call ---------------
//
// conv-simd-gemm.ts's tiles take one address per A row, advance each of them
// on every step and are called once per 6×8 tile of C: with 3 input
// channels a call does 27 steps and its fixed cost dominates (the tile
// kernels were 2× slower than XNNPACK there). In the
// forward convolution the rows of a tile are consecutive output pixels of
// one output row, whose x addresses are a fixed pixStride = sw·Ci·4 bytes
// apart, so one pointer with constant offsets r·pixStride serves all of them.
// The module below is assembled per (Ci, Co, sw) with those offsets, the
// filter's row pitch (Co·4) and an unrolling of the Ci loop by 4 as
// constants; each call does `orows` output rows × `tiles` tiles of mr pixels
// × all Co columns (8 at a time; the column block is the outer loop so one
// K×8 strip of the filter stays in L1 across a row's tiles). Same
// multiply-add (fused when relaxed SIMD is on) and summation order as
// conv-simd-gemm.ts. (At Ci ≥ 16 it measured 0.8–1.1× the tile kernels,
// which can fill every tile with 6 pixels across output-row ends; here a row
// of Wo pixels ends with a remainder tile.) It wins on 3-channel first
// layers.
//
// f{mr}(a, b, c, tiles, orows, aTile, aOrow, cOrow, kw, kh, aRowSkip, aImgSkip):
//   for each output row o < orows, 8-column block, tile t < tiles:
//     acc[r] = C[c + o·cOrow + t·mr·ldc + r·ldc] (r < mr)
//     walk p from a + o·aOrow + t·aTile over kh × kw × Ci steps
//       (p += 4 per channel, += aRowSkip after each tap, += aImgSkip after each filter row)
//       acc[r] += splat(x[p + r·pixStride]) · B[step]
//     store acc.

/** Largest tile (rows) of the specialised kernel: 6 × 2 f32x4 accumulators + 2 B + 1 A = 15 of 16 registers. */
const SPEC_MR = 6;

function assembleRows(ci: number, co: number, pixStride: number, fma: boolean, shared: boolean): Uint8Array<ArrayBuffer> {
  const U = ci % 4 === 0 ? 4 : ci % 2 === 0 ? 2 : 1; // Ci loop unrolling
  const ldb = co * 4;
  const get = (i: number) => [0x20, ...uleb(i)];
  const set = (i: number) => [0x21, ...uleb(i)];
  const tee = (i: number) => [0x22, ...uleb(i)];
  const cst = (v: number) => [0x41, ...sleb(v)];
  const add = [0x6a];
  const vload = (off: number) => [0xfd, 0x00, 0, ...uleb(off)];
  const vstore = (off: number) => [0xfd, 0x0b, 0, ...uleb(off)];
  const splat = (off: number) => [0xfd, 0x09, 0, ...uleb(off)];
  const madd = [0xfd, ...uleb(0x105)];
  const vmul = [0xfd, ...uleb(0xe6)];
  const vadd = [0xfd, ...uleb(0xe4)];
  const loop = [0x03, 0x40];
  const end = [0x0b];
  const countDown = (l: number) => [...get(l), ...cst(1), 0x6b, ...tee(l), 0x0d, 0];
  const bump = (l: number, by: number[]) => [...get(l), ...by, ...add, ...set(l)];
  const body = (mr: number) => {
    // params
    const [pA, pB, pC, pTiles, pOrows, pATile, pAOrow, pCOrow, pKw, pKh, pRowSkip, pImgSkip] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
    let next = 12;
    const acc = Array.from({ length: mr }, () => [next++, next++]);
    const bv = [next++, next++];
    const av = next++;
    const nV128 = next - 12;
    const [o, t, nb, ao, cRow, at, ct, bcol, ccol, p, bp, kc, kq, kk] = Array.from({ length: 14 }, () => next++);
    const locals = [[...uleb(nV128), 0x7b], [...uleb(14), 0x7f]];
    const code: number[] = [];
    code.push(...get(pOrows), ...set(o), ...get(pA), ...set(ao), ...get(pC), ...set(cRow));
    code.push(...loop); // output rows
    code.push(...cst(co / 8), ...set(nb), ...get(pB), ...set(bcol), ...get(cRow), ...set(ccol));
    code.push(...loop); // 8-column blocks: one K×8 strip of the filter stays in L1 across the row's tiles
    code.push(...get(pTiles), ...set(t), ...get(ao), ...set(at), ...get(ccol), ...set(ct));
    code.push(...loop); // tiles of mr pixels
    for (let r = 0; r < mr; r++) for (let h = 0; h < 2; h++) code.push(...get(ct), ...vload(r * ldb + h * 16), ...set(acc[r][h]));
    code.push(...get(at), ...set(p), ...get(bcol), ...set(bp), ...get(pKh), ...set(kk));
    code.push(...loop); // filter rows
    code.push(...get(pKw), ...set(kq));
    code.push(...loop); // taps
    code.push(...cst(ci / U), ...set(kc));
    code.push(...loop); // channels, U at a time
    for (let u = 0; u < U; u++) {
      for (let h = 0; h < 2; h++) code.push(...get(bp), ...vload(u * ldb + h * 16), ...set(bv[h]));
      for (let r = 0; r < mr; r++) {
        code.push(...get(p), ...splat(r * pixStride + u * 4), ...set(av));
        for (let h = 0; h < 2; h++) {
          if (fma) code.push(...get(av), ...get(bv[h]), ...get(acc[r][h]), ...madd, ...set(acc[r][h]));
          else code.push(...get(acc[r][h]), ...get(av), ...get(bv[h]), ...vmul, ...vadd, ...set(acc[r][h]));
        }
      }
    }
    code.push(...bump(p, cst(4 * U)), ...bump(bp, cst(U * ldb)));
    code.push(...countDown(kc), ...end);
    code.push(...bump(p, get(pRowSkip)), ...countDown(kq), ...end);
    code.push(...bump(p, get(pImgSkip)), ...countDown(kk), ...end);
    for (let r = 0; r < mr; r++) for (let h = 0; h < 2; h++) code.push(...get(ct), ...get(acc[r][h]), ...vstore(r * ldb + h * 16));
    code.push(...bump(at, get(pATile)), ...bump(ct, cst(mr * ldb)), ...countDown(t), ...end);
    code.push(...bump(bcol, cst(32)), ...bump(ccol, cst(32)), ...countDown(nb), ...end);
    code.push(...bump(ao, get(pAOrow)), ...bump(cRow, get(pCOrow)), ...countDown(o), ...end);
    code.push(...end);
    const full = [...uleb(locals.length), ...locals.flat(), ...code];
    return [...uleb(full.length), ...full];
  };
  const mrs = Array.from({ length: SPEC_MR }, (_, k) => k + 1);
  const fnType = [0x60, 12, ...Array(12).fill(0x7f), 0];
  const bodies = mrs.map(body);
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, ...fnType]),
    ...section(2, vec([memoryImport(shared)])),
    ...section(3, [...uleb(mrs.length), ...mrs.map(() => 0)]),
    ...section(7, [...uleb(mrs.length), ...mrs.flatMap((mr, k) => [...str(`f${mr}`), 0x00, ...uleb(k)])]),
    ...section(10, [...uleb(bodies.length), ...bodies.flat()]),
  ]);
}

/** f{mr} of a specialised module (see above). */
type RowKernel = (
  a: number, b: number, c: number, tiles: number, orows: number, aTile: number, aOrow: number, cOrow: number,
  kw: number, kh: number, aRowSkip: number, aImgSkip: number,
) => void;

/**
 * The specialised kernels f1…f6 for (Ci, Co, sw) bound to `memory`, or null
 * (Co not a multiple of 8, or the engine cannot compile them).
 */
function rowKernelsFor(memory: WebAssembly.Memory, variant: 'fma' | 'plain', ci: number, co: number, sw: number): RowKernel[] | null {
  if (co % 8 !== 0 || ci < 1) return null;
  return boundModule(
    memory, `rows/${variant}/${ci}/${co}/${sw}`, (shared) => assembleRows(ci, co, sw * ci * 4, variant === 'fma', shared),
    (ex) => Array.from({ length: SPEC_MR + 1 }, (_, mr) => (ex as Record<string, RowKernel>)[`f${mr}`]),
  );
}

/**
 * Tile height for an output row of wo pixels. Short reductions (Ci < 16:
 * a few dozen steps per tile) prefer an exact divisor among 6, 5, 4 (32×32×3
 * first layers: 1.1–1.4× XNNPACK with 4-pixel tiles, 0.9–1.1× with 6 + a
 * 2-pixel remainder); long ones prefer 6 (+ a remainder tile), which does
 * more multiply-adds per filter load (32×32×16→16: ~1.03× XNNPACK against
 * 0.97–1.03× with 4).
 */
function tileRows(wo: number, ci: number): number {
  if (ci < 16) for (const mr of [6, 5, 4]) if (wo % mr === 0) return mr;
  return Math.min(SPEC_MR, wo);
}

/** The kernels this file needs (see forwardKernels). */
export interface Kernels {
  simd: SimdGemm;
  clamp: Clamp;
  memory: WebAssembly.Memory;
}
/** The kernels bound to a backend's heap, or null (no wasm SIMD: fall back to XNNPACK). */
export function forwardKernels(b: WasmBackendLike): Kernels | null {
  const memory = heapMemory(b);
  if (memory == null) return null;
  const simd = simdGemmFor(memory);
  const clamp = simd && clampFor(memory);
  return simd && clamp ? { simd, clamp, memory } : null;
}

// Reused host-side scratch (row addresses of a block).
let rowScratch = new Int32Array(0);
const rowsOf = (n: number) => (rowScratch.length >= n ? rowScratch : (rowScratch = new Int32Array(n)));

/**
 * out = act(conv(x, filter) + bias), NHWC float32, any stride, dilation and
 * padding (given by `g`), with our SIMD kernels. `bias` (rank 1, Co values)
 * may be null. `impl`: 'rows' = the layer-specialised kernel (when Co is a
 * multiple of 8, else 'tiles'), 'tiles' = conv-simd-gemm.ts's tile kernels.
 */
export function conv2dForwardInPlace(
  b: WasmBackendLike, k: Kernels, x: tf.TensorInfo, filter: tf.TensorInfo, bias: tf.TensorInfo | null,
  g: ForwardGeometry, act: ForwardActivation, impl: 'rows' | 'tiles' = 'rows',
): tf.TensorInfo {
  const { n, ci, co, kh, kw, sh, sw, dh, dw, H, W, Ho, Wo, pt, pl } = g;
  const out = b.makeOutput([n, Ho, Wo, co], 'float32');
  const P = Ho * Wo; // output pixels per image
  const total = n * P * co;
  if (total === 0) return out;
  const K = kh * kw * ci;
  const outAt = heapOffset(b, out);
  if (K === 0) {
    fillBias(b, outAt, total, co, bias);
    applyAct(k, outAt, total, act, b);
    return out;
  }
  // Rows/columns the reads span, counted from −pt / −pl.
  const spanH = (Ho - 1) * sh + (kh - 1) * dh + 1;
  const spanW = (Wo - 1) * sw + (kw - 1) * dw + 1;
  const padded = (pt > 0 || pl > 0 || spanH > H || spanW > W);
  const Hn = padded ? spanH : H;
  const Wn = padded ? spanW : W;
  const imgsPerBlock = Math.max(1, Math.min(n, Math.round(BLOCK_PIXELS / Math.max(1, P))));
  // Scratch: the zero-bordered copy of a block of images.
  const scratch = padded ? b.makeOutput([imgsPerBlock * Hn * Wn * ci], 'float32') : null;
  // Addresses only after every allocation (the heap may have moved/grown).
  const xAt = heapOffset(b, x);
  const fAt = heapOffset(b, filter);
  const scAt = scratch ? heapOffset(b, scratch) : null;
  const rowAddrs = rowsOf(imgsPerBlock * P); // (tile kernels only)
  const walk = { wo: ci, rows: kw, imgs: kh, aStep: 4, aRowSkip: (dw - 1) * ci * 4, aImgSkip: (dh * Wn - kw * dw) * ci * 4 };
  const imgBytes = Hn * Wn * ci * 4;
  const pixStride = sw * ci * 4; // bytes between the x reads of neighbouring output pixels
  const aOrow = sh * Wn * ci * 4; // … of neighbouring output rows
  const cOrow = Wo * co * 4;
  const rk = impl === 'rows' ? rowKernelsFor(k.memory, k.simd.variant, ci, co, sw) : null;
  const mr = tileRows(Wo, ci);
  const tiles = Math.floor(Wo / mr);
  const rem = Wo - tiles * mr;
  for (let n0 = 0; n0 < n; n0 += imgsPerBlock) {
    const imgs = Math.min(imgsPerBlock, n - n0);
    const rows = imgs * P;
    const cAt = outAt + n0 * P * co * 4;
    fillBias(b, cAt, rows * co, co, bias);
    const base = imagesAt(b, xAt, scAt, n0, imgs, H, W, ci, Hn, Wn, pt, pl);
    if (rk) {
      // Two calls per image: full tiles of mr pixels, then the remainder of each output row.
      for (let q = 0; q < imgs; q++) {
        const a = base + q * imgBytes;
        const c = cAt + q * P * co * 4;
        if (tiles > 0) rk[mr](a, fAt, c, tiles, Ho, mr * pixStride, aOrow, cOrow, kw, kh, walk.aRowSkip, walk.aImgSkip);
        if (rem > 0) rk[rem](a + tiles * mr * pixStride, fAt, c + tiles * mr * co * 4, 1, Ho, 0, aOrow, cOrow, kw, kh, walk.aRowSkip, walk.aImgSkip);
      }
    } else {
      for (let q = 0, r = 0; q < imgs; q++) {
        const at = base + q * imgBytes;
        for (let i = 0; i < Ho; i++) {
          const rowAt = at + i * aOrow;
          for (let j = 0; j < Wo; j++) rowAddrs[r++] = rowAt + j * pixStride;
        }
      }
      simdAccumulate(k.simd, rowAddrs, rows, co, walk, fAt, co * 4, cAt, co * 4);
    }
    applyAct(k, cAt, rows * co, act, b);
  }
  free(b, scratch);
  return out;
}

/** C block = bias broadcast over its rows (doubling copies), or zeros. */
function fillBias(b: WasmBackendLike, at: number, len: number, co: number, bias: tf.TensorInfo | null) {
  const hp = new Float32Array(b.wasm.HEAPU8.buffer, at, len);
  if (!bias) {
    hp.fill(0);
    return;
  }
  const bv = b.typedArrayFromHeap(bias) as Float32Array;
  hp.set(bv.subarray(0, co), 0);
  for (let filled = co; filled < len; filled *= 2) hp.copyWithin(filled, 0, Math.min(filled, len - filled));
}

/** relu / relu6 over len floats at byte address at (SIMD over the multiple-of-4 part, JS for the tail). */
function applyAct(k: Kernels, at: number, len: number, act: ForwardActivation, b: WasmBackendLike) {
  if (act === 'linear') return;
  const hi = act === 'relu6' ? 6 : Infinity;
  const body = len & ~3;
  if (body > 0) k.clamp(at, body * 4, 0, hi);
  if (body < len) {
    const hp = new Float32Array(b.wasm.HEAPU8.buffer, at, len);
    for (let q = body; q < len; q++) {
      const v = hp[q];
      hp[q] = v < 0 ? 0 : v > hi ? hi : v;
    }
  }
}

// --- the registered kernels ---------------------------------------------------

type Attrs = Record<string, unknown>;

/** Calls of the registered kernels by route since start (tests check which route a case took). */
export const forwardCalls = { ours: 0, xnnpack: 0, winograd: 0 };

/** Geometry from tfjs attributes, or null when this file does not handle them. */
function geometryOf(x: tf.TensorInfo, filter: tf.TensorInfo, a: Attrs): ForwardGeometry | null {
  if (x.dtype !== 'float32' || filter.dtype !== 'float32') return null;
  if (x.shape.length !== 4 || filter.shape.length !== 4) return null;
  const fmt = a.dataFormat ?? 'NHWC';
  if (fmt !== 'NHWC' && fmt !== 'channelsLast') return null;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
    pair(a.strides as number | [number, number]), pair(a.dilations as number | [number, number]),
    a.pad as 'same', a.dimRoundingMode as 'floor' | undefined, false, 'channelsLast',
  );
  if (info.inChannels !== filter.shape[2]) return null;
  return {
    kh: info.filterHeight, kw: info.filterWidth, sh: info.strideHeight, sw: info.strideWidth,
    dh: info.dilationHeight, dw: info.dilationWidth, pt: info.padInfo.top, pl: info.padInfo.left,
    H: info.inHeight, W: info.inWidth, Ho: info.outHeight, Wo: info.outWidth,
    ci: info.inChannels, co: info.outChannels, n: info.batchSize,
  };
}

const callFallback = (fallback: tf.KernelFunc | null, name: string, inputs: Record<string, tf.TensorInfo>, a: Attrs, b: WasmBackendLike) => {
  forwardCalls.xnnpack++;
  if (fallback == null) throw new Error(`${name}: no wasm kernel for these attributes`);
  return fallback({ inputs, attrs: a as tf.NamedAttrMap, backend: b as never }) as tf.TensorInfo;
};

/** The 'Conv2D' kernel: ours where planForward says so, else tfjs's (XNNPACK). */
export function conv2dForward(
  b: WasmBackendLike, inputs: Record<string, tf.TensorInfo>, a: Attrs, fallback: tf.KernelFunc | null,
): tf.TensorInfo {
  const { x, filter } = inputs;
  const g = geometryOf(x, filter, a);
  const plan = g ? planForward(g) : 'xnnpack';
  const k = plan !== 'xnnpack' ? forwardKernels(b) : null;
  if (g == null || plan === 'xnnpack' || k == null) return callFallback(fallback, 'Conv2D', inputs, a, b);
  forwardCalls.ours++;
  return runPlan(b, k, x, filter, null, g, 'linear', plan);
}

const ACTS = new Set<string>(['linear', 'relu', 'relu6']);

/** Runs a plan other than 'xnnpack' (Winograd falls back to the direct kernels if its module cannot be built). */
function runPlan(
  b: WasmBackendLike, k: Kernels, x: tf.TensorInfo, filter: tf.TensorInfo, bias: tf.TensorInfo | null,
  g: ForwardGeometry, act: ForwardActivation, plan: Exclude<ForwardPlan, 'xnnpack'>,
): tf.TensorInfo {
  if (plan === 'winograd') {
    const wk = winogradKernelsFor(k.memory, g.ci, g.co);
    if (wk) {
      forwardCalls.winograd++;
      return winogradConv2d(b, wk, x, filter, bias, g, act);
    }
    plan = 'tiles';
  }
  return conv2dForwardInPlace(b, k, x, filter, bias, g, act, plan);
}

/** No bias, or a float32 vector of one value per output channel (what our passes add). */
function biasFits(bias: tf.TensorInfo | undefined, g: ForwardGeometry): boolean {
  return bias == null || (bias.dtype === 'float32' && bias.shape.length === 1 && bias.shape[0] === g.co);
}

/** The 'FusedConv2D' kernel: bias + linear/relu/relu6 in our pass; other activations and prelu → tfjs's. */
export function fusedConv2dForward(
  b: WasmBackendLike, inputs: Record<string, tf.TensorInfo>, a: Attrs, fallback: tf.KernelFunc | null,
): tf.TensorInfo {
  const { x, filter, bias, preluActivationWeights } = inputs;
  const act = (a.activation ?? 'linear') as string;
  const g = ACTS.has(act) && preluActivationWeights == null ? geometryOf(x, filter, a) : null;
  const plan = g && biasFits(bias, g) ? planForward(g) : 'xnnpack';
  const k = plan !== 'xnnpack' ? forwardKernels(b) : null;
  if (g == null || plan === 'xnnpack' || k == null) return callFallback(fallback, 'FusedConv2D', inputs, a, b);
  forwardCalls.ours++;
  return runPlan(b, k, x, filter, bias ?? null, g, act as ForwardActivation, plan);
}

/**
 * Name of the residual convolution kernel: act(conv2d(x, filter) + bias +
 * residual), inputs {x, filter, bias?, residual} (residual of the output's
 * shape), attrs as FusedConv2D's (activation 'linear' | 'relu' | 'relu6').
 * A ResNet block's second convolution, its Add and its ReLU in one kernel:
 * engine/train/fold.ts calls it at inference where it is registered (wasm).
 */
export const CONV_RESIDUAL_KERNEL = 'CnnConv2DResidual';

/** Calls of {@link conv2dResidualForward} that added the residual inside the Winograd output transform. */
export const residualCalls = { fused: 0, separate: 0 };

/**
 * The residual kernel on wasm: Winograd adds the residual in its output
 * transform (no extra pass); other plans run the convolution with its bias,
 * then tfjs's Add and the activation.
 */
export function conv2dResidualForward(b: WasmBackendLike, inputs: Record<string, tf.TensorInfo>, a: Attrs): tf.TensorInfo {
  const { x, filter, bias, residual } = inputs;
  const act = (a.activation ?? 'linear') as string;
  if (!ACTS.has(act)) throw new Error(`${CONV_RESIDUAL_KERNEL}: activation '${act}' is not supported (use linear, relu or relu6)`);
  if (residual == null) throw new Error(`${CONV_RESIDUAL_KERNEL}: the residual input is missing`);
  const g = geometryOf(x, filter, a);
  const expected = g ? [g.n, g.Ho, g.Wo, g.co] : null;
  if (expected && (residual.dtype !== 'float32' || residual.shape.join() !== expected.join()))
    throw new Error(`${CONV_RESIDUAL_KERNEL}: the residual must be float32 of the output's shape [${expected.join(', ')}], got ${residual.dtype} [${residual.shape.join(', ')}]`);
  if (g && biasFits(bias, g) && planForward(g) === 'winograd') {
    const k = forwardKernels(b);
    const wk = k ? winogradKernelsFor(k.memory, g.ci, g.co) : null;
    if (wk) {
      forwardCalls.ours++;
      forwardCalls.winograd++;
      residualCalls.fused++;
      return winogradConv2d(b, wk, x, filter, bias ?? null, g, act as ForwardActivation, residual);
    }
  }
  residualCalls.separate++;
  const convInputs: Record<string, tf.TensorInfo> = bias ? { x, filter, bias } : { x, filter };
  // The registered FusedConv2D: ours by planForward, else tfjs's.
  const conv = runWasm(b, 'FusedConv2D', convInputs, { ...a, activation: 'linear' });
  const sum = runWasm(b, 'Add', { a: conv, b: residual });
  free(b, conv);
  if (act === 'linear') return sum;
  const out = act === 'relu' ? runWasm(b, 'Relu', { x: sum }) : runWasm(b, 'Relu6', { x: sum });
  free(b, sum);
  return out;
}
