/**
 * Forward convolution (FusedConv2D with bias + relu, as the layers run it) on
 * the wasm backend, per layer shape of the three benchmark networks, at batch
 * 64 and 32: process CPU ms per call of
 *
 *   xnnCached — tfjs's XNNPACK kernel with a filter whose packed operator it
 *               has cached (inference: the same filter tensor every call),
 *   xnnFresh  — XNNPACK with a new filter tensor every call (training: the
 *               optimizer replaces the filter after every step, so XNNPACK
 *               re-packs it),
 *   rows      — our implicit GEMM walking x in place (conv-forward.ts) with
 *               its layer-specialised kernel (whole output rows per call),
 *   tiles     — the same walk with conv-simd-gemm.ts's generic tile kernels,
 *   winograd  — Winograd F(4×4, 3×3) (winograd.ts; 3×3 stride-1 layers
 *               with Ci a multiple of 4 and Co of 8),
 *   auto      — what the registered kernel runs (planForward's choice:
 *               'winograd', 'rows', 'tiles' or 'xnnpack' = xnnFresh in training).
 *
 *   npx tsx bench/conv-forward.bench.ts [--rounds R] [--batches 64,32] [--only substr]
 *
 * The machine is shared: each round times all variants back to back (CPU
 * time) and the figure reported is the fastest round (other processes only
 * add CPU time: cache and hyper-thread contention); compare ratios
 * within one run. Also checks that ours agrees with XNNPACK (max |diff|
 * relative to max |xnn|). Prints one JSON object.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../engine/backend';
import {
  type ForwardGeometry, conv2dForwardInPlace, forwardKernels, planForward, setForwardMode,
} from '../engine/backend/kernels/conv-forward';
import type { WasmBackendLike } from '../engine/backend/kernels/wasm-ops';
import { maxDifference } from './compare';
import { winogradApplies, winogradConv2d, winogradKernelsFor } from '../engine/backend/kernels/winograd';

interface Shape {
  name: string; h: number; ci: number; co: number; k: number; s: number; pad: 'same' | 'valid';
}

const SHAPES: Shape[] = [
  { name: 'mnist 28×28×1→32 valid', h: 28, ci: 1, co: 32, k: 3, s: 1, pad: 'valid' },
  { name: 'mnist 13×13×32→64 valid', h: 13, ci: 32, co: 64, k: 3, s: 1, pad: 'valid' },
  { name: 'cifar 32×32×3→32 same', h: 32, ci: 3, co: 32, k: 3, s: 1, pad: 'same' },
  { name: 'cifar 32×32×32→32 valid', h: 32, ci: 32, co: 32, k: 3, s: 1, pad: 'valid' },
  { name: 'cifar 15×15×32→64 same', h: 15, ci: 32, co: 64, k: 3, s: 1, pad: 'same' },
  { name: 'cifar 15×15×64→64 valid', h: 15, ci: 64, co: 64, k: 3, s: 1, pad: 'valid' },
  { name: 'resnet 32×32×3→16 same', h: 32, ci: 3, co: 16, k: 3, s: 1, pad: 'same' },
  { name: 'resnet 32×32×16→16 same', h: 32, ci: 16, co: 16, k: 3, s: 1, pad: 'same' },
  { name: 'resnet 16×16×32→32 same', h: 16, ci: 32, co: 32, k: 3, s: 1, pad: 'same' },
  { name: 'resnet 8×8×64→64 same', h: 8, ci: 64, co: 64, k: 3, s: 1, pad: 'same' },
  { name: 'resnet 32×32×16→32 3×3 s2 same', h: 32, ci: 16, co: 32, k: 3, s: 2, pad: 'same' },
  { name: 'resnet 16×16×32→64 3×3 s2 same', h: 16, ci: 32, co: 64, k: 3, s: 2, pad: 'same' },
  { name: 'resnet 32×32×16→32 1×1 s2', h: 32, ci: 16, co: 32, k: 1, s: 2, pad: 'same' },
  { name: 'resnet 16×16×32→64 1×1 s2', h: 16, ci: 32, co: 64, k: 1, s: 2, pad: 'same' },
];

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const rounds = Number(arg('rounds') ?? 5);
const batches = (arg('batches') ?? '64,32').split(',').map(Number);
const only = arg('only');

const info = await initBackend({ prefer: 'wasm', threads: 1 });
const b = tf.backend() as unknown as WasmBackendLike;
const kernels = forwardKernels(b);
if (!kernels) throw new Error('no wasm SIMD here');
/** Fastest sample: contention by other processes only ever adds CPU time (cache, hyper-threads). */
const best = (v: number[]) => Math.min(...v);
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
/** CPU ms per call of f (each call returns a TensorInfo to free), ≥ ~25 ms of work per sample. */
function time(f: () => tf.TensorInfo): number {
  b.disposeData(f().dataId); // warm
  let reps = 0;
  const t0 = cpuMs();
  let t = 0;
  do {
    b.disposeData(f().dataId);
    reps++;
    t = cpuMs() - t0;
  } while (t < 40);
  return t / reps;
}

const results: unknown[] = [];
for (const N of batches) {
  for (const s of SHAPES) {
    if (only && !s.name.includes(only)) continue;
    const x = tf.randomNormal([N, s.h, s.h, s.ci]);
    const w = tf.randomNormal([s.k, s.k, s.ci, s.co], 0, 0.1);
    const bias = tf.randomNormal([s.co]);
    const ci = tf.backend_util.computeConv2DInfo(x.shape as never, w.shape as never, [s.s, s.s], [1, 1], s.pad, undefined, false, 'channelsLast');
    const g: ForwardGeometry = {
      kh: s.k, kw: s.k, sh: s.s, sw: s.s, dh: 1, dw: 1, pt: ci.padInfo.top, pl: ci.padInfo.left,
      H: s.h, W: s.h, Ho: ci.outHeight, Wo: ci.outWidth, ci: s.ci, co: s.co, n: N,
    };
    const attrs = { strides: s.s, pad: s.pad, dataFormat: 'NHWC', dilations: 1, activation: 'relu' };
    const run = (filter: tf.TensorInfo) =>
      (tf.engine().runKernel('FusedConv2D', { x, filter, bias } as never, attrs as never) as tf.Tensor);
    // XNNPACK through the registered kernel with ours switched off.
    const xnn = (fresh: boolean) => () => {
      setForwardMode('off');
      let f: tf.Tensor | null = null;
      if (fresh) {
        // A new filter tensor (new heap id: XNNPACK builds and packs a new operator), as after an optimizer step.
        f = tf.engine().makeTensor(tf.backend().readSync(w.dataId) as Float32Array, w.shape, 'float32') as tf.Tensor;
      }
      const out = run((f ?? w) as tf.TensorInfo);
      f?.dispose();
      setForwardMode('auto');
      // Hand the TensorInfo to time(); keep the engine's count in check.
      const info = { dataId: out.dataId, shape: out.shape, dtype: out.dtype } as tf.TensorInfo;
      b.incRef(out.dataId);
      out.dispose();
      return info;
    };
    const ours = (impl: 'rows' | 'tiles' = 'rows') => () =>
      conv2dForwardInPlace(b, kernels, x as tf.TensorInfo, w as tf.TensorInfo, bias as tf.TensorInfo, g, 'relu', impl);
    const wk = winogradApplies(g) ? winogradKernelsFor(kernels.memory, g.ci, g.co) : null;
    const wino = () => winogradConv2d(b, wk!, x as tf.TensorInfo, w as tf.TensorInfo, bias as tf.TensorInfo, g, 'relu');
    // Agreement with XNNPACK.
    const ref = xnn(false)();
    const refV = b.typedArrayFromHeap(ref).slice();
    b.disposeData(ref.dataId);
    const diff = (f: () => tf.TensorInfo) => {
      const o = f();
      const { worst, scale } = maxDifference(b.typedArrayFromHeap(o), refV);
      b.disposeData(o.dataId);
      return worst / (scale || 1);
    };
    const relDiff = diff(ours());
    const winogradRelDiff = wk ? diff(wino) : undefined;
    const samples: Record<string, number[]> = { xnnCached: [], xnnFresh: [], rows: [], tiles: [], ...(wk ? { winograd: [] } : {}) };
    for (let r = 0; r < rounds; r++) {
      samples.xnnCached.push(time(xnn(false)));
      samples.xnnFresh.push(time(xnn(true)));
      samples.rows.push(time(ours()));
      samples.tiles.push(time(ours('tiles')));
      if (wk) samples.winograd.push(time(wino));
    }
    const ms = Object.fromEntries(Object.entries(samples).map(([key, v]) => [key, +best(v).toFixed(3)]));
    const plan = planForward(g, 'auto');
    const autoMs = ms[plan === 'xnnpack' ? 'xnnFresh' : plan];
    const autoCachedMs = ms[plan === 'xnnpack' ? 'xnnCached' : plan];
    const flops = 2 * N * g.Ho * g.Wo * s.k * s.k * s.ci * s.co;
    const row = {
      name: s.name, batch: N, plan, ms,
      // Training (the filter changes every step): auto vs XNNPACK re-packing it.
      trainingSpeedup: +(ms.xnnFresh / autoMs).toFixed(2),
      // Inference (same filter every call): auto vs XNNPACK's cached operator.
      inferenceSpeedup: +(ms.xnnCached / autoCachedMs).toFixed(2),
      rowsVsFresh: +(ms.xnnFresh / ms.rows).toFixed(2),
      tilesVsFresh: +(ms.xnnFresh / ms.tiles).toFixed(2),
      gflops: { xnnCached: +(flops / ms.xnnCached / 1e6).toFixed(1), auto: +(flops / autoMs / 1e6).toFixed(1) },
      ...(wk ? { winogradVsTiles: +(ms.tiles / ms.winograd).toFixed(2), winogradVsCached: +(ms.xnnCached / ms.winograd).toFixed(2) } : {}),
      relDiff,
      winogradRelDiff,
    };
    results.push(row);
    console.error(JSON.stringify(row));
    tf.dispose([x, w, bias]);
  }
}
console.log(JSON.stringify({ date: new Date().toISOString(), relaxedSimd: info.relaxedSimd, rounds, results }, null, 1));
