/**
 * Conv2DBackpropFilter on the wasm backend as XNNPACK matrix products whose
 * packed operand is dy, with no im2col for most layers.
 *
 * Notation (NHWC): x [N,H,W,Ci], dy [N,Ho,Wo,Co], filter [kh,kw,Ci,Co],
 * stride s, dilation d, top/left padding pt/pl.
 *
 *   dW[a,b,ci,co] = Σ_{n,i,j} x[n, i·sh + a·dh − pt, j·sw + b·dw − pl, ci] · dy[n,i,j,co]
 *
 * For one tap (a,b) that is a product X_ab [Ci, P] · dy [P, Co] over the
 * P = N·Ho·Wo output pixels. tfjs's wasm BatchMatMul hands XNNPACK's
 * fully-connected operator the left operand unpacked, row-major with row
 * stride = reduction length, and packs the right one (cached by tensor id),
 * so dy (already [P, Co] row-major) is the right operand and the work is in
 * making X_ab's rows available cheaply.
 *
 * The trick ("phase planes"): write a of tap row as a·dh = qa·sh + ra
 * (0 ≤ ra < sh), likewise b·dw = qb·sw + rb, and rearrange x once into planes
 *
 *   X̃[ra,rb][ci][n][r][c] = x[n, r·sh + ra − pt, c·sw + rb − pl, ci]   (0 outside x)
 *
 * of size Hq×Wq = (Ho + max qa)×(Wo + max qb), and zero-pad dy to the same
 * grid, dyP [N, Hq, Wq, Co]. Then X_ab[ci, (n,r,c)] = X̃[ra,rb][ci][n][r+qa][c+qb],
 * which, read as one flat run over (n,r,c), is X̃'s [ra,rb][ci] block shifted
 * by qa·Wq + qb elements. Grid cells with r ≥ Ho or c ≥ Wo read a neighbouring
 * row, image or block (or a zeroed tail), but their dyP entries are 0, so
 * they add nothing. Every tap's left operand is thus a plain offset into X̃:
 *
 * - "views" mode (Ci ≥ 32): one product per tap whose left operand is a
 *   zero-copy tensor view into X̃ ([Ci, Kr], stride Kr). All taps share the
 *   same right operand, so XNNPACK packs dy once per chunk.
 * - "stacked" mode (Ci < 32, where a product with only Ci rows runs XNNPACK's
 *   micro-kernels at half speed or less): the kh·kw·Ci shifted rows are
 *   copied (one memmove per row) into one left operand [kh·kw·Ci, Kr] and a
 *   single product gives [kh,kw,Ci,Co] directly. This also covers the first
 *   layers (Ci = 1 or 3), where it is an im2col made of kh·kw·Ci long copies.
 *
 * The reduction is split into chunks of whole images (about CHUNK_TARGET grid
 * cells each) so X̃, dyP and the packed dy of a chunk stay in cache while the
 * kh·kw products use them and memory stays small (X̃ and dyP exist for one
 * chunk at a time); chunk results are summed.
 *
 * Cost of the trick: the products also run over the padding cells of the
 * grid, a factor Hq·Wq / (Ho·Wo) (1.13 for 32×32 'same', 1.56 for 8×8 'same').
 *
 * Inputs must be finite: a padding cell multiplies a neighbouring x value by
 * 0, and 0·∞ would be NaN where the exact sum has no such term.
 */
import type * as tf from '@tensorflow/tfjs';
import { simdGemmAccumulate, simdGemmFor } from './conv-simd-gemm';
import { type WasmBackendLike, free, runWasm } from './wasm-ops';

/** Geometry of a 2-D convolution (as computed by tfjs's computeConv2DInfo). */
export interface ConvGeometry {
  kh: number; kw: number; sh: number; sw: number; dh: number; dw: number;
  pt: number; pl: number; H: number; W: number; Ho: number; Wo: number;
}

/** Grid cells of the reduction per chunk (see the file comment). */
const CHUNK_TARGET = 4096;
/** From this many input channels on, one product per tap (views) instead of stacked rows. */
const VIEWS_MIN_CI = 32;

/** The backend internals a tensor view needs (tfjs-backend-wasm's BackendWasm). */
interface ViewBackend extends WasmBackendLike {
  wasm: WasmBackendLike['wasm'] & { tfjs: { disposeData(id: number): void }; asm?: { memory?: WebAssembly.Memory } };
  dataIdMap: WasmBackendLike['dataIdMap'] & { delete(dataId: tf.DataId): void };
}

/**
 * A tensor over existing heap memory (no copy, no ownership). Must be
 * released with {@link releaseView}, never with disposeData (which would free
 * the memory it points into).
 */
function view(b: ViewBackend, shape: number[], byteOffset: number): tf.TensorInfo {
  return b.makeOutput(shape, 'float32', byteOffset);
}

/**
 * Releases a view: tells the C++ side the id is gone (which also deletes the
 * XNNPACK operator cached for it, packed weights included) and forgets it,
 * without freeing the memory.
 */
function releaseView(b: ViewBackend, t: tf.TensorInfo): void {
  const { id } = b.dataIdMap.get(t.dataId);
  b.wasm.tfjs.disposeData(id);
  b.dataIdMap.delete(t.dataId);
}

const byteOffset = (b: WasmBackendLike, t: tf.TensorInfo) => b.dataIdMap.get(t.dataId).memoryOffset;
/** A fresh view of the whole heap (allocations may grow it and detach older views). */
const heapF32 = (b: WasmBackendLike) => new Float32Array(b.wasm.HEAPU8.buffer);

/** How the filter gradient of one layer is computed (chosen by shape only). */
export interface FilterGradPlan {
  /** 'simd': our own SIMD product (conv-simd-gemm.ts); 'views' / 'stacked': XNNPACK products. */
  mode: 'simd' | 'views' | 'stacked';
  /** Grid of one image: R rows of Wr cells (R ≥ Ho, Wr ≥ Wo; see sharedPads). */
  R: number; Wr: number;
  /** Row phases (ra) and column phases (rb) used by some tap, and each tap's (phase index, shift). */
  rowPhases: number[]; colPhases: number[];
  taps: { a: number; b: number; phase: number; shift: number }[];
  /** Images per chunk. */
  nc: number;
  /** Elements read past the last block of a chunk's planes (zeroed tail). */
  tail: number;
  /** Multiply-adds done per useful one: R·Wr / (Ho·Wo). */
  waste: number;
}

/**
 * Plans the products for a layer: phase planes, taps, chunking, mode.
 *
 * Shared padding: a tap reads up to max qa rows below an image's last output
 * row. When those rows are zero padding (bottom) and the next image starts
 * with as many zero rows (top padding), consecutive images can share them, so
 * an image's grid period is R = Ho + max qa − shared rows instead of
 * Ho + max qa; likewise for columns within a row (a row's right padding is the
 * next row's left padding). For 3×3 'same' this makes the grid (H+1)×(W+1)
 * instead of (H+2)×(W+2).
 */
export function planFilterGrad(g: ConvGeometry, n: number, ci: number, xnnpack = false): FilterGradPlan {
  const rows = Array.from({ length: g.kh }, (_, a) => ({ q: Math.floor((a * g.dh) / g.sh), r: (a * g.dh) % g.sh }));
  const cols = Array.from({ length: g.kw }, (_, c) => ({ q: Math.floor((c * g.dw) / g.sw), r: (c * g.dw) % g.sw }));
  const rowPhases = [...new Set(rows.map((t) => t.r))].sort((p, q) => p - q);
  const colPhases = [...new Set(cols.map((t) => t.r))].sort((p, q) => p - q);
  const qaMax = Math.max(...rows.map((t) => t.q));
  const qbMax = Math.max(...cols.map((t) => t.q));
  const Hq = g.Ho + qaMax; // rows of a phase plane a tap can read
  const Wq = g.Wo + qbMax;
  const R = Hq - sharedPads(rowPhases, Hq, g.H, g.sh, g.pt, qaMax);
  const Wr = Wq - sharedPads(colPhases, Wq, g.W, g.sw, g.pl, qbMax);
  const taps: FilterGradPlan['taps'] = [];
  for (let a = 0; a < g.kh; a++) {
    for (let c = 0; c < g.kw; c++) {
      const phase = rowPhases.indexOf(rows[a].r) * colPhases.length + colPhases.indexOf(cols[c].r);
      taps.push({ a, b: c, phase, shift: rows[a].q * Wr + cols[c].q });
    }
  }
  const nc = Math.max(1, Math.min(n, Math.round(CHUNK_TARGET / (R * Wr))));
  return {
    mode: !xnnpack ? 'simd' : ci >= VIEWS_MIN_CI ? 'views' : 'stacked',
    R, Wr, rowPhases, colPhases, taps, nc,
    tail: qaMax * Wr + qbMax,
    waste: (R * Wr) / (g.Ho * g.Wo),
  };
}

/**
 * How many trailing plane rows (of `len`) are zero padding in every phase
 * and also lead every phase's plane as zero padding, at most `most`: those
 * rows can be shared with the next image (or row). Same for columns.
 */
function sharedPads(phases: number[], len: number, size: number, stride: number, pad: number, most: number): number {
  let o = most;
  for (const r of phases) {
    const lead = Math.max(0, Math.ceil((pad - r) / stride)); // u·s + r − pad < 0
    const trail = Math.max(0, len - Math.ceil((size + pad - r) / stride)); // u·s + r − pad ≥ size
    o = Math.min(o, lead, trail);
  }
  return Math.max(0, o);
}

/**
 * Conv2DBackpropFilter by phase planes (see the file comment). x [N,H,W,Ci]
 * and dy [N,Ho,Wo,Co] float32; returns dW [kh,kw,Ci,Co].
 */
export function filterGradByPhasePlanes(
  backend: WasmBackendLike, x: tf.TensorInfo, dy: tf.TensorInfo, g: ConvGeometry, ci: number, co: number,
  plan: FilterGradPlan = planFilterGrad(g, x.shape[0], ci),
): tf.TensorInfo {
  const b = backend as ViewBackend;
  const simd = plan.mode === 'simd' ? simdGemmFor(b.wasm.asm?.memory) : null;
  const mode = plan.mode === 'simd' && simd == null ? (ci >= VIEWS_MIN_CI ? 'views' : 'stacked') : plan.mode;
  const n = x.shape[0];
  const { R, Wr, nc, taps, rowPhases, colPhases, tail } = plan;
  const nPh = rowPhases.length * colPhases.length;
  const cell = R * Wr;
  const K = g.kh * g.kw * ci;
  const out = b.makeOutput([g.kh, g.kw, ci, co], 'float32');
  // Scratch for one chunk: planes [phase][ci][nc][R][Wr] + zeroed tail,
  // padded dy [nc][R][Wr][Co], and (stacked mode) the stacked rows [K][nc·cell].
  const planesLen = nPh * ci * nc * cell + tail;
  const dyPLen = nc * cell * co;
  const stackLen = mode === 'stacked' ? K * nc * cell : 0;
  const scratch = b.makeOutput([planesLen + dyPLen + stackLen], 'float32');
  const base = byteOffset(b, scratch) >> 2;
  const planesAt = base;
  const dyPAt = base + planesLen;
  const stackAt = dyPAt + dyPLen;
  const dyAt = byteOffset(b, dy) >> 2;
  const xAt = byteOffset(b, x) >> 2;
  const outAt = byteOffset(b, out) >> 2;
  const { Ho, Wo } = g;
  // dyP needs a copy only when the grid is larger than dy's.
  const dyDirect = R === Ho && Wr === Wo;
  const rows = new Int32Array(K);
  if (simd) heapF32(b).fill(0, outAt, outAt + K * co);

  for (let n0 = 0; n0 < n; n0 += nc) {
    const m = Math.min(nc, n - n0); // images in this chunk
    const kr = m * cell; // reduction length of this chunk
    const blk = kr; // one [phase][ci] block of this chunk's planes
    let hp = heapF32(b);
    // 1. Phase planes of images n0 … n0+m−1, then the zeroed tail.
    for (let ph = 0; ph < nPh; ph++) {
      const ra = rowPhases[Math.floor(ph / colPhases.length)];
      const rb = colPhases[ph % colPhases.length];
      buildPlane(hp, g, xAt, n0, m, ci, R, Wr, ra, rb, planesAt + ph * ci * blk, blk);
    }
    const planesEnd = planesAt + nPh * ci * blk;
    hp.fill(0, planesEnd, planesEnd + tail);
    // 2. dy of these images on the R×Wr grid (zeros outside Ho×Wo).
    let rhsAt: number;
    if (dyDirect) {
      rhsAt = dyAt + n0 * Ho * Wo * co;
    } else {
      rhsAt = dyPAt;
      hp.fill(0, dyPAt, dyPAt + kr * co);
      for (let nl = 0; nl < m; nl++) {
        for (let i = 0; i < Ho; i++) {
          const s = dyAt + (((n0 + nl) * Ho + i) * Wo) * co;
          hp.copyWithin(dyPAt + (nl * cell + i * Wr) * co, s, s + Wo * co);
        }
      }
    }
    // Row (tap t, channel k) of the left operand: block [phase][k] shifted by the tap.
    for (let t = 0; t < taps.length; t++) {
      const { phase, shift } = taps[t];
      for (let k = 0; k < ci; k++) rows[t * ci + k] = planesAt + (phase * ci + k) * blk + shift;
    }
    if (simd) {
      // 3. dW += rows · dyP, read in place (row addresses in bytes).
      for (let r = 0; r < K; r++) rows[r] *= 4;
      simdGemmAccumulate(simd, rows, K, co, kr, rhsAt * 4, co * 4, outAt * 4, co * 4);
      continue;
    }
    const rhs = view(b, [1, kr, co], rhsAt * 4);
    const first = n0 === 0;
    if (mode === 'stacked') {
      // 3a. One left operand [K, kr] made of the shifted rows.
      for (let r = 0; r < K; r++) hp.copyWithin(stackAt + r * kr, rows[r], rows[r] + kr);
      const lhs = view(b, [1, K, kr], stackAt * 4);
      const prod = runWasm(b, 'BatchMatMul', { a: lhs, b: rhs }, { transposeA: false, transposeB: false });
      releaseView(b, lhs);
      hp = heapF32(b);
      accumulate(hp, byteOffset(b, prod) >> 2, outAt, K * co, first);
      free(b, prod);
    } else {
      // 3b. One product per tap with a zero-copy left operand (its Ci rows are consecutive blocks).
      for (let t = 0; t < taps.length; t++) {
        const lhs = view(b, [1, ci, kr], rows[t * ci] * 4);
        const prod = runWasm(b, 'BatchMatMul', { a: lhs, b: rhs }, { transposeA: false, transposeB: false });
        releaseView(b, lhs);
        hp = heapF32(b);
        accumulate(hp, byteOffset(b, prod) >> 2, outAt + t * ci * co, ci * co, first);
        free(b, prod);
      }
    }
    releaseView(b, rhs);
  }
  free(b, scratch);
  return out;
}

/**
 * Writes the phase plane (ra, rb) of images n0 … n0+m−1 channel-major:
 * dst[k·blk + nl·R·Wr + r·Wr + c] = x[n0+nl, r·sh + ra − pt, c·sw + rb − pl, k]
 * (0 outside x), for r < R, c < Wr.
 */
function buildPlane(
  hp: Float32Array, g: ConvGeometry, xAt: number, n0: number, m: number, ci: number,
  R: number, Wr: number, ra: number, rb: number, dst: number, blk: number,
) {
  const { H, W, sh, sw, pt, pl } = g;
  const cell = R * Wr;
  // Columns c with 0 ≤ c·sw + rb − pl < W are inside x.
  const cLo = Math.min(Wr, Math.max(0, Math.ceil((pl - rb) / sw)));
  const cHi = Math.max(cLo, Math.min(Wr, Math.ceil((W + pl - rb) / sw)));
  const step = sw * ci;
  for (let nl = 0; nl < m; nl++) {
    const xImg = xAt + (n0 + nl) * H * W * ci;
    for (let r = 0; r < R; r++) {
      const h = r * sh + ra - pt;
      const rowBase = dst + nl * cell + r * Wr;
      if (h < 0 || h >= H) {
        for (let k = 0; k < ci; k++) hp.fill(0, rowBase + k * blk, rowBase + k * blk + Wr);
        continue;
      }
      // Channel-major writes (one contiguous run per channel); the x row
      // read with stride Ci is a few KB and stays in L1.
      const xRow = xImg + h * W * ci;
      for (let k = 0; k < ci; k++) {
        const d = rowBase + k * blk;
        for (let c = 0; c < cLo; c++) hp[d + c] = 0;
        let s = xRow + (cLo * sw + rb - pl) * ci + k;
        for (let c = cLo; c < cHi; c++, s += step) hp[d + c] = hp[s];
        for (let c = cHi; c < Wr; c++) hp[d + c] = 0;
      }
    }
  }
}

/** dst[0..len) (+)= src[0..len) on the heap. */
function accumulate(hp: Float32Array, src: number, dst: number, len: number, first: boolean) {
  if (first) {
    hp.copyWithin(dst, src, src + len);
    return;
  }
  for (let i = 0; i < len; i++) hp[dst + i] += hp[src + i];
}
