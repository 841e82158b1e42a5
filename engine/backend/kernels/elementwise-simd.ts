/**
 * WebAssembly SIMD loops for the small element-wise and reduction kernels of
 * a training step on the wasm backend, running in place on
 * tfjs-backend-wasm's heap (same technique as batch-norm-simd.ts: a tiny
 * module assembled here from bytes that imports the backend's
 * WebAssembly.Memory; the threaded build's shared memory too).
 *
 * - reluGrad: dx = dy · step(x) in one pass (tfjs-core's Relu gradient is
 *   three kernels: Step, Cast, Multiply). step(x) is 1 for x > 0, NaN for
 *   NaN, else 0, then multiplied as tfjs does, so Inf·0 = NaN cases agree.
 * - colSum: Σ over rows of an [M, C] float32 matrix into float64 per-column
 *   accumulators (bias gradients: [N,H,W,C] → [C]); cache-blocked so groups
 *   of 4 columns keep their f64x2 accumulators in registers.
 * - adam: one Adam update in float32, operation for operation the formula of
 *   tfjs's AdamOptimizer (so it rounds like the element-wise kernels it
 *   replaces).
 * - transpose: 2-D float32 transpose in 4×4 blocks (tfjs-backend-wasm's
 *   Transpose computes every index in a scalar loop, ~10 ns per element;
 *   the dense layer's gradients transpose its weight matrix every step).
 * - maxPoolGrad2x2: 2×2, stride-2, unpadded max-pool gradient, 4 channels at
 *   a time: the first maximum (strict >, as the CPU backend) gets dy.
 *
 * All pointers are byte offsets into the imported memory. Lengths the SIMD
 * loops handle are multiples of 4 floats; callers do the remainder in JS.
 */
import { envVar } from '../../core/env';
import { F32, I32, V128, boundModule, memoryImport, section, str, uleb, vec } from './wasm-binary';
import { heapMemory } from './wasm-ops';

const op = {
  block: 0x02, loop: 0x03, end: 0x0b, br: 0x0c, brIf: 0x0d,
  localGet: 0x20, localSet: 0x21,
  i32Const: 0x41, i32Add: 0x6a, i32Sub: 0x6b, i32Mul: 0x6c, i32Shl: 0x74, i32GeU: 0x4f, i32LtU: 0x49, select: 0x1b,
} as const;
// SIMD opcodes (after the 0xFD prefix, LEB128).
const simd = {
  load: 0x00, store: 0x0b, const: 0x0c, shuffle: 0x0d, f32x4Splat: 0x13,
  f32x4Ne: 0x42, f32x4Gt: 0x44,
  and: 0x4e, or: 0x50, bitselect: 0x52,
  f64x2PromoteLow: 0x5f,
  f32x4Sqrt: 0xe3, f32x4Add: 0xe4, f32x4Sub: 0xe5, f32x4Mul: 0xe6, f32x4Div: 0xe7, f64x2Add: 0xf0,
} as const;

/** The 16 bytes of a v128 whose four f32 lanes are all `v` (or raw `bits`). */
function f32x4Bytes(v: number, bits?: number): number[] {
  const dv = new DataView(new ArrayBuffer(4));
  if (bits != null) dv.setUint32(0, bits >>> 0, true);
  else dv.setFloat32(0, v, true);
  const one = [dv.getUint8(0), dv.getUint8(1), dv.getUint8(2), dv.getUint8(3)];
  return [...one, ...one, ...one, ...one];
}

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
  /** v128.load at local `base` + local `off` (+ constant byte offset). */
  load(base: number, off: number, k = 0) { return this.get(base).get(off).emit(op.i32Add).simd(simd.load, 4, ...uleb(k)); }
  constF32(v: number, bits?: number) { return this.simd(simd.const, ...f32x4Bytes(v, bits)); }
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

/** for (o = 0; o < nBytes; o += step) body(o) — `o` a fresh i32 local. */
function flatLoop(fn: Fn, nBytes: number, step: number, body: (o: number) => void): void {
  const o = fn.local(I32);
  fn.emit(op.block, 0x40, op.loop, 0x40);
  fn.get(o).get(nBytes).emit(op.i32GeU, op.brIf, 1);
  body(o);
  fn.get(o).emit(op.i32Const, step, op.i32Add).set(o); // step < 64: one-byte signed LEB
  fn.emit(op.br, 0, op.end, op.end);
}

function buildFunctions(): { name: string; fn: Fn }[] {
  // reluGrad(dy, x, dx, nBytes)
  const reluGrad = new Fn([I32, I32, I32, I32], []);
  {
    const f = reluGrad;
    const xv = f.local(V128);
    flatLoop(f, 3, 16, (o) => {
      f.load(1, o).set(xv);
      f.get(2).get(o).emit(op.i32Add); // store address
      f.load(0, o);
      // step(x) = (x > 0 ? 1 : 0) | (x ≠ x ? NaN : 0)
      f.get(xv).constF32(0).simd(simd.f32x4Gt).constF32(1).simd(simd.and);
      f.get(xv).get(xv).simd(simd.f32x4Ne).constF32(0, 0x7fc00000).simd(simd.and);
      f.simd(simd.or);
      f.simd(simd.f32x4Mul).simd(simd.store, 4, 0);
    });
  }

  // colSum(x, M, rowBytes, blockBytes, acc): acc (f64, group k in slots 4k..4k+3,
  // the last group covering columns C−4..C−1) += Σ over the M rows.
  const colSum = new Fn([I32, I32, I32, I32, I32], []);
  {
    const f = colSum;
    const [blk, blkEnd, end, g, o, lastG, ga] = [f.local(I32), f.local(I32), f.local(I32), f.local(I32), f.local(I32), f.local(I32), f.local(I32)];
    const [lo, hi, v] = [f.local(V128), f.local(V128), f.local(V128)];
    const accAddr = () => f.get(4).get(ga).emit(op.i32Const, 1, op.i32Shl, op.i32Add);
    f.get(1).get(2).emit(op.i32Mul).set(end);
    f.get(2).emit(op.i32Const, 16, op.i32Sub).set(lastG);
    f.emit(op.block, 0x40, op.loop, 0x40);
    f.get(blk).get(end).emit(op.i32GeU, op.brIf, 1);
    f.get(blk).get(3).emit(op.i32Add).set(blkEnd);
    f.get(blkEnd).get(end).get(blkEnd).get(end).emit(op.i32LtU, op.select).set(blkEnd);
    f.emit(op.i32Const, 0).set(g);
    f.emit(op.i32Const, 0).set(ga);
    f.emit(op.block, 0x40, op.loop, 0x40);
    accAddr().simd(simd.load, 3, 0).set(lo);
    accAddr().simd(simd.load, 3, 16).set(hi);
    f.get(blk).get(g).emit(op.i32Add).set(o);
    f.emit(op.block, 0x40, op.loop, 0x40);
    f.get(o).get(blkEnd).emit(op.i32GeU, op.brIf, 1);
    f.load(0, o).set(v);
    f.get(lo).get(v).simd(simd.f64x2PromoteLow).simd(simd.f64x2Add).set(lo);
    f.get(hi).get(v).get(v).simd(simd.shuffle, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7)
      .simd(simd.f64x2PromoteLow).simd(simd.f64x2Add).set(hi);
    f.get(o).get(2).emit(op.i32Add).set(o);
    f.emit(op.br, 0, op.end, op.end);
    accAddr().get(lo).simd(simd.store, 3, 0);
    accAddr().get(hi).simd(simd.store, 3, 16);
    // Next group: g = min(g + 16, lastG) (the last one overlaps when 4 ∤ C), ga += 16.
    f.get(g).get(lastG).emit(op.i32GeU, op.brIf, 1);
    f.get(g).emit(op.i32Const, 16, op.i32Add).set(g);
    f.get(g).get(lastG).get(g).get(lastG).emit(op.i32LtU, op.select).set(g);
    f.get(ga).emit(op.i32Const, 16, op.i32Add).set(ga);
    f.emit(op.br, 0, op.end, op.end);
    f.get(blk).get(3).emit(op.i32Add).set(blk);
    f.emit(op.br, 0, op.end, op.end);
  }

  // adam(w, g, m, v, w2, m2, v2, nBytes, beta1, 1−beta1, beta2, 1−beta2, 1−beta1^t, 1−beta2^t, epsilon, −lr)
  const adam = new Fn([I32, I32, I32, I32, I32, I32, I32, I32, F32, F32, F32, F32, F32, F32, F32, F32], []);
  {
    const f = adam;
    const k = Array.from({ length: 8 }, () => f.local(V128));
    for (let i = 0; i < 8; i++) f.get(8 + i).simd(simd.f32x4Splat).set(k[i]);
    const [b1, c1, b2, c2, bc1, bc2, eps, nlr] = k;
    const [gv, mv, vv] = [f.local(V128), f.local(V128), f.local(V128)];
    flatLoop(f, 7, 16, (o) => {
      f.load(1, o).set(gv);
      // m' = m·β1 + g·(1−β1)
      f.load(2, o).get(b1).simd(simd.f32x4Mul).get(gv).get(c1).simd(simd.f32x4Mul).simd(simd.f32x4Add).set(mv);
      // v' = v·β2 + g²·(1−β2)
      f.load(3, o).get(b2).simd(simd.f32x4Mul).get(gv).get(gv).simd(simd.f32x4Mul).get(c2).simd(simd.f32x4Mul).simd(simd.f32x4Add).set(vv);
      f.get(5).get(o).emit(op.i32Add).get(mv).simd(simd.store, 4, 0);
      f.get(6).get(o).emit(op.i32Add).get(vv).simd(simd.store, 4, 0);
      // w' = ((m'/bc1) / (sqrt(v'/bc2) + ε))·(−lr) + w
      f.get(4).get(o).emit(op.i32Add);
      f.get(mv).get(bc1).simd(simd.f32x4Div);
      f.get(vv).get(bc2).simd(simd.f32x4Div).simd(simd.f32x4Sqrt).get(eps).simd(simd.f32x4Add);
      f.simd(simd.f32x4Div).get(nlr).simd(simd.f32x4Mul);
      f.load(0, o).simd(simd.f32x4Add);
      f.simd(simd.store, 4, 0);
    });
  }

  // maxPoolGrad2x2(x, dy, dx, OH, OW, rowBytes, cBytes, lastG), one image:
  // x/dx rows of rowBytes = 4·W·C; the windows of output row r cover input
  // rows 2r, 2r+1 and columns 2·ow, 2·ow+1. Channel groups g = 0, 16, …,
  // min(…, lastG) (the last one overlaps when 4 ∤ C: same values rewritten).
  const mpg = new Fn([I32, I32, I32, I32, I32, I32, I32, I32], []);
  {
    const f = mpg;
    const [r, ow, g, p, q] = [f.local(I32), f.local(I32), f.local(I32), f.local(I32), f.local(I32)];
    const [v0, v1, v2, v3, m, any, c, k0, k1, k2, gv, ninf] = Array.from({ length: 12 }, () => f.local(V128));
    f.constF32(-Infinity).set(ninf);
    // p = byte offset of the window's top-left cell in x; q = of its dy cell.
    f.emit(op.block, 0x40, op.loop, 0x40);
    f.get(r).get(3).emit(op.i32GeU, op.brIf, 1);
    f.get(r).get(5).emit(op.i32Mul, op.i32Const, 1, op.i32Shl).set(p); // 2r·rowBytes
    f.emit(op.i32Const, 0).set(ow);
    f.emit(op.block, 0x40, op.loop, 0x40);
    f.get(ow).get(4).emit(op.i32GeU, op.brIf, 1);
    f.emit(op.i32Const, 0).set(g);
    f.emit(op.block, 0x40, op.loop, 0x40);
    {
      const at = (dr: number, dc: boolean) => {
        // address p + g (+ rowBytes if dr) (+ cBytes if dc)
        f.get(p).get(g).emit(op.i32Add);
        if (dr) f.get(5).emit(op.i32Add);
        if (dc) f.get(6).emit(op.i32Add);
      };
      at(0, false); f.get(0).emit(op.i32Add).simd(simd.load, 4, 0).set(v0);
      at(0, true); f.get(0).emit(op.i32Add).simd(simd.load, 4, 0).set(v1);
      at(1, false); f.get(0).emit(op.i32Add).simd(simd.load, 4, 0).set(v2);
      at(1, true); f.get(0).emit(op.i32Add).simd(simd.load, 4, 0).set(v3);
      f.get(q).get(g).emit(op.i32Add).get(1).emit(op.i32Add).simd(simd.load, 4, 0).set(gv);
      // k0 = any = v0 > −∞; m = v0
      f.get(v0).get(ninf).simd(simd.f32x4Gt).set(k0);
      f.get(k0).set(any);
      f.get(v0).set(m);
      // For each next candidate: c = (v > m) | (¬any & v > −∞); m = c ? v : m; earlier one-hots cleared where c.
      const step = (v: number, prev: number[], into: number | null) => {
        f.get(v).get(m).simd(simd.f32x4Gt);
        f.get(v).get(ninf).simd(simd.f32x4Gt).get(any).emit(0xfd, ...uleb(0x4f)); // v128.andnot(a, b) = a & ~b
        f.simd(simd.or).set(c);
        f.get(v).get(m).get(c).simd(simd.bitselect).set(m);
        f.get(any).get(c).simd(simd.or).set(any);
        for (const kk of prev) f.get(kk).get(c).emit(0xfd, ...uleb(0x4f)).set(kk);
        if (into != null) f.get(c).set(into);
      };
      step(v1, [k0], k1);
      step(v2, [k0, k1], k2);
      step(v3, [k0, k1, k2], null); // c is now k3
      at(0, false); f.get(2).emit(op.i32Add).get(gv).get(k0).simd(simd.and).simd(simd.store, 4, 0);
      at(0, true); f.get(2).emit(op.i32Add).get(gv).get(k1).simd(simd.and).simd(simd.store, 4, 0);
      at(1, false); f.get(2).emit(op.i32Add).get(gv).get(k2).simd(simd.and).simd(simd.store, 4, 0);
      at(1, true); f.get(2).emit(op.i32Add).get(gv).get(c).simd(simd.and).simd(simd.store, 4, 0);
    }
    f.get(g).get(7).emit(op.i32GeU, op.brIf, 1);
    f.get(g).emit(op.i32Const, 16, op.i32Add).set(g);
    f.get(g).get(7).get(g).get(7).emit(op.i32LtU, op.select).set(g);
    f.emit(op.br, 0, op.end, op.end);
    // next window: p += 2·cBytes, q += cBytes
    f.get(p).get(6).emit(op.i32Const, 1, op.i32Shl, op.i32Add).set(p);
    f.get(q).get(6).emit(op.i32Add).set(q);
    f.get(ow).emit(op.i32Const, 1, op.i32Add).set(ow);
    f.emit(op.br, 0, op.end, op.end);
    f.get(r).emit(op.i32Const, 1, op.i32Add).set(r);
    f.emit(op.br, 0, op.end, op.end);
  }
  // transpose(src, dst, R, C): dst[c][r] = src[r][c] for r < R, c < C (both
  // multiples of 4), rows of src `srcStride` bytes, rows of dst `dstStride`
  // bytes (so a sub-block of a larger matrix can be done); 4×4 blocks through
  // shuffles.
  const transpose = new Fn([I32, I32, I32, I32, I32, I32], []);
  {
    const f = transpose;
    const [r, c, sp, dp] = [f.local(I32), f.local(I32), f.local(I32), f.local(I32)];
    const [a, b, cc, d, t0, t1, t2, t3] = Array.from({ length: 8 }, () => f.local(V128));
    const lanes = (...ls: number[]) => ls.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]);
    f.emit(op.block, 0x40, op.loop, 0x40);
    f.get(r).get(2).emit(op.i32GeU, op.brIf, 1);
    f.emit(op.i32Const, 0).set(c);
    f.emit(op.block, 0x40, op.loop, 0x40);
    f.get(c).get(3).emit(op.i32GeU, op.brIf, 1);
    // sp = src + r·srcStride + 4c ; dp = dst + c·dstStride + 4r
    f.get(0).get(r).get(4).emit(op.i32Mul, op.i32Add).get(c).emit(op.i32Const, 2, op.i32Shl, op.i32Add).set(sp);
    f.get(1).get(c).get(5).emit(op.i32Mul, op.i32Add).get(r).emit(op.i32Const, 2, op.i32Shl, op.i32Add).set(dp);
    f.get(sp).simd(simd.load, 0, 0).set(a);
    f.get(sp).get(4).emit(op.i32Add).set(sp);
    f.get(sp).simd(simd.load, 0, 0).set(b);
    f.get(sp).get(4).emit(op.i32Add).set(sp);
    f.get(sp).simd(simd.load, 0, 0).set(cc);
    f.get(sp).get(4).emit(op.i32Add).set(sp);
    f.get(sp).simd(simd.load, 0, 0).set(d);
    f.get(a).get(b).simd(simd.shuffle, ...lanes(0, 4, 1, 5)).set(t0);
    f.get(a).get(b).simd(simd.shuffle, ...lanes(2, 6, 3, 7)).set(t1);
    f.get(cc).get(d).simd(simd.shuffle, ...lanes(0, 4, 1, 5)).set(t2);
    f.get(cc).get(d).simd(simd.shuffle, ...lanes(2, 6, 3, 7)).set(t3);
    f.get(dp).get(t0).get(t2).simd(simd.shuffle, ...lanes(0, 1, 4, 5)).simd(simd.store, 0, 0);
    f.get(dp).get(5).emit(op.i32Add).set(dp);
    f.get(dp).get(t0).get(t2).simd(simd.shuffle, ...lanes(2, 3, 6, 7)).simd(simd.store, 0, 0);
    f.get(dp).get(5).emit(op.i32Add).set(dp);
    f.get(dp).get(t1).get(t3).simd(simd.shuffle, ...lanes(0, 1, 4, 5)).simd(simd.store, 0, 0);
    f.get(dp).get(5).emit(op.i32Add).set(dp);
    f.get(dp).get(t1).get(t3).simd(simd.shuffle, ...lanes(2, 3, 6, 7)).simd(simd.store, 0, 0);
    f.get(c).emit(op.i32Const, 4, op.i32Add).set(c);
    f.emit(op.br, 0, op.end, op.end);
    f.get(r).emit(op.i32Const, 4, op.i32Add).set(r);
    f.emit(op.br, 0, op.end, op.end);
  }
  return [
    { name: 'transpose', fn: transpose },
    { name: 'reluGrad', fn: reluGrad },
    { name: 'colSum', fn: colSum },
    { name: 'adam', fn: adam },
    { name: 'maxPoolGrad2x2', fn: mpg },
  ];
}

/** The module's bytes; `shared` when the imported memory is a SharedArrayBuffer (threaded build). */
export function elementwiseSimdModuleBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  const fns = buildFunctions();
  const types = fns.map(({ fn }) => [0x60, ...vec(fn.params.map((t) => [t])), ...vec(fn.results.map((t) => [t]))]);
  const imports = vec([memoryImport(shared)]);
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(2, imports),
    ...section(3, vec(fns.map((_, i) => uleb(i)))),
    ...section(7, vec(fns.map(({ name }, i) => [...str(name), 0x00, ...uleb(i)]))),
    ...section(10, vec(fns.map(({ fn }) => fn.body()))),
  ];
  return new Uint8Array(bytes);
}

/** The exported loops (byte offsets into the backend's memory). */
export interface ElementwiseSimd {
  /** dx = dy·step(x) over nBytes (a multiple of 16). */
  reluGrad(dy: number, x: number, dx: number, nBytes: number): void;
  /**
   * acc += column sums of an [M, C] matrix (C ≥ 4, rowBytes = 4·C);
   * acc: float64, 4·ceil(C/4) slots zeroed by the caller, see colSlot.
   */
  colSum(x: number, M: number, rowBytes: number, blockBytes: number, acc: number): void;
  /** One Adam step over nBytes (a multiple of 16) of w, g, m, v into w2, m2, v2. */
  adam(w: number, g: number, m: number, v: number, w2: number, m2: number, v2: number, nBytes: number,
    beta1: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number,
    oneMinusAccBeta1: number, oneMinusAccBeta2: number, epsilon: number, negLr: number): void;
  /**
   * 2×2 stride-2 unpadded max-pool gradient of one image: OH·OW windows;
   * rowBytes = 4·W·C of the input, cBytes = 4·C (C ≥ 4), lastG = cBytes − 16.
   * Writes every cell of the top-left 2·OH × 2·OW region; a last odd
   * row/column is left to the caller.
   */
  maxPoolGrad2x2(x: number, dy: number, dx: number, OH: number, OW: number, rowBytes: number, cBytes: number, lastG: number): void;
  /**
   * dst[c][r] = src[r][c] for r < R, c < C (multiples of 4); row strides in
   * bytes (src rows hold ≥ C floats, dst rows ≥ R).
   */
  transpose(src: number, dst: number, R: number, C: number, srcStride: number, dstStride: number): void;
}

/**
 * 2-D float32 transpose [R, C] → [C, R] of heap matrices at byte offsets
 * src/dst (not overlapping): the SIMD loop for the largest multiple-of-4
 * block, JS for the remaining edge rows/columns.
 */
export function transposeOnHeap(simd: ElementwiseSimd, heap: Float32Array, src: number, dst: number, R: number, C: number): void {
  const R4 = R - (R % 4);
  const C4 = C - (C % 4);
  // Bands of BAND columns: the band's destination rows (BAND cache lines
  // being filled 16 bytes at a time) stay in L1 while its source rows stream.
  const BAND = 64;
  if (R4 > 0) for (let c0 = 0; c0 < C4; c0 += BAND) simd.transpose(src + 4 * c0, dst + 4 * c0 * R, R4, Math.min(BAND, C4 - c0), 4 * C, 4 * R);
  const s = src >> 2;
  const d = dst >> 2;
  // Columns C4..C−1 of rows 0..R4−1, then every column of rows R4..R−1.
  for (let r = 0; r < R4; r++) for (let c = C4; c < C; c++) heap[d + c * R + r] = heap[s + r * C + c];
  for (let r = R4; r < R; r++) for (let c = 0; c < C; c++) heap[d + c * R + r] = heap[s + r * C + c];
}

/** Accumulator slot of column c (of C ≥ 4) in colSum's output. */
export function colSlot(c: number, C: number): number {
  const lastStart = 4 * (Math.ceil(C / 4) - 1);
  return c < lastStart ? c : lastStart + c - (C - 4);
}

/** Block size in bytes for rows of rowBytes: about 16 KiB, whole rows. */
export function blockBytesFor(rowBytes: number): number {
  return Math.max(1, Math.floor(16384 / rowBytes)) * rowBytes;
}


/** The SIMD loops bound to `memory`, or null where they cannot run (no wasm SIMD): callers use JS loops. */
export function elementwiseSimdFor(memory: WebAssembly.Memory | undefined): ElementwiseSimd | null {
  if (memory == null || typeof WebAssembly === 'undefined') return null;
  return boundModule(memory, 'elementwise', elementwiseSimdModuleBytes, (ex) => ex as unknown as ElementwiseSimd);
}


let enabled: boolean | null = null;

/**
 * Whether our element-wise/reduction kernels are on: CNN_WASM_ELEMENTWISE=0
 * (or the baseline's CNN_WASM_FAST_PATHS=0) turns them off — tfjs's Relu
 * gradient, the JS loops for Sum/Mean, Adam and MaxPoolGrad — for
 * before/after comparisons. Read once; tests may override.
 */
export function elementwiseEnabled(): boolean {
  if (enabled == null) {
    enabled = envVar('CNN_WASM_ELEMENTWISE') !== '0' && envVar('CNN_WASM_FAST_PATHS') !== '0';
  }
  return enabled;
}

/** Test hook: force the switch (null = read the environment again). */
export function setElementwiseEnabled(on: boolean | null): void {
  enabled = on;
}

/** The SIMD loops for this wasm backend, or null (switched off, or no SIMD). */
export function elementwiseSimdOf(backend: unknown): ElementwiseSimd | null {
  if (!elementwiseEnabled()) return null;
  return elementwiseSimdFor(heapMemory(backend));
}
