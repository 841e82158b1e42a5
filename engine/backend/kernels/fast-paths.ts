/**
 * Faster versions of wasm kernels that training hits and tfjs-backend-wasm
 * implements as generic scalar loops:
 *
 * - BatchMatMul: the shipped kernel uses XNNPACK only when neither operand is
 *   transposed; the dense layer's gradients (xᵀ·dy and dy·Wᵀ) take a blocked
 *   scalar loop ~15× slower. We transpose the operand explicitly (a cheap,
 *   memory-bound copy; our SIMD loop where available) and call the XNNPACK
 *   path — or transpose the other operand and the result instead when that
 *   moves fewer elements (dy·Wᵀ of a large dense layer). Products of at
 *   least GEMM_MIN_MACS multiply-adds (the dense layers of the CIFAR and
 *   28×28 nets, forward and both gradients) run on the SIMD tile kernels of
 *   conv-simd-gemm.ts instead, with no packing (see gemmMatMul).
 * - MaxPoolGrad: the shipped kernel rescans every window for every input
 *   pixel. Ours scans each window once, finds its first maximum (strict >, as
 *   the CPU backend) and adds dy there, with channels in the inner loop.
 * - AvgPoolGrad: same shape of loop, spreading dy / window-size.
 * - Sum and Mean over leading axes (bias gradients and BatchNorm's batch
 *   moments: [N,H,W,C] → [C]): the shipped kernels transpose the whole tensor
 *   first so the reduced axes are innermost; ours accumulates rows in place.
 * - Identity and same-dtype Cast (zero-copy) and Tile (block replication), see below.
 *
 * The JS loops work directly on the wasm heap (Float32Array views); views are
 * taken after every allocation because growing the heap detaches them.
 * MaxPoolGrad (2×2, stride 2) and the leading-axes Sum/Mean use the SIMD
 * loops of elementwise-simd.ts where there are at least 4 channels/columns
 * (CNN_WASM_ELEMENTWISE=0: the JS loops, for before/after comparisons).
 */
import * as tf from '@tensorflow/tfjs';
import { type WasmBackendLike, free, heapMemory, reshape, transpose } from './wasm-ops';
import { blockBytesFor, colSlot, elementwiseEnabled, elementwiseSimdOf, transposeOnHeap } from './elementwise-simd';
import { MAX_MR, type SimdGemm, TILE_NRS, type TileNr, simdGemmFor } from './conv-simd-gemm';

type Fallback = tf.KernelFunc | null;

const callFallback = (fallback: Fallback, b: WasmBackendLike, inputs: Record<string, tf.TensorInfo>, attrs: Record<string, unknown>, name: string) => {
  if (fallback == null) throw new Error(`${name}: no shipped wasm kernel to fall back on`);
  return fallback({ inputs, attrs: attrs as tf.NamedAttrMap, backend: b as never }) as tf.TensorInfo;
};

/** BatchMatMul: inputs {a, b}; attrs {transposeA, transposeB}. */
/** B operands (dataIds) BatchMatMul has seen; see batchMatMul. */
const seenB = new WeakSet<object>();

export function batchMatMul(b: WasmBackendLike, inputs: Record<string, tf.TensorInfo>, attrs: Record<string, unknown>, fallback: Fallback): tf.TensorInfo {
  const { a, b: bm } = inputs;
  const tA = Boolean(attrs.transposeA);
  const tB = Boolean(attrs.transposeB);
  const batchA = a.shape.slice(0, -2).reduce((p, q) => p * q, 1);
  const batchB = bm.shape.slice(0, -2).reduce((p, q) => p * q, 1);
  const fast = a.dtype === 'float32' && bm.dtype === 'float32';
  if (!fast || batchB !== 1 || (batchA !== 1 && tA)) return callFallback(fallback, b, inputs, attrs, 'BatchMatMul');
  // A second product with the same B tensor is a layer's weights at inference
  // (in training they are a new tensor after every step): XNNPACK keeps its
  // operator with B packed from the first call, which beats our unpacked GEMM.
  const repeatedB = seenB.has(bm.dataId);
  seenB.add(bm.dataId);
  const viaGemm = repeatedB && !tA && !tB && batchA === 1 ? null : gemmMatMul(b, a, bm, tA, tB, batchA);
  if (viaGemm != null) return viaGemm;
  if (!tA && !tB && batchA === 1) return callFallback(fallback, b, inputs, attrs, 'BatchMatMul');
  const rA = a.shape.length;
  const rB = bm.shape.length;
  const simd = elementwiseSimdOf(b);
  // 2-D transpose: our SIMD loop where available (the shipped Transpose
  // kernel computes every index in a scalar loop, ~10 ns per element).
  const transpose2d = (t: tf.TensorInfo) => {
    if (simd == null) return transpose(b, t, [1, 0]);
    const [R, C] = t.shape;
    const out = b.makeOutput([C, R], 'float32');
    const heap = new Float32Array(b.wasm.HEAPU8.buffer);
    transposeOnHeap(simd, heap, b.dataIdMap.get(t.dataId).memoryOffset, b.dataIdMap.get(out.dataId).memoryOffset, R, C);
    return out;
  };
  // Both operands as plain row-major 2-D matrices; a batch of A times one
  // shared B folds into the rows of a single product.
  const to2d = (t: tf.TensorInfo, rows: number, cols: number, trans: boolean) => {
    const r = reshape(b, t, [rows, cols]);
    if (!trans) return r;
    const tt = transpose2d(r);
    free(b, r);
    return tt;
  };
  const m = tA ? a.shape[rA - 1] : a.shape[rA - 2];
  const n = tB ? bm.shape[rB - 2] : bm.shape[rB - 1];
  const k = tA ? a.shape[rA - 2] : a.shape[rA - 1];
  const M = batchA * m;
  // op(A)·op(B) directly costs transposing the operands marked transposed;
  // (op(B)ᵀ·op(A)ᵀ)ᵀ costs transposing the others and the [M, N] result.
  // The dense layer's input gradient dy·Wᵀ is the case where the second is
  // far cheaper (W is large, dy and the result are batch-sized).
  const direct = (tA ? k * M : 0) + (tB ? k * n : 0);
  const swapped = M * n + (tA ? 0 : k * M) + (tB ? 0 : k * n);
  let out: tf.TensorInfo;
  if (simd != null && swapped < direct) {
    const bT = to2d(bm, bm.shape[rB - 2], bm.shape[rB - 1], !tB); // op(B)ᵀ: [n, k]
    const aT = to2d(a, batchA * a.shape[rA - 2], a.shape[rA - 1], !tA); // op(A)ᵀ: [k, M]
    const outT = callFallback(fallback, b, { a: bT, b: aT }, { transposeA: false, transposeB: false }, 'BatchMatMul');
    free(b, aT, bT);
    const o2 = reshape(b, outT, [n, M]);
    out = transpose2d(o2);
    free(b, outT, o2);
  } else {
    const a2 = to2d(a, batchA * a.shape[rA - 2], a.shape[rA - 1], tA);
    const b2 = to2d(bm, bm.shape[rB - 2], bm.shape[rB - 1], tB);
    out = callFallback(fallback, b, { a: a2, b: b2 }, { transposeA: false, transposeB: false }, 'BatchMatMul');
    free(b, a2, b2);
  }
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), bm.shape.slice(0, -2));
  const r = reshape(b, out, [...outer, m, n]);
  free(b, out);
  return r;
}

/**
 * C[P, Q] += X·Y with the tile kernels (see gemmMatMul's product), column
 * strips outermost: one strip of Y (k rows × ≤ 8 columns) is reused from
 * cache by every row tile before the next strip is read (simdAccumulate's
 * row-tiles-outermost order re-streams all of Y per row tile, which for the
 * dense layer's 2304×512 weights was memory-bound).
 */
function gemmColumnsOuter(g: SimdGemm, P: number, Q: number, K: number, x0: number, xRow: number, xStep: number, y: number, c: number): void {
  const ldy = 4 * Q;
  const ldc = 4 * Q;
  // Chunks of the reduction so a strip of Y (KC rows × 8 columns: KC cache
  // lines) stays in L1 while every row tile reads it; C accumulates.
  for (let k0 = 0; k0 < K; k0 += GEMM_KC) {
    const kc = Math.min(GEMM_KC, K - k0);
    const xk = x0 + k0 * xStep;
    const yk = y + k0 * ldy;
    const tile = (p: number, q: number, nr: TileNr) => {
      const mr = Math.min(MAX_MR, P - p);
      const t = g.tile(mr, nr);
      const a = xk + p * xRow;
      const yq = yk + 4 * q;
      const cq = c + p * ldc + 4 * q;
      // Direct calls (no spread): once per tile.
      switch (mr) {
        case 6: t(a, a + xRow, a + 2 * xRow, a + 3 * xRow, a + 4 * xRow, a + 5 * xRow, yq, ldy, cq, ldc, kc, 1, 1, xStep, 0, 0); break;
        case 5: t(a, a + xRow, a + 2 * xRow, a + 3 * xRow, a + 4 * xRow, yq, ldy, cq, ldc, kc, 1, 1, xStep, 0, 0); break;
        case 4: t(a, a + xRow, a + 2 * xRow, a + 3 * xRow, yq, ldy, cq, ldc, kc, 1, 1, xStep, 0, 0); break;
        case 3: t(a, a + xRow, a + 2 * xRow, yq, ldy, cq, ldc, kc, 1, 1, xStep, 0, 0); break;
        case 2: t(a, a + xRow, yq, ldy, cq, ldc, kc, 1, 1, xStep, 0, 0); break;
        default: t(a, yq, ldy, cq, ldc, kc, 1, 1, xStep, 0, 0);
      }
    };
    if (xStep !== 4) {
      // X walked down its columns (a transposed operand): each row tile's
      // strip of X is kc scattered cache lines, so keep it while sweeping Y.
      for (let p = 0; p < P; p += MAX_MR) {
        let q = 0;
        for (const nr of TILE_NRS) for (; q + nr <= Q; q += nr) tile(p, q, nr);
      }
    } else {
      let q = 0;
      for (const nr of TILE_NRS) for (; q + nr <= Q; q += nr) for (let p = 0; p < P; p += MAX_MR) tile(p, q, nr);
    }
  }
}

/** Reduction chunk of gemmColumnsOuter. */
const GEMM_KC = 256;

/** Products smaller than this many multiply-adds keep XNNPACK (tile-call overhead). */
const GEMM_MIN_MACS = 1 << 18;
/** Products with more rows than this keep XNNPACK (see gemmMatMul). */
const GEMM_MAX_ROWS = 512;

/**
 * op(A)·op(B) with the SIMD tile kernels of conv-simd-gemm.ts, reading both
 * operands where they are on the heap (a transposed A is walked with a row
 * stride; no packing): tfjs's BatchMatMul hands XNNPACK the second operand
 * as weights and packs it on every call, which for the dense layer's
 * [64, 2304]·[2304, 512] cost more than the product itself (~9 GFLOPS
 * against ~30). When op(B) would need a transpose, computes
 * (op(B)ᵀ·op(A)ᵀ)ᵀ instead if that moves fewer elements (dy·Wᵀ).
 * null: not applicable (switched off, no SIMD, too small) — callers fall back.
 */
function gemmMatMul(b: WasmBackendLike, a: tf.TensorInfo, bm: tf.TensorInfo, tA: boolean, tB: boolean, batchA: number): tf.TensorInfo | null {
  const rA = a.shape.length;
  const rB = bm.shape.length;
  const m = tA ? a.shape[rA - 1] : a.shape[rA - 2];
  const k = tA ? a.shape[rA - 2] : a.shape[rA - 1];
  const n = tB ? bm.shape[rB - 2] : bm.shape[rB - 1];
  const M = batchA * m;
  // XNNPACK packs op(B) (k·n elements, ~6 ns each) on every call: that
  // dominates when the product has few rows (the batch: forward and input
  // gradient of a dense layer), not when it has many (the weight gradient
  // xᵀ·dy, where op(B) = dy is small and XNNPACK's own GEMM is as fast).
  if (M * n * k < GEMM_MIN_MACS || M > GEMM_MAX_ROWS) return null;
  const simd = elementwiseSimdOf(b);
  const gemm = simd ? simdGemmFor(heapMemory(b)) : null;
  if (simd == null || gemm == null) return null;
  const off = (t: tf.TensorInfo) => b.dataIdMap.get(t.dataId).memoryOffset;
  const heap = () => new Float32Array(b.wasm.HEAPU8.buffer);
  /** A row-major [R, C] copy of the transpose of the row-major [C, R] matrix at t. */
  const transposed = (t: tf.TensorInfo, rows: number, cols: number) => {
    const out = b.makeOutput([cols, rows], 'float32');
    transposeOnHeap(simd, heap(), off(t), off(out), rows, cols);
    return out;
  };
  /**
   * C[P, Q] = X·Y where row p of X starts at x0 + p·xRow bytes and steps xStep
   * bytes along the K axis, and Y is row-major [K, Q] at y.
   */
  const product = (P: number, Q: number, x0: number, xRow: number, xStep: number, y: number) => {
    const c = b.makeOutput([P, Q], 'float32');
    const cOff = off(c);
    heap().fill(0, cOff >> 2, (cOff >> 2) + P * Q);
    gemmColumnsOuter(gemm, P, Q, k, x0, xRow, xStep, y, cOff);
    return c;
  };
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), bm.shape.slice(0, -2));
  // Direct: rows of op(A) (A [M, k] rows, or columns of Aᵀ [k, m]), op(B) row-major [k, n] (transposed first if tB).
  // Swapped: Cᵀ [n, M] = op(B)ᵀ·op(A)ᵀ, op(A)ᵀ row-major [k, M] (transposed first unless tA), then Cᵀ transposed.
  const directCost = tB ? k * n : 0;
  const swappedCost = (tA ? 0 : k * M) + n * M;
  let out: tf.TensorInfo;
  if (directCost <= swappedCost) {
    const bT = tB ? transposed(bm, n, k) : null;
    out = tA ? product(M, n, off(a), 4, 4 * m, bT ? off(bT) : off(bm)) : product(M, n, off(a), 4 * k, 4, bT ? off(bT) : off(bm));
    if (bT) b.disposeData(bT.dataId);
  } else {
    const aT = tA ? null : transposed(a, M, k);
    // Rows of op(B)ᵀ: rows of B [n, k] if tB, else columns of B [k, n].
    const cT = tB ? product(n, M, off(bm), 4 * k, 4, aT ? off(aT) : off(a)) : product(n, M, off(bm), 4, 4 * n, aT ? off(aT) : off(a));
    if (aT) b.disposeData(aT.dataId);
    out = transposed(cT, n, M);
    b.disposeData(cT.dataId);
  }
  const r = reshape(b, out, [...outer, m, n]);
  free(b, out);
  return r;
}

/**
 * Identity: the shipped kernel copies the tensor; like the CPU backend, share
 * the data instead (one more reference). Safe because no wasm kernel writes
 * into its inputs; tfjs-core clones (gradient pass-throughs, Cast to the same
 * dtype) hit this on every training step.
 */
export function identity(b: WasmBackendLike, inputs: Record<string, tf.TensorInfo>, attrs: Record<string, unknown>, fallback: Fallback): tf.TensorInfo {
  const { x } = inputs;
  if (x.dtype === 'string') return callFallback(fallback, b, inputs, attrs, 'Identity');
  b.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/**
 * Cast: to the same dtype, share the data as Identity does (the CPU backend
 * does the same); the shipped kernel copies. tfjs-core's gradients of
 * Identity and of additions cast dy to float32 (ResNet: ~15 full-size
 * copies per step). To bool, x ≠ 0 as on the cpu backend (NaN → true): the
 * shipped kernel converts the number to a byte (−2.2 → 254, 256 → 0). Other
 * dtypes go to the shipped kernel.
 */
export function cast(b: WasmBackendLike, inputs: Record<string, tf.TensorInfo>, attrs: Record<string, unknown>, fallback: Fallback): tf.TensorInfo {
  const { x } = inputs;
  if (attrs.dtype === 'bool' && (x.dtype === 'float32' || x.dtype === 'int32')) {
    const out = b.makeOutput(x.shape, 'bool');
    // Views after the allocation (growing the heap detaches older ones).
    const src = b.typedArrayFromHeap(x) as Float32Array | Int32Array;
    const dst = b.typedArrayFromHeap(out) as Uint8Array;
    for (let i = 0; i < src.length; i++) dst[i] = src[i] !== 0 ? 1 : 0;
    return out;
  }
  if (attrs.dtype !== x.dtype || x.dtype === 'string' || !elementwiseEnabled()) return callFallback(fallback, b, inputs, attrs, 'Cast');
  b.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/**
 * Tile: the shipped kernel computes every output element's source index in a
 * scalar loop (BatchNorm's gradient tiles [1,1,1,C] to [N,H,W,C] several times
 * per layer). Ours copies the innermost rows once and then replicates whole
 * blocks with copyWithin (memcpy), doubling the copied span each time.
 */
export function tile(b: WasmBackendLike, inputs: Record<string, tf.TensorInfo>, attrs: Record<string, unknown>, fallback: Fallback): tf.TensorInfo {
  const { x } = inputs;
  const reps = attrs.reps as number[];
  if (x.dtype === 'string' || reps.length !== x.shape.length) return callFallback(fallback, b, inputs, attrs, 'Tile');
  const rank = x.shape.length;
  const outShape = x.shape.map((d, i) => d * reps[i]);
  const out = b.makeOutput(outShape, x.dtype);
  if (outShape.some((d) => d === 0)) return out;
  const dst = b.typedArrayFromHeap(out);
  const src = b.typedArrayFromHeap(x);
  if (rank === 0) {
    dst.set(src);
    return out;
  }
  const srcStride = new Array<number>(rank);
  const dstBlock = new Array<number>(rank); // size of one output slab below level i (for one index of dim i)
  srcStride[rank - 1] = 1;
  dstBlock[rank - 1] = 1;
  for (let i = rank - 2; i >= 0; i--) {
    srcStride[i] = srcStride[i + 1] * x.shape[i + 1];
    dstBlock[i] = dstBlock[i + 1] * outShape[i + 1];
  }
  const replicate = (start: number, len: number, times: number) => {
    // Doubling: copy [start, start+len·k) onto what follows, k = 1, 2, 4, …
    let done = 1;
    while (done < times) {
      const n = Math.min(done, times - done);
      dst.copyWithin(start + done * len, start, start + n * len);
      done += n;
    }
  };
  const fill = (level: number, s0: number, d0: number) => {
    const d = x.shape[level];
    if (level === rank - 1) {
      dst.set(src.subarray(s0, s0 + d), d0);
    } else {
      for (let i = 0; i < d; i++) fill(level + 1, s0 + i * srcStride[level], d0 + i * dstBlock[level]);
    }
    replicate(d0, d * dstBlock[level], reps[level]);
  };
  fill(0, 0, 0);
  return out;
}

interface PoolAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function poolInfo(shape: number[], a: PoolAttrs) {
  return tf.backend_util.computePool2DInfo(shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
}

/** MaxPoolGrad: inputs {dy, input, output}; gradient to the first maximum of each window. */
export function maxPoolGrad(b: WasmBackendLike, inputs: Record<string, tf.TensorInfo>, attrs: Record<string, unknown>): tf.TensorInfo {
  const { dy, input } = inputs;
  const info = poolInfo(input.shape, attrs as unknown as PoolAttrs);
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const out = b.makeOutput(input.shape, 'float32');
  const dx = b.typedArrayFromHeap(out) as Float32Array;
  const x = b.typedArrayFromHeap(input) as Float32Array;
  const g = b.typedArrayFromHeap(dy) as Float32Array;
  if (fh === 2 && fw === 2 && sh === 2 && sw === 2 && pt === 0 && pl === 0 && 2 * OH <= H && 2 * OW <= W) {
    const simd = C >= 4 ? elementwiseSimdOf(b) : null;
    if (simd) {
      const off = (t: tf.TensorInfo) => b.dataIdMap.get(t.dataId).memoryOffset;
      const [xo, go, dxo] = [off(input), off(dy), off(out)];
      const imgBytes = 4 * H * W * C;
      for (let n = 0; n < N; n++) {
        simd.maxPoolGrad2x2(xo + n * imgBytes, go + n * 4 * OH * OW * C, dxo + n * imgBytes, OH, OW, 4 * W * C, 4 * C, 4 * C - 16);
      }
      zeroUncovered(dx, N, H, W, C, OH, OW);
      return out;
    }
    maxPoolGrad2x2(x, g, dx, N, H, W, C, OH, OW);
    return out;
  }
  dx.fill(0);
  const best = new Float32Array(C);
  const pos = new Int32Array(C);
  for (let n = 0; n < N; n++) {
    const xBase = n * H * W * C;
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * sh - pt;
      const hs = Math.max(0, h0);
      const he = Math.min(H, h0 + fh);
      for (let ow = 0; ow < OW; ow++) {
        const w0 = ow * sw - pl;
        const ws = Math.max(0, w0);
        const we = Math.min(W, w0 + fw);
        best.fill(-Infinity);
        pos.fill(-1);
        for (let h = hs; h < he; h++) {
          for (let w = ws; w < we; w++) {
            const p = xBase + (h * W + w) * C;
            for (let c = 0; c < C; c++) {
              const v = x[p + c];
              if (v > best[c]) {
                best[c] = v;
                pos[c] = p + c;
              }
            }
          }
        }
        const gBase = ((n * OH + oh) * OW + ow) * C;
        for (let c = 0; c < C; c++) {
          if (pos[c] >= 0) dx[pos[c]] += g[gBase + c];
        }
      }
    }
  }
  return out;
}

/**
 * The common 2×2, stride-2, unpadded case: windows tile the input, so each
 * input cell belongs to at most one window and dx is written once per cell
 * (no zero fill, no accumulation). Rows/columns a 'valid' pool drops at the
 * bottom/right edge get zeros.
 */
function maxPoolGrad2x2(x: Float32Array, g: Float32Array, dx: Float32Array, N: number, H: number, W: number, C: number, OH: number, OW: number) {
  const rowStride = W * C;
  for (let n = 0; n < N; n++) {
    const xBase = n * H * rowStride;
    for (let oh = 0; oh < OH; oh++) {
      const r0 = xBase + 2 * oh * rowStride;
      const r1 = r0 + rowStride;
      for (let ow = 0; ow < OW; ow++) {
        const p00 = r0 + 2 * ow * C;
        const p01 = p00 + C;
        const p10 = r1 + 2 * ow * C;
        const p11 = p10 + C;
        const gBase = ((n * OH + oh) * OW + ow) * C;
        for (let c = 0; c < C; c++) {
          const v00 = x[p00 + c];
          const v01 = x[p01 + c];
          const v10 = x[p10 + c];
          const v11 = x[p11 + c];
          const gv = g[gBase + c];
          // First maximum in row-major window order, strict > (the CPU backend's rule).
          let m = v00;
          let k = v00 > -Infinity ? 0 : -1;
          if (v01 > m || (k < 0 && v01 > -Infinity)) { m = v01; k = 1; }
          if (v10 > m || (k < 0 && v10 > -Infinity)) { m = v10; k = 2; }
          if (v11 > m || (k < 0 && v11 > -Infinity)) { m = v11; k = 3; }
          dx[p00 + c] = k === 0 ? gv : 0;
          dx[p01 + c] = k === 1 ? gv : 0;
          dx[p10 + c] = k === 2 ? gv : 0;
          dx[p11 + c] = k === 3 ? gv : 0;
        }
      }
      // An odd width leaves a last column outside every window.
      if (2 * OW < W) for (let r = r0; r < r1 + rowStride; r += rowStride) dx.fill(0, r + 2 * OW * C, r + rowStride);
    }
    // An odd height leaves last rows outside every window.
    if (2 * OH < H) dx.fill(0, xBase + 2 * OH * rowStride, xBase + H * rowStride);
  }
}

/** Zeros the last row/column a 2×2 'valid' pool leaves outside every window (odd H or W). */
function zeroUncovered(dx: Float32Array, N: number, H: number, W: number, C: number, OH: number, OW: number) {
  const rowStride = W * C;
  for (let n = 0; n < N; n++) {
    const xBase = n * H * rowStride;
    if (2 * OW < W) for (let h = 0; h < 2 * OH; h++) dx.fill(0, xBase + h * rowStride + 2 * OW * C, xBase + (h + 1) * rowStride);
    if (2 * OH < H) dx.fill(0, xBase + 2 * OH * rowStride, xBase + H * rowStride);
  }
}

/** AvgPoolGrad: inputs {dy, input}; each window's dy spread evenly over its full (padded) size, as tfjs does. */
export function avgPoolGrad(b: WasmBackendLike, inputs: Record<string, tf.TensorInfo>, attrs: Record<string, unknown>): tf.TensorInfo {
  const { dy, input } = inputs;
  const info = poolInfo(input.shape, attrs as unknown as PoolAttrs);
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  // tfjs's avgPool divides by the full filter size for its gradient (see the
  // CPU kernel's avgMultiplier), so padded cells count.
  const scale = 1 / (fh * fw);
  const out = b.makeOutput(input.shape, 'float32');
  const dx = b.typedArrayFromHeap(out) as Float32Array;
  const g = b.typedArrayFromHeap(dy) as Float32Array;
  dx.fill(0);
  for (let n = 0; n < N; n++) {
    const xBase = n * H * W * C;
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * sh - pt;
      const hs = Math.max(0, h0);
      const he = Math.min(H, h0 + fh);
      for (let ow = 0; ow < OW; ow++) {
        const w0 = ow * sw - pl;
        const ws = Math.max(0, w0);
        const we = Math.min(W, w0 + fw);
        const gBase = ((n * OH + oh) * OW + ow) * C;
        for (let h = hs; h < he; h++) {
          for (let w = ws; w < we; w++) {
            const p = xBase + (h * W + w) * C;
            for (let c = 0; c < C; c++) dx[p + c] += g[gBase + c] * scale;
          }
        }
      }
    }
  }
  return out;
}

/**
 * Sum: when the reduced axes are exactly the leading ones (e.g. [0,1,2] of
 * NHWC, a bias gradient), accumulate rows of the trailing size in float64;
 * anything else goes to the shipped kernel.
 */
export function sum(b: WasmBackendLike, inputs: Record<string, tf.TensorInfo>, attrs: Record<string, unknown>, fallback: Fallback): tf.TensorInfo {
  return reduceLeading(b, inputs, attrs, fallback, 'Sum');
}

/** Mean: as Sum (BatchNorm's batch moments reduce the leading axes [0,1,2]), divided by the count. */
export function mean(b: WasmBackendLike, inputs: Record<string, tf.TensorInfo>, attrs: Record<string, unknown>, fallback: Fallback): tf.TensorInfo {
  return reduceLeading(b, inputs, attrs, fallback, 'Mean');
}

function reduceLeading(b: WasmBackendLike, inputs: Record<string, tf.TensorInfo>, attrs: Record<string, unknown>, fallback: Fallback, name: 'Sum' | 'Mean'): tf.TensorInfo {
  const { x } = inputs;
  const rank = x.shape.length;
  const axes = tf.util.parseAxisParam(attrs.axis as number | number[], x.shape).sort((p, q) => p - q);
  const leading = axes.length > 0 && axes.length < rank && axes.every((a, i) => a === i);
  if (!leading || x.dtype !== 'float32') return callFallback(fallback, b, inputs, attrs, name);
  const rows = x.shape.slice(0, axes.length).reduce((p, q) => p * q, 1);
  const keep = x.shape.slice(axes.length);
  const cols = keep.reduce((p, q) => p * q, 1);
  const outShape = attrs.keepDims ? [...axes.map(() => 1), ...keep] : keep;
  const out = b.makeOutput(outShape, 'float32');
  const acc = new Float64Array(cols);
  const simd = cols >= 4 && rows > 1 ? elementwiseSimdOf(b) : null;
  if (simd) {
    // float64 accumulators in a heap scratch block (4·ceil(cols/4) slots).
    const slots = 4 * Math.ceil(cols / 4);
    const sc = b.makeOutput([2 * slots], 'float32');
    const scOff = b.dataIdMap.get(sc.dataId).memoryOffset;
    new Float64Array(b.wasm.HEAPU8.buffer, scOff, slots).fill(0);
    simd.colSum(b.dataIdMap.get(x.dataId).memoryOffset, rows, 4 * cols, blockBytesFor(4 * cols), scOff);
    const sums = new Float64Array(b.wasm.HEAPU8.buffer, scOff, slots);
    for (let c = 0; c < cols; c++) acc[c] = sums[colSlot(c, cols)];
    b.disposeData(sc.dataId);
  } else {
    const src = b.typedArrayFromHeap(x) as Float32Array;
    for (let r = 0; r < rows; r++) {
      const base = r * cols;
      for (let c = 0; c < cols; c++) acc[c] += src[base + c];
    }
  }
  if (name === 'Mean' && rows > 0) for (let c = 0; c < cols; c++) acc[c] /= rows;
  (b.typedArrayFromHeap(out) as Float32Array).set(acc);
  return out;
}

