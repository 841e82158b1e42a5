/**
 * WebAssembly SIMD loops for the fused BatchNorm kernels (batch-norm.ts),
 * running directly on tfjs-backend-wasm's heap.
 *
 * tfjs-backend-wasm ships no batch-norm training kernel and we cannot add C++
 * to its build, but a second, tiny wasm module can import the backend's
 * WebAssembly.Memory and loop over tensors in place. The module is assembled
 * here from bytes (about a kilobyte; no toolchain needed), so the source of
 * truth is this file. The tensors are NHWC (rows of C ≥ 4 floats, channels
 * innermost); each function makes one pass over its tensors, cache-blocked
 * (see blockedLoop) so that a group of four channels keeps its accumulators
 * or coefficients in v128 registers while walking the rows of a block. Per-channel coefficients come in, and float64 sums go out,
 * through a small scratch block the caller allocates on the heap; the JS side
 * does the per-channel arithmetic (C values) in float64.
 *
 * - moments: Σ(x−shift), Σ(x−shift)² per channel in float64 (f64x2); the
 *   shift (the first row) keeps the one-pass variance from cancelling.
 * - normalize: y = (x−mean)·scale + beta.
 * - gradSums: Σdy, Σdy·(x−mean) per channel in float64.
 * - gradInput: dx = a·dy + b·(x−mean) + k.
 *
 * About 0.3–1 ns per element and pass here, against 4–10 ns for the JS loops.
 */
import { F64, I32, V128, boundModule, memoryImport, section, sleb, str, uleb, vec } from './wasm-binary';

// Opcodes (WebAssembly core + SIMD 128).
const op = {
  block: 0x02, loop: 0x03, end: 0x0b, br: 0x0c, brIf: 0x0d,
  localGet: 0x20, localSet: 0x21,
  i32Const: 0x41, i32Add: 0x6a, i32Sub: 0x6b, i32Mul: 0x6c, i32Shl: 0x74, i32GeU: 0x4f, i32LtU: 0x49, select: 0x1b,
} as const;
// SIMD opcodes follow the 0xFD prefix as LEB128 u32.
const simd = {
  load: 0x00, store: 0x0b, shuffle: 0x0d, f32x4Splat: 0x13, f32x4ReplaceLane: 0x20, f64x2ExtractLane: 0x21,
  f64x2PromoteLow: 0x5f, f32x4Add: 0xe4, f32x4Sub: 0xe5, f32x4Mul: 0xe6, f64x2Add: 0xf0, f64x2Mul: 0xf2,
} as const;

/** A small emitter for one function body. */
class Fn {
  readonly code: number[] = [];
  private nextLocal: number;
  private readonly extra: number[] = [];
  constructor(readonly params: number[], readonly results: number[]) {
    this.nextLocal = params.length;
  }
  local(type: number): number {
    this.extra.push(type);
    return this.nextLocal++;
  }
  emit(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }
  get(i: number) { return this.emit(op.localGet, ...uleb(i)); }
  set(i: number) { return this.emit(op.localSet, ...uleb(i)); }
  simd(opcode: number, ...imm: number[]) { return this.emit(0xfd, ...uleb(opcode), ...imm); }
  /** i8x16.shuffle of the two v128 on the stack taking bytes 8..15 then 0..7 of the first: its upper two f32 lanes moved down (for promote_low). */
  highToLow() {
    return this.emit(0xfd, ...uleb(simd.shuffle), 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);
  }
  body(): number[] {
    const groups: number[][] = [];
    for (const t of this.extra) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    const b = [...vec(groups), ...this.code, op.end];
    return [...uleb(b.length), ...b];
  }
}

/**
 * The loop nest every function shares, cache-blocked so that the strided
 * per-group walks stay in L1/L2 and each tensor streams from memory once:
 *
 *   for (blk = 0; blk < M·rowBytes; blk += blockBytes)
 *     for (g of 0, 16, …, rowBytes − 16)            // groups of 4 channels; the last one
 *                                                    //   overlaps its neighbour when 4 ∤ C
 *       pre(g)                                       // group's coefficients / accumulators into registers
 *       for (o = blk + g; o < min(blk + blockBytes, M·rowBytes); o += rowBytes) body(o)
 *       post(g)                                      // accumulators back to memory
 *
 * `o` and `g` are byte offsets (i32 locals) relative to the tensors' starts;
 * `ga` counts groups in 16-byte steps without the overlap (16·k for group k):
 * accumulators are addressed by it, so the overlapping last group has slots
 * of its own and no channel is summed twice.
 */
function blockedLoop(
  fn: Fn, p: { M: number; rowBytes: number; blockBytes: number },
  pre: (g: number, ga: number) => void, body: (o: number) => void, post: (g: number, ga: number) => void,
): void {
  const [blk, blkEnd, end, g, o, lastG, ga] = [fn.local(I32), fn.local(I32), fn.local(I32), fn.local(I32), fn.local(I32), fn.local(I32), fn.local(I32)];
  fn.get(p.M).get(p.rowBytes).emit(op.i32Mul).set(end);
  fn.get(p.rowBytes).emit(op.i32Const, 16, op.i32Sub).set(lastG);
  fn.emit(op.block, 0x40, op.loop, 0x40);
  fn.get(blk).get(end).emit(op.i32GeU, op.brIf, 1);
  // blkEnd = min(blk + blockBytes, end)
  fn.get(blk).get(p.blockBytes).emit(op.i32Add).set(blkEnd);
  fn.get(blkEnd).get(end).get(blkEnd).get(end).emit(op.i32LtU, op.select).set(blkEnd);
  fn.emit(op.i32Const, 0).set(g);
  fn.emit(op.i32Const, 0).set(ga);
  fn.emit(op.block, 0x40, op.loop, 0x40);
  pre(g, ga);
  fn.get(blk).get(g).emit(op.i32Add).set(o);
  fn.emit(op.block, 0x40, op.loop, 0x40);
  fn.get(o).get(blkEnd).emit(op.i32GeU, op.brIf, 1);
  body(o);
  fn.get(o).get(p.rowBytes).emit(op.i32Add).set(o);
  fn.emit(op.br, 0, op.end, op.end);
  post(g, ga);
  // Last group done? Else g = min(g + 16, lastG): when C is not a multiple of
  // 4 the last group overlaps the one before it and recomputes the same values.
  fn.get(g).get(lastG).emit(op.i32GeU, op.brIf, 1);
  fn.get(g).emit(op.i32Const, 16, op.i32Add).set(g);
  fn.get(g).get(lastG).get(g).get(lastG).emit(op.i32LtU, op.select).set(g);
  fn.get(ga).emit(op.i32Const, 16, op.i32Add).set(ga);
  fn.emit(op.br, 0, op.end, op.end);
  fn.get(blk).get(p.blockBytes).emit(op.i32Add).set(blk);
  fn.emit(op.br, 0, op.end, op.end);
}

/** Pushes base + off (two i32 locals). */
function addr(fn: Fn, base: number, off: number): Fn {
  return fn.get(base).get(off).emit(op.i32Add);
}

/** Pushes base + 2·off (f64 planes are twice as wide as the f32 data). */
function addr2(fn: Fn, base: number, off: number): Fn {
  return fn.get(base).get(off).emit(op.i32Const, 1, op.i32Shl, op.i32Add);
}

/** A fresh local holding base + k·rowBytes (the k-th plane of a coefficient block). */
function plane(fn: Fn, base: number, rowBytes: number, k: number): number {
  const l = fn.local(I32);
  fn.get(base).get(rowBytes).emit(op.i32Const, ...sleb(k), op.i32Mul, op.i32Add).set(l);
  return l;
}

/**
 * Accumulates the f32x4 `v` (a local) into two f64x2 accumulators lo/hi, and
 * optionally its square into qlo/qhi.
 */
function accumulate(fn: Fn, v: number, lo: number, hi: number, qlo?: number, qhi?: number): void {
  const pl = fn.local(V128);
  const ph = fn.local(V128);
  fn.get(v).simd(simd.f64x2PromoteLow).set(pl);
  fn.get(v).get(v).highToLow().simd(simd.f64x2PromoteLow).set(ph);
  fn.get(lo).get(pl).simd(simd.f64x2Add).set(lo);
  fn.get(hi).get(ph).simd(simd.f64x2Add).set(hi);
  if (qlo != null && qhi != null) {
    fn.get(qlo).get(pl).get(pl).simd(simd.f64x2Mul).simd(simd.f64x2Add).set(qlo);
    fn.get(qhi).get(ph).get(ph).simd(simd.f64x2Mul).simd(simd.f64x2Add).set(qhi);
  }
}

/** Loads two f64x2 accumulators (4 channels) at base + 2·g into lo/hi. */
function loadAcc(fn: Fn, base: number, g: number, lo: number, hi: number): void {
  addr2(fn, base, g).simd(simd.load, 3, 0).set(lo);
  addr2(fn, base, g).simd(simd.load, 3, 16).set(hi);
}

function storeAcc(fn: Fn, base: number, g: number, lo: number, hi: number): void {
  addr2(fn, base, g).get(lo).simd(simd.store, 3, 0);
  addr2(fn, base, g).get(hi).simd(simd.store, 3, 16);
}

function buildFunctions(): Fn[] {
  // moments(x, M, rowBytes, blockBytes, shift, accS, accQ): per group k
  // (f64 slots 4k..4k+3, zeroed by the caller) accS += Σ(x−shift), accQ += Σ(x−shift)².
  const moments = new Fn([I32, I32, I32, I32, I32, I32, I32], []);
  {
    const f = moments;
    const P = { M: 1, rowBytes: 2, blockBytes: 3 };
    const [sh, slo, shi, qlo, qhi, d] = [f.local(V128), f.local(V128), f.local(V128), f.local(V128), f.local(V128), f.local(V128)];
    blockedLoop(f, P, (g, ga) => {
      addr(f, 4, g).simd(simd.load, 2, 0).set(sh);
      loadAcc(f, 5, ga, slo, shi);
      loadAcc(f, 6, ga, qlo, qhi);
    }, (o) => {
      addr(f, 0, o).simd(simd.load, 2, 0).get(sh).simd(simd.f32x4Sub).set(d);
      accumulate(f, d, slo, shi, qlo, qhi);
    }, (_g, ga) => {
      storeAcc(f, 5, ga, slo, shi);
      storeAcc(f, 6, ga, qlo, qhi);
    });
  }
  // normalize(x, y, M, rowBytes, blockBytes, coef): coef = [mean | scale | beta] (f32 planes of C);
  // y = (x − mean)·scale + beta.
  const normalize = new Fn([I32, I32, I32, I32, I32, I32], []);
  {
    const f = normalize;
    const P = { M: 2, rowBytes: 3, blockBytes: 4 };
    const sP = plane(f, 5, 3, 1);
    const bP = plane(f, 5, 3, 2);
    const [m, sc, b] = [f.local(V128), f.local(V128), f.local(V128)];
    blockedLoop(f, P, (g) => {
      addr(f, 5, g).simd(simd.load, 2, 0).set(m);
      addr(f, sP, g).simd(simd.load, 2, 0).set(sc);
      addr(f, bP, g).simd(simd.load, 2, 0).set(b);
    }, (o) => {
      addr(f, 1, o);
      addr(f, 0, o).simd(simd.load, 2, 0).get(m).simd(simd.f32x4Sub).get(sc).simd(simd.f32x4Mul).get(b).simd(simd.f32x4Add);
      f.simd(simd.store, 2, 0);
    }, () => {});
  }
  // gradSums(dy, x, M, rowBytes, blockBytes, mean, accG, accP): per group k
  // (f64 slots 4k..4k+3, zeroed) accG += Σdy, accP += Σdy·(x−mean).
  const gradSums = new Fn([I32, I32, I32, I32, I32, I32, I32, I32], []);
  {
    const f = gradSums;
    const P = { M: 2, rowBytes: 3, blockBytes: 4 };
    const [m, glo, ghi, plo, phi, g4, p4] = [f.local(V128), f.local(V128), f.local(V128), f.local(V128), f.local(V128), f.local(V128), f.local(V128)];
    blockedLoop(f, P, (g, ga) => {
      addr(f, 5, g).simd(simd.load, 2, 0).set(m);
      loadAcc(f, 6, ga, glo, ghi);
      loadAcc(f, 7, ga, plo, phi);
    }, (o) => {
      addr(f, 0, o).simd(simd.load, 2, 0).set(g4);
      f.get(g4);
      addr(f, 1, o).simd(simd.load, 2, 0).get(m).simd(simd.f32x4Sub).simd(simd.f32x4Mul).set(p4);
      accumulate(f, g4, glo, ghi);
      accumulate(f, p4, plo, phi);
    }, (_g, ga) => {
      storeAcc(f, 6, ga, glo, ghi);
      storeAcc(f, 7, ga, plo, phi);
    });
  }
  // gradInput(dy, x, dx, M, rowBytes, blockBytes, coef): coef = [mean | a | b | k];
  // dx = a·dy + b·(x − mean) + k.
  const gradInput = new Fn([I32, I32, I32, I32, I32, I32, I32], []);
  {
    const f = gradInput;
    const P = { M: 3, rowBytes: 4, blockBytes: 5 };
    const aP = plane(f, 6, 4, 1);
    const bP = plane(f, 6, 4, 2);
    const kP = plane(f, 6, 4, 3);
    const [m, a, b, k] = [f.local(V128), f.local(V128), f.local(V128), f.local(V128)];
    blockedLoop(f, P, (g) => {
      addr(f, 6, g).simd(simd.load, 2, 0).set(m);
      addr(f, aP, g).simd(simd.load, 2, 0).set(a);
      addr(f, bP, g).simd(simd.load, 2, 0).set(b);
      addr(f, kP, g).simd(simd.load, 2, 0).set(k);
    }, (o) => {
      addr(f, 2, o);
      addr(f, 0, o).simd(simd.load, 2, 0).get(a).simd(simd.f32x4Mul);
      addr(f, 1, o).simd(simd.load, 2, 0).get(m).simd(simd.f32x4Sub).get(b).simd(simd.f32x4Mul).simd(simd.f32x4Add);
      f.get(k).simd(simd.f32x4Add);
      f.simd(simd.store, 2, 0);
    }, () => {});
  }
  return [moments, normalize, gradSums, gradInput];
}

const NAMES = ['moments', 'normalize', 'gradSums', 'gradInput'] as const;

/** The module's bytes; `shared` when the imported memory is a SharedArrayBuffer (threaded build). */
export function batchNormSimdModuleBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  const fns = buildFunctions();
  const types = fns.map((f) => [0x60, ...vec(f.params.map((t) => [t])), ...vec(f.results.map((t) => [t]))]);
  const imports = vec([memoryImport(shared)]);
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(2, imports),
    ...section(3, vec(fns.map((_, i) => uleb(i)))),
    ...section(7, vec(NAMES.map((n, i) => [...str(n), 0x00, ...uleb(i)]))),
    ...section(10, vec(fns.map((f) => f.body()))),
  ];
  return new Uint8Array(bytes);
}

/**
 * The exported loops. All pointers are byte offsets into the imported memory;
 * rowBytes = 4·C (C ≥ 4); blockBytes a multiple of rowBytes (the
 * cache block); coefficient blocks are consecutive float32 planes of C values;
 * accumulators are float64 arrays of 4·ceil(C/4) slots, group k in slots
 * 4k..4k+3 (so the last group holds channels C−4..C−1): see accSlot.
 */
export interface BatchNormSimd {
  moments(x: number, M: number, rowBytes: number, blockBytes: number, shift: number, accS: number, accQ: number): void;
  normalize(x: number, y: number, M: number, rowBytes: number, blockBytes: number, coef: number): void;
  gradSums(dy: number, x: number, M: number, rowBytes: number, blockBytes: number, mean: number, accG: number, accP: number): void;
  gradInput(dy: number, x: number, dx: number, M: number, rowBytes: number, blockBytes: number, coef: number): void;
}

/** The accumulator slot of channel c (of C ≥ 4): its group's slot, the last group covering C−4..C−1. */
export function accSlot(c: number, C: number): number {
  const lastStart = 4 * (Math.ceil(C / 4) - 1);
  return c < lastStart ? c : lastStart + c - (C - 4);
}

/** Accumulator slots per array for C channels. */
export const accSlots = (C: number) => 4 * Math.ceil(C / 4);

/** Block size in bytes for rows of rowBytes: about 16 KiB per tensor, whole rows. */
export function blockBytesFor(rowBytes: number): number {
  return Math.max(1, Math.floor(16384 / rowBytes)) * rowBytes;
}

/**
 * The SIMD loops bound to `memory`, or null where they cannot run (no wasm
 * SIMD, or instantiation refused): callers then use the JS loops.
 * Instantiated once per memory, synchronously (the module is tiny).
 */
export function batchNormSimdFor(memory: WebAssembly.Memory | undefined): BatchNormSimd | null {
  if (memory == null || typeof WebAssembly === 'undefined') return null;
  return boundModule(memory, 'batchnorm', batchNormSimdModuleBytes, (ex) => ex as unknown as BatchNormSimd);
}
