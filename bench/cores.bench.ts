/**
 * How much SIMD compute the machine's cores give right now: one process
 * alone, then two at the same time, each running the same in-cache wasm
 * SIMD GEMM (Winograd's 36-plane GEMM of a 32→32-channel layer, the hot loop
 * of our convolutions) for a fixed time. Prints the multiply-adds per second
 * of each and `pairScaling` = (sum of the two) / (one alone).
 *
 * Why: the benchmarks of two threads (data-parallel replicas, PyTorch with
 * two OpenMP threads) assume the second core adds a core's worth of
 * throughput. On the 2-vCPU VM we measure on it sometimes does not: the host
 * may run both vCPUs on one physical core's two hyper-threads, or share one
 * with another guest, and the pair then gets 1.05–1.5× one instead of 2×,
 * changing from minute to minute (docs/performance.md). bench/training.bench.ts
 * runs this first and reports it with its results, so that a run's
 * two-thread figures can be read against the machine's state.
 *
 *   npx tsx bench/cores.bench.ts [--rounds 3] [--ms 1500]
 *
 * Each round: one child alone, then two children whose measurement windows
 * start at the same instant (after their start-up). One JSON object on stdout.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { jsonChild } from './child';
import { median } from './rounds';

const here = path.dirname(fileURLToPath(import.meta.url));

/** One round's figures: GMAC/s of the lone process and of each of the pair. */
export interface CoresRound {
  alone: number;
  pair: [number, number];
  pairScaling: number;
}

/** The bench's result. */
export interface CoresResult {
  /** GMAC/s of one process alone (median of the rounds). */
  aloneGmacs: number;
  /** (sum of the pair's GMAC/s) / (alone), median of the rounds: 2 when the second core is a whole core. */
  pairScaling: number;
  rounds: CoresRound[];
}

/** Child: wait until `startAt` (epoch ms), run the GEMM for `ms`, print GMAC/s. */
async function child(startAt: number, ms: number): Promise<void> {
  const { planePitch, winogradKernelsFor } = await import('../engine/backend/kernels/winograd');
  const [ci, co, tiles] = [32, 32, 96];
  const xiIn = planePitch(tiles * ci * 4);
  const xiOut = planePitch(tiles * co * 4);
  const bytes = 36 * (xiIn + xiOut) + 36 * ci * co * 4;
  const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) + 1 });
  const k = winogradKernelsFor(memory, ci, co);
  if (!k) throw new Error('this engine cannot compile wasm SIMD');
  const [v, m, u] = [0, 36 * xiIn, 36 * (xiIn + xiOut)];
  new Float32Array(memory.buffer).fill(0.5);
  const run = () => k.gemm[k.maxRows](v, u, m, tiles / k.maxRows, 36, xiIn, ci * co * 4, xiOut);
  run(); // compile tier-up before the window
  while (Date.now() < startAt - 20) await new Promise((r) => setTimeout(r, 10));
  while (Date.now() < startAt) { /* spin to the start */ }
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < ms) {
    run();
    n++;
  }
  const gmacs = (n * tiles * 36 * ci * co) / ((performance.now() - t0) * 1e6);
  process.stdout.write(`${JSON.stringify({ gmacs })}\n`);
}

async function runChildren(count: number, ms: number): Promise<number[]> {
  // Start-up (tsx, tfjs) takes ~1–2 s; all windows open together after it.
  const startAt = Date.now() + 4000;
  const outs = await Promise.all(Array.from({ length: count }, () => jsonChild(fileURLToPath(import.meta.url), ['--child', String(startAt), String(ms)])));
  return outs.map((o) => (o as { gmacs: number }).gmacs);
}

/** Measure `rounds` rounds of one alone, then two together. */
export async function measureCores(rounds = 3, ms = 1500): Promise<CoresResult> {
  const out: CoresRound[] = [];
  for (let r = 0; r < rounds; r++) {
    const [alone] = await runChildren(1, ms);
    const [a, b] = await runChildren(2, ms);
    out.push({ alone: +alone.toFixed(2), pair: [+a.toFixed(2), +b.toFixed(2)], pairScaling: +((a + b) / alone).toFixed(2) });
  }
  return { aloneGmacs: +median(out.map((r) => r.alone)).toFixed(2), pairScaling: +median(out.map((r) => r.pairScaling)).toFixed(2), rounds: out };
}

const isMain = process.argv[1] != null && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const i = process.argv.indexOf('--child');
  if (i > 0) {
    await child(Number(process.argv[i + 1]), Number(process.argv[i + 2]));
  } else {
    const arg = (name: string, dflt: number) => {
      const j = process.argv.indexOf(`--${name}`);
      return j > 0 ? Number(process.argv[j + 1]) : dflt;
    };
    const result = await measureCores(arg('rounds', 3), arg('ms', 1500));
    process.stdout.write(`${JSON.stringify({ bench: 'cores', ...result })}\n`);
  }
}
