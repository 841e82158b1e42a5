/**
 * A small WebAssembly SIMD matrix-product kernel that runs on the wasm
 * backend's own heap, for the convolution filter gradient.
 *
 * Why not XNNPACK: tfjs's BatchMatMul hands XNNPACK's fully-connected
 * operator a right operand that it packs on every call (the operator is cached
 * by tensor id and gradients are always new tensors), at ~6 ns per element on
 * our machine. For the filter gradient the right operand is dy (N·Ho·Wo×Co),
 * so packing costs as much as 20–90 % of the product (the more, the fewer
 * input channels). This kernel reads both operands in place: A by row
 * pointers (any rows, e.g. shifted views into phase planes), B row-major
 * [K, ldb], and accumulates into C.
 *
 *   C[r, 0:nr] += Σ_{k<kc} A_r[k] · B[k, 0:nr]      for r < mr
 *
 * One exported function per tile shape `g{mr}x{nr}` (mr = 1…4 rows,
 * nr = 8 or 4 columns as two or one f32x4, or 1 column in scalar f32), with
 * parameters (a_0 … a_{mr−1}, b, ldb, c, ldc, kc): byte addresses a_r (row r
 * of A), b (B[0, 0]), c (C[0, 0]); ldb and ldc are row pitches in bytes; kc
 * the reduction length. Rows of A are read with unit stride.
 *
 * The module is assembled here from a few opcodes (no toolchain needed) and
 * instantiated against the backend's WebAssembly.Memory, so it sees the same
 * heap as tfjs's kernels, growth included.
 */

// --- a minimal WebAssembly binary writer ---------------------------------

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
const sleb = (v: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
};
const str = (s: string) => [...uleb(s.length), ...[...s].map((ch) => ch.charCodeAt(0))];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];

const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;

/** Opcodes used below. */
const op = {
  block: [0x02, 0x40], loop: [0x03, 0x40], end: [0x0b], brIf: (d: number) => [0x0d, ...uleb(d)],
  get: (i: number) => [0x20, ...uleb(i)], set: (i: number) => [0x21, ...uleb(i)],
  i32: (v: number) => [0x41, ...sleb(v)], add: [0x6a], sub: [0x6b], eqz: [0x45],
  f32load: (off = 0) => [0x2a, 2, ...uleb(off)], f32store: (off = 0) => [0x38, 2, ...uleb(off)],
  f32add: [0x92], f32mul: [0x94],
  vload: (off = 0) => [0xfd, 0x00, 0, ...uleb(off)], vstore: (off = 0) => [0xfd, 0x0b, 0, ...uleb(off)],
  vsplat32: (off = 0) => [0xfd, 0x09, 0, ...uleb(off)],
  vadd: [0xfd, ...uleb(0xe4)], vmul: [0xfd, ...uleb(0xe6)],
};

/** Tile shapes: nr 8 = two f32x4 per row, 4 = one, 1 = scalar. */
const NRS = [8, 4, 1] as const;
const MRS = [1, 2, 3, 4] as const;
export type TileNr = (typeof NRS)[number];
export type TileMr = (typeof MRS)[number];

/** Body of g{mr}x{nr}: params a_0…a_{mr−1}, b, ldb, c, ldc, kc. */
function kernelBody(mr: number, nr: number): number[] {
  const pB = mr;
  const pLdb = mr + 1;
  const pC = mr + 2;
  const pLdc = mr + 3;
  const pKc = mr + 4;
  const vecs = nr === 1 ? 1 : nr / 4; // accumulators per row
  const accType = nr === 1 ? F32 : V128;
  // Locals after the params: acc[r][h], bv[h], av, crow[r].
  let next = mr + 5;
  const acc: number[][] = [];
  for (let r = 0; r < mr; r++) acc.push(Array.from({ length: vecs }, () => next++));
  const bv = Array.from({ length: vecs }, () => next++);
  const av = next++;
  const crow = Array.from({ length: mr }, () => next++);
  const locals = [
    [...uleb(mr * vecs + vecs + 1), accType],
    [...uleb(mr), I32],
  ];
  const width = nr === 1 ? 4 : 16;
  const load = nr === 1 ? op.f32load : op.vload;
  const store = nr === 1 ? op.f32store : op.vstore;
  const mul = nr === 1 ? op.f32mul : op.vmul;
  const addv = nr === 1 ? op.f32add : op.vadd;
  const code: number[] = [];
  // crow[r] = c + r·ldc; acc[r][h] = C[r, h·4 …]
  for (let r = 0; r < mr; r++) {
    code.push(...op.get(pC));
    if (r > 0) {
      for (let q = 0; q < r; q++) code.push(...op.get(pLdc), ...op.add);
    }
    code.push(...op.set(crow[r]));
    for (let h = 0; h < vecs; h++) code.push(...op.get(crow[r]), ...load(h * width), ...op.set(acc[r][h]));
  }
  // if (kc != 0) loop { … kc -= 1; br_if kc != 0 }
  code.push(...op.block, ...op.get(pKc), ...op.eqz, ...op.brIf(0), ...op.loop);
  for (let h = 0; h < vecs; h++) code.push(...op.get(pB), ...load(h * width), ...op.set(bv[h]));
  for (let r = 0; r < mr; r++) {
    code.push(...op.get(r), ...(nr === 1 ? op.f32load() : op.vsplat32()), ...op.set(av));
    for (let h = 0; h < vecs; h++) {
      code.push(...op.get(acc[r][h]), ...op.get(av), ...op.get(bv[h]), ...mul, ...addv, ...op.set(acc[r][h]));
    }
    code.push(...op.get(r), ...op.i32(4), ...op.add, ...op.set(r));
  }
  code.push(...op.get(pB), ...op.get(pLdb), ...op.add, ...op.set(pB));
  code.push(...op.get(pKc), ...op.i32(1), ...op.sub, ...op.set(pKc), ...op.get(pKc), ...op.brIf(0));
  code.push(...op.end, ...op.end);
  for (let r = 0; r < mr; r++) {
    for (let h = 0; h < vecs; h++) code.push(...op.get(crow[r]), ...op.get(acc[r][h]), ...store(h * width));
  }
  code.push(...op.end);
  const body = [...vec(locals), ...code];
  return [...uleb(body.length), ...body];
}

/** Assembles the module: one type per mr, functions g{mr}x{nr}, memory imported as env.memory. */
function assemble(): Uint8Array<ArrayBuffer> {
  const types = MRS.map((mr) => [0x60, ...vec(Array.from({ length: mr + 5 }, () => [I32])), 0]);
  const imports = vec([[...str('env'), ...str('memory'), 0x02, 0x00, ...uleb(1)]]);
  const funcs: { name: string; type: number; body: number[] }[] = [];
  for (const mr of MRS) for (const nr of NRS) funcs.push({ name: `g${mr}x${nr}`, type: mr - 1, body: kernelBody(mr, nr) });
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(2, imports),
    ...section(3, vec(funcs.map((f) => uleb(f.type)))),
    ...section(7, vec(funcs.map((f, i) => [...str(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(funcs.map((f) => f.body))),
  ];
  return new Uint8Array(bytes);
}

/** A tile kernel: (a_0 … a_{mr−1}, b, ldb, c, ldc, kc) → void (byte addresses / pitches). */
export type TileKernel = (...args: number[]) => void;

/** The kernels, by `g{mr}x{nr}`. */
export interface SimdGemm {
  tile(mr: TileMr, nr: TileNr): TileKernel;
}

let compiled: WebAssembly.Module | null | undefined;
const instances = new WeakMap<WebAssembly.Memory, SimdGemm>();

/**
 * The kernels bound to `memory` (the wasm backend's heap), or null when this
 * engine cannot compile them (no wasm SIMD): callers then use XNNPACK.
 */
export function simdGemmFor(memory: WebAssembly.Memory | undefined): SimdGemm | null {
  if (memory == null) return null;
  const have = instances.get(memory);
  if (have) return have;
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(assemble());
    } catch {
      compiled = null;
    }
  }
  if (compiled == null) return null;
  const inst = new WebAssembly.Instance(compiled, { env: { memory } });
  const ex = inst.exports as Record<string, TileKernel>;
  const g: SimdGemm = { tile: (mr, nr) => ex[`g${mr}x${nr}`] };
  instances.set(memory, g);
  return g;
}

/**
 * C[M, N] += Σ_k A_m[k] · B[k, n] on the heap (float32, byte addresses):
 * rows[m] is the address of row m of A (unit stride), B is [kc, N] with row
 * pitch ldb bytes, C is [M, N] with row pitch ldc bytes.
 *
 * Blocked so a block of A rows (4 × kBlock) and of B (kBlock × 8) stay in L1
 * while every column tile reuses them.
 */
export function simdGemmAccumulate(
  g: SimdGemm, rows: Int32Array | number[], M: number, N: number, kc: number,
  b: number, ldb: number, c: number, ldc: number, kBlock = 512,
): void {
  const g4x8 = g.tile(4, 8);
  for (let k0 = 0; k0 < kc; k0 += kBlock) {
    const kn = Math.min(kBlock, kc - k0);
    const bk = b + k0 * ldb;
    const ak = k0 * 4;
    let m = 0;
    for (; m + 4 <= M; m += 4) {
      const a0 = rows[m] + ak;
      const a1 = rows[m + 1] + ak;
      const a2 = rows[m + 2] + ak;
      const a3 = rows[m + 3] + ak;
      const cRow = c + m * ldc;
      let n = 0;
      for (; n + 8 <= N; n += 8) g4x8(a0, a1, a2, a3, bk + n * 4, ldb, cRow + n * 4, ldc, kn);
      n = tailColumns(g, 4, [a0, a1, a2, a3], n, N, bk, ldb, cRow, ldc, kn);
    }
    if (m < M) {
      const mr = (M - m) as TileMr;
      const as = Array.from({ length: mr }, (_, r) => rows[m + r] + ak);
      tailColumns(g, mr, as, 0, N, bk, ldb, c + m * ldc, ldc, kn);
    }
  }
}

/** Columns n… of one row tile with the widest kernels that fit; returns N. */
function tailColumns(g: SimdGemm, mr: TileMr, as: number[], n: number, N: number, bk: number, ldb: number, cRow: number, ldc: number, kn: number): number {
  for (const nr of NRS) {
    const k = g.tile(mr, nr);
    for (; n + nr <= N; n += nr) k(...as, bk + n * 4, ldb, cRow + n * 4, ldc, kn);
  }
  return n;
}
