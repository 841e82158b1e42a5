/**
 * WebAssembly SIMD loops for the fused BatchNorm kernels (batch-norm.ts),
 * running directly on tfjs-backend-wasm's heap.
 *
 * tfjs-backend-wasm ships no batch-norm training kernel and we cannot add C++
 * to its build, but a second, tiny wasm module can import the backend's
 * WebAssembly.Memory and loop over tensors in place. The module is assembled
 * here from bytes (a few hundred; no toolchain needed), so the source of
 * truth is this file. Each function handles one group of four channels of an
 * NHWC tensor (channels innermost, rows of C floats): it walks the M = N·H·W
 * rows with a stride of 4·C bytes, keeping the group's accumulators or
 * coefficients in v128 registers. The JS side calls it once per group (C/4
 * calls per pass) and does the per-channel arithmetic in float64.
 *
 * - moments(x, M, stride, shift×4) → (Σd ×4, Σd² ×4), d = x − shift: sums in
 *   float64 (f64x2), the shift (first row) keeps the one-pass variance exact.
 * - normalize(x, y, M, stride, mean×4, scale×4, beta×4): y = (x−mean)·scale + beta.
 * - gradSums(dy, x, M, stride, mean×4) → (Σdy ×4, Σdy·(x−mean) ×4), float64 sums.
 * - gradInput(dy, x, dx, M, stride, mean×4, a×4, b×4, k×4): dx = a·dy + b·(x−mean) + k.
 *
 * Throughput is about memory bandwidth (≈1 load + 1 store per element for the
 * element-wise passes), against 4–10 ns per element for the JS loops.
 */

// Value types and opcodes (WebAssembly core + SIMD 128).
const I32 = 0x7f;
const F32 = 0x7d;
const F64 = 0x7c;
const V128 = 0x7b;
const op = {
  block: 0x02, loop: 0x03, end: 0x0b, br: 0x0c, brIf: 0x0d,
  localGet: 0x20, localSet: 0x21, localTee: 0x22,
  i32Const: 0x41, i32Add: 0x6a, i32Mul: 0x6c, i32GeU: 0x4f,
} as const;
// SIMD opcodes follow the 0xFD prefix as LEB128 u32.
const simd = {
  load: 0x00, store: 0x0b, shuffle: 0x0d, f32x4Splat: 0x13, f32x4ReplaceLane: 0x20, f64x2ExtractLane: 0x21,
  f64x2PromoteLow: 0x5f, f32x4Add: 0xe4, f32x4Sub: 0xe5, f32x4Mul: 0xe6, f64x2Add: 0xf0, f64x2Mul: 0xf2,
} as const;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
const str = (s: string) => [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];

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
  /** v128.load / v128.store at [addr local + 0], alignment hint 4 bytes (float32 data). */
  load(addr: number) { return this.get(addr).simd(simd.load, 2, 0); }
  /** Builds a v128 from four f32 params p..p+3 into a new local. */
  f32x4FromParams(p: number): number {
    const v = this.local(V128);
    this.get(p).simd(simd.f32x4Splat);
    for (let lane = 1; lane < 4; lane++) this.get(p + lane).simd(simd.f32x4ReplaceLane, lane);
    this.set(v);
    return v;
  }
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
 * Loop skeleton: `for (o = 0; o < end; o += step) { body }`, end = M·stride.
 * Emits into fn; `o` is an i32 local (byte offset from the group's start).
 */
function strideLoop(fn: Fn, M: number, stride: number, body: (o: number) => void): void {
  const o = fn.local(I32);
  const end = fn.local(I32);
  fn.get(M).get(stride).emit(op.i32Mul).set(end);
  fn.emit(op.block, 0x40, op.loop, 0x40);
  fn.get(o).get(end).emit(op.i32GeU, op.brIf, 1);
  body(o);
  fn.get(o).get(stride).emit(op.i32Add).set(o);
  fn.emit(op.br, 0, op.end, op.end);
}

/** addr = base + o into a fresh local. */
function addr(fn: Fn, base: number, o: number): number {
  const a = fn.local(I32);
  fn.get(base).get(o).emit(op.i32Add).set(a);
  return a;
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

/** Pushes the four f64 lanes of (lo, hi) onto the stack, in channel order. */
function pushLanes(fn: Fn, lo: number, hi: number): void {
  fn.get(lo).simd(simd.f64x2ExtractLane, 0).get(lo).simd(simd.f64x2ExtractLane, 1);
  fn.get(hi).simd(simd.f64x2ExtractLane, 0).get(hi).simd(simd.f64x2ExtractLane, 1);
}

const f32s = (n: number) => new Array<number>(n).fill(F32);

function buildFunctions(): Fn[] {
  // moments(x, M, stride, sh0..3) -> 8 × f64
  const moments = new Fn([I32, I32, I32, ...f32s(4)], new Array<number>(8).fill(F64));
  {
    const f = moments;
    const sh = f.f32x4FromParams(3);
    const [slo, shi, qlo, qhi, d] = [f.local(V128), f.local(V128), f.local(V128), f.local(V128), f.local(V128)];
    strideLoop(f, 1, 2, (o) => {
      const a = addr(f, 0, o);
      f.load(a).get(sh).simd(simd.f32x4Sub).set(d);
      accumulate(f, d, slo, shi, qlo, qhi);
    });
    pushLanes(f, slo, shi);
    pushLanes(f, qlo, qhi);
  }
  // normalize(x, y, M, stride, mean×4, scale×4, beta×4)
  const normalize = new Fn([I32, I32, I32, I32, ...f32s(12)], []);
  {
    const f = normalize;
    const m = f.f32x4FromParams(4);
    const s = f.f32x4FromParams(8);
    const b = f.f32x4FromParams(12);
    strideLoop(f, 2, 3, (o) => {
      const ax = addr(f, 0, o);
      const ay = addr(f, 1, o);
      f.get(ay);
      f.load(ax).get(m).simd(simd.f32x4Sub).get(s).simd(simd.f32x4Mul).get(b).simd(simd.f32x4Add);
      f.simd(simd.store, 2, 0);
    });
  }
  // gradSums(dy, x, M, stride, mean×4) -> 8 × f64
  const gradSums = new Fn([I32, I32, I32, I32, ...f32s(4)], new Array<number>(8).fill(F64));
  {
    const f = gradSums;
    const m = f.f32x4FromParams(4);
    const [glo, ghi, plo, phi, g, p] = [f.local(V128), f.local(V128), f.local(V128), f.local(V128), f.local(V128), f.local(V128)];
    strideLoop(f, 2, 3, (o) => {
      const ag = addr(f, 0, o);
      const ax = addr(f, 1, o);
      f.load(ag).set(g);
      f.get(g).load(ax).get(m).simd(simd.f32x4Sub).simd(simd.f32x4Mul).set(p);
      accumulate(f, g, glo, ghi);
      accumulate(f, p, plo, phi);
    });
    pushLanes(f, glo, ghi);
    pushLanes(f, plo, phi);
  }
  // gradInput(dy, x, dx, M, stride, mean×4, a×4, b×4, k×4)
  const gradInput = new Fn([I32, I32, I32, I32, I32, ...f32s(16)], []);
  {
    const f = gradInput;
    const m = f.f32x4FromParams(5);
    const a = f.f32x4FromParams(9);
    const b = f.f32x4FromParams(13);
    const k = f.f32x4FromParams(17);
    strideLoop(f, 3, 4, (o) => {
      const ag = addr(f, 0, o);
      const ax = addr(f, 1, o);
      const ad = addr(f, 2, o);
      f.get(ad);
      f.load(ag).get(a).simd(simd.f32x4Mul);
      f.load(ax).get(m).simd(simd.f32x4Sub).get(b).simd(simd.f32x4Mul).simd(simd.f32x4Add);
      f.get(k).simd(simd.f32x4Add);
      f.simd(simd.store, 2, 0);
    });
  }
  return [moments, normalize, gradSums, gradInput];
}

const NAMES = ['moments', 'normalize', 'gradSums', 'gradInput'] as const;

/** The module's bytes; `shared` when the imported memory is a SharedArrayBuffer (threaded build). */
export function batchNormSimdModuleBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  const fns = buildFunctions();
  const types = fns.map((f) => [0x60, ...vec(f.params.map((t) => [t])), ...vec(f.results.map((t) => [t]))]);
  // Memory import: min 0 pages, unbounded (or, for shared memory, the 4 GiB maximum it requires).
  const limits = shared ? [0x03, 0, ...uleb(65536)] : [0x00, 0];
  const imports = vec([[...str('env'), ...str('memory'), 0x02, ...limits]]);
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

/** The exported loops (byte offsets into the imported memory; see the module note). */
export interface BatchNormSimd {
  moments(x: number, M: number, stride: number, s0: number, s1: number, s2: number, s3: number): number[];
  normalize(x: number, y: number, M: number, stride: number, ...coef: number[]): void;
  gradSums(dy: number, x: number, M: number, stride: number, m0: number, m1: number, m2: number, m3: number): number[];
  gradInput(dy: number, x: number, dx: number, M: number, stride: number, ...coef: number[]): void;
}

const cache = new WeakMap<WebAssembly.Memory, BatchNormSimd | null>();

/**
 * The SIMD loops bound to `memory`, or null where they cannot run (no wasm
 * SIMD, or instantiation refused): callers then use the JS loops.
 * Instantiated once per memory, synchronously (the module is tiny).
 */
export function batchNormSimdFor(memory: WebAssembly.Memory | undefined): BatchNormSimd | null {
  if (memory == null || typeof WebAssembly === 'undefined') return null;
  const hit = cache.get(memory);
  if (hit !== undefined) return hit;
  let made: BatchNormSimd | null = null;
  try {
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    const bytes = batchNormSimdModuleBytes(shared);
    if (WebAssembly.validate(bytes)) {
      const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
      made = inst.exports as unknown as BatchNormSimd;
    }
  } catch {
    made = null;
  }
  cache.set(memory, made);
  return made;
}
