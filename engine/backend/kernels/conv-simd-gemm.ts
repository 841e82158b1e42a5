/**
 * A small WebAssembly SIMD kernel that runs on the wasm backend's own heap:
 * the multiply-accumulate of the convolution filter gradient.
 *
 * Why not XNNPACK: tfjs's BatchMatMul / Conv2D hand XNNPACK a weight operand
 * that it packs on every call (operators are cached by tensor id, and
 * gradients are always new tensors), at ~6 ns per element on our machine.
 * The filter gradient's operands are x and dy (N·Ho·Wo rows each), so the
 * packing alone cost 20–90 % of the product (the more, the fewer input
 * channels), and both operands first had to be transposed or im2col'ed. This
 * kernel reads x and dy where they are.
 *
 * One exported function per tile shape `g{mr}x{nr}` (mr = 1…MAX_MR rows of C,
 * nr = 8 or 4 columns as two or one f32x4, or 1 column in scalar f32) with
 * i32 parameters
 *
 *   (a_0 … a_{mr−1}, b, ldb, c, ldc, wo, rows, imgs, aStep, aRowSkip, aImgSkip)
 *
 * computing C[r, 0:nr] += Σ_steps A_r · B[step, 0:nr] for r < mr, where the
 * steps run `imgs` × `rows` × `wo` (outermost first): each step reads one
 * float at a_r (broadcast) and nr floats at b, then advances a_r by aStep
 * and b by ldb bytes; after each `wo` steps a_r also moves by aRowSkip, after
 * each `rows` rows by aImgSkip. B advances uniformly. All addresses and
 * pitches are in bytes; skips may be negative. wo, rows, imgs ≥ 1.
 *
 * For the filter gradient: A_r = x at tap (a,b), channel ci (stepping over
 * output pixels j, rows i, images n), B = dy [N·Ho·Wo, Co], C = dW
 * [kh·kw·Ci, Co].
 *
 * The module is assembled here from a few opcodes (no toolchain needed) and
 * instantiated against the backend's WebAssembly.Memory, so it sees the same
 * heap as tfjs's kernels, growth included. Two variants: with relaxed SIMD's
 * fused multiply-add (~35 GFLOPS here) where allowed (see simdGemmFor),
 * otherwise f32x4.mul + f32x4.add (~27 GFLOPS).
 */
import { relaxedSimd } from '../wasm-features';
import { F32, I32, V128, boundModule, memoryImport, section, str, uleb, vec } from './wasm-binary';

/** Opcodes used below (memarg alignment hints are 0: no alignment promised). */
const op = {
  block: [0x02, 0x40], loop: [0x03, 0x40], end: [0x0b], brIf: (d: number) => [0x0d, ...uleb(d)],
  get: (i: number) => [0x20, ...uleb(i)], set: (i: number) => [0x21, ...uleb(i)],
  one: [0x41, 0x01], add: [0x6a], sub: [0x6b],
  f32load: (off = 0) => [0x2a, 0, ...uleb(off)], f32store: (off = 0) => [0x38, 0, ...uleb(off)],
  f32add: [0x92], f32mul: [0x94],
  vload: (off = 0) => [0xfd, 0x00, 0, ...uleb(off)], vstore: (off = 0) => [0xfd, 0x0b, 0, ...uleb(off)],
  vsplat32: [0xfd, 0x09, 0, 0],
  vadd: [0xfd, ...uleb(0xe4)], vmul: [0xfd, ...uleb(0xe6)],
  vmadd: [0xfd, ...uleb(0x105)], // f32x4.relaxed_madd (relaxed SIMD): a·b + c, fused where the CPU has FMA
};

/**
 * Largest row tile: 6 rows × 2 f32x4 = 12 accumulators, plus 2 B vectors
 * and 1 broadcast A value, fill the 16 SIMD registers of x86-64 (measured
 * ~26 GFLOPS here against ~20 for 4 rows, and 2-step unrolling was slower).
 */
export const MAX_MR = 6; // simdAccumulate's call switch covers 1…6
/** Column tiles: 8 = two f32x4 per row, 4 = one, 1 = scalar f32. */
export const TILE_NRS = [8, 4, 1] as const;
export type TileNr = (typeof TILE_NRS)[number];
/** Number of i32 parameters after the mr row addresses. */
const TAIL_PARAMS = 10;

/** Body of g{mr}x{nr} (see the file comment for the parameters). */
function kernelBody(mr: number, nr: number, fma: boolean): number[] {
  const [pB, pLdb, pC, pLdc, pWo, pRows, pImgs, pStep, pRowSkip, pImgSkip] = Array.from({ length: TAIL_PARAMS }, (_, i) => mr + i);
  const vecs = nr === 1 ? 1 : nr / 4; // accumulators per row
  const accType = nr === 1 ? F32 : V128;
  let next = mr + TAIL_PARAMS;
  const acc: number[][] = [];
  for (let r = 0; r < mr; r++) acc.push(Array.from({ length: vecs }, () => next++));
  const bv = Array.from({ length: vecs }, () => next++);
  const av = next++;
  const crow = Array.from({ length: mr }, () => next++);
  const [j, i, img] = [next++, next++, next++];
  const locals = [
    [...uleb(mr * vecs + vecs + 1), accType],
    [...uleb(mr + 3), I32],
  ];
  const width = nr === 1 ? 4 : 16;
  const load = nr === 1 ? op.f32load : op.vload;
  const store = nr === 1 ? op.f32store : op.vstore;
  const mul = nr === 1 ? op.f32mul : op.vmul;
  const addv = nr === 1 ? op.f32add : op.vadd;
  const addToRows = (param: number) => {
    const c: number[] = [];
    for (let r = 0; r < mr; r++) c.push(...op.get(r), ...op.get(param), ...op.add, ...op.set(r));
    return c;
  };
  const countDown = (local: number) => [...op.get(local), ...op.one, ...op.sub, ...op.set(local), ...op.get(local), ...op.brIf(0)];
  const code: number[] = [];
  // crow[r] = c + r·ldc; acc[r][h] = C[r, h·4 …]
  for (let r = 0; r < mr; r++) {
    code.push(...op.get(pC));
    for (let q = 0; q < r; q++) code.push(...op.get(pLdc), ...op.add);
    code.push(...op.set(crow[r]));
    for (let h = 0; h < vecs; h++) code.push(...op.get(crow[r]), ...load(h * width), ...op.set(acc[r][h]));
  }
  code.push(...op.get(pImgs), ...op.set(img), ...op.loop);
  code.push(...op.get(pRows), ...op.set(i), ...op.loop);
  code.push(...op.get(pWo), ...op.set(j), ...op.loop);
  // One step: acc[r][h] += splat(A_r) · B[h]
  for (let h = 0; h < vecs; h++) code.push(...op.get(pB), ...load(h * width), ...op.set(bv[h]));
  for (let r = 0; r < mr; r++) {
    code.push(...op.get(r), ...(nr === 1 ? op.f32load() : op.vsplat32), ...op.set(av));
    for (let h = 0; h < vecs; h++) {
      if (fma && nr !== 1) code.push(...op.get(av), ...op.get(bv[h]), ...op.get(acc[r][h]), ...op.vmadd, ...op.set(acc[r][h]));
      else code.push(...op.get(acc[r][h]), ...op.get(av), ...op.get(bv[h]), ...mul, ...addv, ...op.set(acc[r][h]));
    }
  }
  code.push(...addToRows(pStep), ...op.get(pB), ...op.get(pLdb), ...op.add, ...op.set(pB));
  code.push(...countDown(j), ...op.end);
  code.push(...addToRows(pRowSkip), ...countDown(i), ...op.end);
  code.push(...addToRows(pImgSkip), ...countDown(img), ...op.end);
  for (let r = 0; r < mr; r++) {
    for (let h = 0; h < vecs; h++) code.push(...op.get(crow[r]), ...op.get(acc[r][h]), ...store(h * width));
  }
  code.push(...op.end);
  const body = [...vec(locals), ...code];
  return [...uleb(body.length), ...body];
}

/** The module: one function type per mr, functions g{mr}x{nr}, memory imported as env.memory. */
function assemble(fma: boolean, shared: boolean): Uint8Array<ArrayBuffer> {
  const mrs = Array.from({ length: MAX_MR }, (_, k) => k + 1);
  const types = mrs.map((mr) => [0x60, ...vec(Array.from({ length: mr + TAIL_PARAMS }, () => [I32])), 0]);
  // A shared memory (the threaded build's) must be imported as shared, with a maximum (4 GiB here).
  const imports = vec([memoryImport(shared)]);
  const funcs: { name: string; type: number; body: number[] }[] = [];
  for (const mr of mrs) for (const nr of TILE_NRS) funcs.push({ name: `g${mr}x${nr}`, type: mr - 1, body: kernelBody(mr, nr, fma) });
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(2, imports),
    ...section(3, vec(funcs.map((f) => uleb(f.type)))),
    ...section(7, vec(funcs.map((f, k) => [...str(f.name), 0x00, ...uleb(k)]))),
    ...section(10, vec(funcs.map((f) => f.body))),
  ]);
}

/** A tile kernel (see the file comment). */
export type TileKernel = (...args: number[]) => void;

/** The tile kernels of one instance. */
export interface SimdGemm {
  /** The multiply-add it was assembled with. */
  variant: 'fma' | 'plain';
  tile(mr: number, nr: TileNr): TileKernel;
}

/**
 * Which multiply-add to assemble: 'fma' = f32x4.relaxed_madd (relaxed SIMD:
 * one fused instruction where the CPU has FMA; Chromium / Electron ship it,
 * Node 20 only behind --experimental-wasm-relaxed-simd), 'plain' = f32x4.mul
 * then f32x4.add. 'auto' = fma where the engine compiles it, else plain.
 */
export type SimdVariant = 'auto' | 'fma' | 'plain';

/**
 * The kernels bound to `memory` (the wasm backend's heap, its own or the
 * threaded build's shared one), or null when this JavaScript engine cannot
 * compile them (no wasm SIMD, or no relaxed SIMD for 'fma'); callers then
 * fall back to XNNPACK. 'auto' uses fma when relaxedSimd() allows it
 * (engine/backend/wasm-features.ts: on in Electron, turned on by initBackend
 * under Node 20, off with CNN_WASM_RELAXED=0).
 */
export function simdGemmFor(memory: WebAssembly.Memory | undefined, variant: SimdVariant = 'auto'): SimdGemm | null {
  if (memory == null) return null;
  const order: ('fma' | 'plain')[] = variant !== 'auto' ? [variant] : relaxedSimd() ? ['fma', 'plain'] : ['plain'];
  for (const v of order) {
    const g = boundModule(memory, `gemm/${v}`, (shared) => assemble(v === 'fma', shared), (exports): SimdGemm => {
      const ex = exports as Record<string, TileKernel>;
      return { variant: v, tile: (mr, nr) => ex[`g${mr}x${nr}`] };
    });
    if (g) return g;
  }
  return null;
}

/** The walk of one reduction (see the file comment); byte units. */
export interface Walk {
  wo: number; rows: number; imgs: number;
  aStep: number; aRowSkip: number; aImgSkip: number;
}

/**
 * C[M, N] += Σ_steps A_m · B[step, :] for all M rows of A (row m starts at
 * byte address rowAddrs[m] and follows `walk`), B [steps, N] at b with row
 * pitch ldb, C [M, N] at c with row pitch ldc. Tiles of MAX_MR rows × 8
 * columns, then narrower ones for the remainders.
 */
export function simdAccumulate(
  g: SimdGemm, rowAddrs: Int32Array | number[], M: number, N: number, walk: Walk,
  b: number, ldb: number, c: number, ldc: number,
): void {
  const { wo, rows, imgs, aStep, aRowSkip, aImgSkip } = walk;
  if (wo <= 0 || rows <= 0 || imgs <= 0) return;
  for (let m = 0; m < M; m += MAX_MR) {
    const mr = Math.min(MAX_MR, M - m);
    const r = rowAddrs;
    const cRow = c + m * ldc;
    let n = 0;
    for (const nr of TILE_NRS) {
      const k = g.tile(mr, nr);
      // Direct calls (no spread): this runs once per tile, tens of thousands of times per gradient.
      for (; n + nr <= N; n += nr) {
        const bn = b + n * 4;
        const cn = cRow + n * 4;
        switch (mr) {
          case 6: k(r[m], r[m + 1], r[m + 2], r[m + 3], r[m + 4], r[m + 5], bn, ldb, cn, ldc, wo, rows, imgs, aStep, aRowSkip, aImgSkip); break;
          case 5: k(r[m], r[m + 1], r[m + 2], r[m + 3], r[m + 4], bn, ldb, cn, ldc, wo, rows, imgs, aStep, aRowSkip, aImgSkip); break;
          case 4: k(r[m], r[m + 1], r[m + 2], r[m + 3], bn, ldb, cn, ldc, wo, rows, imgs, aStep, aRowSkip, aImgSkip); break;
          case 3: k(r[m], r[m + 1], r[m + 2], bn, ldb, cn, ldc, wo, rows, imgs, aStep, aRowSkip, aImgSkip); break;
          case 2: k(r[m], r[m + 1], bn, ldb, cn, ldc, wo, rows, imgs, aStep, aRowSkip, aImgSkip); break;
          default: k(r[m], bn, ldb, cn, ldc, wo, rows, imgs, aStep, aRowSkip, aImgSkip);
        }
      }
    }
  }
}
