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
 * When the reduction per output row is short (few input channels, 1×1
 * filters) or Co is small, each kernel call does little work and its fixed
 * cost dominates: planForward keeps XNNPACK there (an im2col variant that
 * gathered receptive fields into contiguous rows was measured slower than
 * both, the gather in JavaScript costing more than it saved).
 *
 * The output is processed in blocks of whole images (~BLOCK_PIXELS output
 * pixels); the bias initialises each block and the activation is applied to
 * it right after its multiply-accumulate, while it is still in cache, by a
 * small SIMD clamp module.
 */
import * as tf from '@tensorflow/tfjs';
import { type SimdGemm, simdAccumulate, simdGemmFor } from './conv-simd-gemm';
import { type WasmBackendLike, free, pair } from './wasm-ops';

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

/** How a layer's forward convolution is computed (chosen from its shape alone). */
export type ForwardPlan = 'ours' | 'xnnpack';

const byteOffset = (b: WasmBackendLike, t: tf.TensorInfo) => b.dataIdMap.get(t.dataId).memoryOffset;

interface MemoryBackend extends WasmBackendLike {
  wasm: WasmBackendLike['wasm'] & { asm?: { memory?: WebAssembly.Memory }; wasmMemory?: WebAssembly.Memory };
}
const heapMemory = (b: WasmBackendLike) => {
  const mod = (b as MemoryBackend).wasm;
  return mod.asm?.memory ?? mod.wasmMemory;
};

/**
 * CNN_WASM_CONV_FORWARD=0 keeps tfjs's XNNPACK Conv2D / FusedConv2D (for
 * before/after comparisons); 'force' uses ours on every supported shape
 * (tests, benchmarks); default 'auto' = the shape rule of planForward.
 */
export type ForwardMode = 'auto' | 'force' | 'off';
let mode: ForwardMode | null = null;
export function forwardMode(): ForwardMode {
  if (mode == null) {
    const v = (typeof process !== 'undefined' ? process.env?.CNN_WASM_CONV_FORWARD : undefined) ?? 'auto';
    if (v === '0' || v === 'off') mode = 'off';
    else if (v === 'force') mode = 'force';
    else if (v === 'auto' || v === '1') mode = 'auto';
    else throw new Error(`CNN_WASM_CONV_FORWARD must be 'auto', 'force' or '0'; got '${v}'`);
  }
  return mode;
}
/** Overrides the mode read from the environment (tests and benchmarks). */
export function setForwardMode(m: ForwardMode | null): void {
  mode = m;
}

/**
 * Which implementation a layer gets. From measurements (bench/conv-forward.bench.ts,
 * process CPU time, batch 64 and 32, relaxed SIMD): ours won (1.2–2×) on
 * the 3×3 layers with Ci ≥ 16 and Co ≥ 32; XNNPACK won where Ci ≤ 3 (2–4×:
 * a walk of Ci·kw·kh ≤ 27 steps per kernel call), on 1×1 projections
 * (K = Ci ≤ 32) and on 32×32×16→16 (two 8-wide column tiles per row tile).
 */
export function planForward(g: ForwardGeometry, m: ForwardMode = forwardMode()): ForwardPlan {
  if (m === 'off') return 'xnnpack';
  if (m === 'force') return 'ours';
  const K = g.kh * g.kw * g.ci;
  return g.ci >= 16 && K >= 128 && g.co >= 32 ? 'ours' : 'xnnpack';
}

// --- a tiny SIMD module for bias-free activations: clamp(x, lo, hi) in place ---

const uleb = (v: number): number[] => {
  const out: number[] = [];
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
};
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];

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
  const limits = shared ? [0x03, ...uleb(1), ...uleb(65536)] : [0x00, ...uleb(1)];
  const name = (s: string) => [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 4, 0x7f, 0x7f, 0x7d, 0x7d, 0]),
    ...section(2, [1, ...name('env'), ...name('memory'), 0x02, ...limits]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...name('clamp'), 0x00, 0]),
    ...section(10, [1, ...body]),
  ]);
}

type Clamp = (ptr: number, bytes: number, lo: number, hi: number) => void;
const clampModules = new Map<boolean, WebAssembly.Module | null>();
const clampInstances = new WeakMap<WebAssembly.Memory, Clamp>();

function clampFor(memory: WebAssembly.Memory): Clamp | null {
  const have = clampInstances.get(memory);
  if (have) return have;
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  if (!clampModules.has(shared)) {
    try {
      clampModules.set(shared, new WebAssembly.Module(assembleClamp(shared)));
    } catch {
      clampModules.set(shared, null);
    }
  }
  const mod = clampModules.get(shared);
  if (!mod) return null;
  const f = (new WebAssembly.Instance(mod, { env: { memory } }).exports as { clamp: Clamp }).clamp;
  clampInstances.set(memory, f);
  return f;
}

/** The kernels this file needs (see forwardKernels). */
export interface Kernels {
  simd: SimdGemm;
  clamp: Clamp;
}
/** The kernels bound to a backend's heap, or null (no wasm SIMD: fall back to XNNPACK). */
export function forwardKernels(b: WasmBackendLike): Kernels | null {
  const memory = heapMemory(b);
  if (memory == null) return null;
  const simd = simdGemmFor(memory);
  const clamp = simd && clampFor(memory);
  return simd && clamp ? { simd, clamp } : null;
}

// Reused host-side scratch (row addresses of a block).
let rowScratch = new Int32Array(0);
const rowsOf = (n: number) => (rowScratch.length >= n ? rowScratch : (rowScratch = new Int32Array(n)));

/**
 * out = act(conv(x, filter) + bias), NHWC float32, any stride, dilation and
 * padding (given by `g`), with our SIMD kernels. `bias` (rank 1, Co values)
 * may be null.
 */
export function conv2dForwardInPlace(
  b: WasmBackendLike, k: Kernels, x: tf.TensorInfo, filter: tf.TensorInfo, bias: tf.TensorInfo | null,
  g: ForwardGeometry, act: ForwardActivation,
): tf.TensorInfo {
  const { n, ci, co, kh, kw, sh, sw, dh, dw, H, W, Ho, Wo, pt, pl } = g;
  const out = b.makeOutput([n, Ho, Wo, co], 'float32');
  const P = Ho * Wo; // output pixels per image
  const total = n * P * co;
  if (total === 0) return out;
  const K = kh * kw * ci;
  const outAt = byteOffset(b, out);
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
  const xAt = byteOffset(b, x);
  const fAt = byteOffset(b, filter);
  const scAt = scratch ? byteOffset(b, scratch) : 0;
  const rowAddrs = rowsOf(imgsPerBlock * P);
  const walk = { wo: ci, rows: kw, imgs: kh, aStep: 4, aRowSkip: (dw - 1) * ci * 4, aImgSkip: (dh * Wn - kw * dw) * ci * 4 };
  const imgBytes = Hn * Wn * ci * 4;
  for (let n0 = 0; n0 < n; n0 += imgsPerBlock) {
    const imgs = Math.min(imgsPerBlock, n - n0);
    const rows = imgs * P;
    const cAt = outAt + n0 * P * co * 4;
    fillBias(b, cAt, rows * co, co, bias);
    let base: number;
    if (scratch) {
      copyPadded(b, xAt, scAt, n0, imgs, H, W, ci, Hn, Wn, pt, pl);
      base = scAt;
    } else base = xAt + n0 * imgBytes;
    for (let q = 0, r = 0; q < imgs; q++) {
      const at = base + q * imgBytes;
      for (let i = 0; i < Ho; i++) {
        const rowAt = at + i * sh * Wn * ci * 4;
        for (let j = 0; j < Wo; j++) rowAddrs[r++] = rowAt + j * sw * ci * 4;
      }
    }
    simdAccumulate(k.simd, rowAddrs, rows, co, walk, fAt, co * 4, cAt, co * 4);
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

/**
 * Copies images n0 … n0+imgs−1 of x into [imgs, Hn, Wn, Ci] at byte address
 * dst, image pixel (h, w) at (h + pt, w + pl), zeros elsewhere.
 */
function copyPadded(
  b: WasmBackendLike, xAt: number, dst: number, n0: number, imgs: number,
  H: number, W: number, ci: number, Hn: number, Wn: number, pt: number, pl: number,
) {
  const hp = new Float32Array(b.wasm.HEAPU8.buffer);
  const d0 = dst >> 2;
  hp.fill(0, d0, d0 + imgs * Hn * Wn * ci);
  const hEnd = Math.min(H, Hn - pt);
  const wEnd = Math.min(W, Wn - pl);
  if (hEnd <= 0 || wEnd <= 0) return;
  const run = wEnd * ci;
  for (let q = 0; q < imgs; q++) {
    const src = (xAt >> 2) + (n0 + q) * H * W * ci;
    const dImg = d0 + q * Hn * Wn * ci;
    for (let h = 0; h < hEnd; h++) {
      const s = src + h * W * ci;
      hp.copyWithin(dImg + ((h + pt) * Wn + pl) * ci, s, s + run);
    }
  }
}

// --- the registered kernels ---------------------------------------------------

type Attrs = Record<string, unknown>;

/** Calls of the registered kernels by route since start (tests check which route a case took). */
export const forwardCalls = { ours: 0, xnnpack: 0 };

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
  return conv2dForwardInPlace(b, k, x, filter, null, g, 'linear');
}

const ACTS = new Set<string>(['linear', 'relu', 'relu6']);

/** The 'FusedConv2D' kernel: bias + linear/relu/relu6 in our pass; other activations and prelu → tfjs's. */
export function fusedConv2dForward(
  b: WasmBackendLike, inputs: Record<string, tf.TensorInfo>, a: Attrs, fallback: tf.KernelFunc | null,
): tf.TensorInfo {
  const { x, filter, bias, preluActivationWeights } = inputs;
  const act = (a.activation ?? 'linear') as string;
  const g = ACTS.has(act) && preluActivationWeights == null ? geometryOf(x, filter, a) : null;
  const biasOk = bias == null || (bias.dtype === 'float32' && bias.shape.length === 1 && g != null && bias.shape[0] === g.co);
  const plan = g && biasOk ? planForward(g) : 'xnnpack';
  const k = plan !== 'xnnpack' ? forwardKernels(b) : null;
  if (g == null || plan === 'xnnpack' || k == null) return callFallback(fallback, 'FusedConv2D', inputs, a, b);
  forwardCalls.ours++;
  return conv2dForwardInPlace(b, k, x, filter, bias ?? null, g, act as ForwardActivation);
}
