/**
 * Convolution gradient kernels on the wasm backend, per layer shape of the
 * three benchmark networks (batch 64): process CPU ms per call of the
 * previous kernel ("before") and the current one ("after").
 *
 *   npx tsx bench/conv-grads.bench.ts [--rounds R] [--only name,name] [--batch B]
 *
 * Filter gradient: before = conv2dBackpropFilterLegacy (a forward XNNPACK
 * convolution of xᵀ with dyᵀ as the filter), after = our SIMD kernel reading
 * x and dy in place (engine/backend/kernels/conv-filter-grad.ts).
 *
 * Input gradient: before = the previous kernel (XNNPACK convolution of the
 * stride-dilated dy with the flipped filter), after = what training runs now
 * ('auto': our SIMD kernel over the contributing taps,
 * engine/backend/kernels/conv-input-grad.ts, for strided layers, the previous
 * kernel otherwise), oursForced = our kernel on every layer.
 *
 * The machine is shared: each round times before and after back to back
 * (CPU time, not wall time) and the figure reported is the median over
 * rounds; compare ratios within one run. Also checks that both agree
 * (max |ours − before| relative to max |before|). Prints one JSON object.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../engine/backend';
import { conv2dBackpropFilter, conv2dBackpropInput } from '../engine/backend/kernels/conv2d-grads';
import type { WasmBackendLike } from '../engine/backend/kernels/wasm-ops';
import { maxDifference } from './compare';

interface Shape {
  name: string;
  net: 'mnist' | 'cifar' | 'resnet';
  /** Input H, W, Ci; kernel k×k; Co; stride; padding; calls per training step. */
  h: number; w: number; ci: number; k: number; co: number; s: number; pad: 'same' | 'valid'; calls: number;
  /** The network's first layer (its input gradient is not needed in training). */
  first?: boolean;
}

/** Every convolution of the three benchmark networks (ResNet-20 grouped by shape). */
const SHAPES: Shape[] = [
  { name: 'mnist conv1 28×28×1→32 valid', net: 'mnist', first: true, h: 28, w: 28, ci: 1, k: 3, co: 32, s: 1, pad: 'valid', calls: 1 },
  { name: 'mnist conv2 13×13×32→64 valid', net: 'mnist', h: 13, w: 13, ci: 32, k: 3, co: 64, s: 1, pad: 'valid', calls: 1 },
  { name: 'cifar conv1 32×32×3→32 same', net: 'cifar', first: true, h: 32, w: 32, ci: 3, k: 3, co: 32, s: 1, pad: 'same', calls: 1 },
  { name: 'cifar conv2 32×32×32→32 valid', net: 'cifar', h: 32, w: 32, ci: 32, k: 3, co: 32, s: 1, pad: 'valid', calls: 1 },
  { name: 'cifar conv3 15×15×32→64 same', net: 'cifar', h: 15, w: 15, ci: 32, k: 3, co: 64, s: 1, pad: 'same', calls: 1 },
  { name: 'cifar conv4 15×15×64→64 valid', net: 'cifar', h: 15, w: 15, ci: 64, k: 3, co: 64, s: 1, pad: 'valid', calls: 1 },
  { name: 'resnet stem 32×32×3→16 same', net: 'resnet', first: true, h: 32, w: 32, ci: 3, k: 3, co: 16, s: 1, pad: 'same', calls: 1 },
  { name: 'resnet 32×32×16→16 same', net: 'resnet', h: 32, w: 32, ci: 16, k: 3, co: 16, s: 1, pad: 'same', calls: 6 },
  { name: 'resnet 32×32×16→32 3×3 s2 same', net: 'resnet', h: 32, w: 32, ci: 16, k: 3, co: 32, s: 2, pad: 'same', calls: 1 },
  { name: 'resnet 32×32×16→32 1×1 s2', net: 'resnet', h: 32, w: 32, ci: 16, k: 1, co: 32, s: 2, pad: 'same', calls: 1 },
  { name: 'resnet 16×16×32→32 same', net: 'resnet', h: 16, w: 16, ci: 32, k: 3, co: 32, s: 1, pad: 'same', calls: 5 },
  { name: 'resnet 16×16×32→64 3×3 s2 same', net: 'resnet', h: 16, w: 16, ci: 32, k: 3, co: 64, s: 2, pad: 'same', calls: 1 },
  { name: 'resnet 16×16×32→64 1×1 s2', net: 'resnet', h: 16, w: 16, ci: 32, k: 1, co: 64, s: 2, pad: 'same', calls: 1 },
  { name: 'resnet 8×8×64→64 same', net: 'resnet', h: 8, w: 8, ci: 64, k: 3, co: 64, s: 1, pad: 'same', calls: 5 },
];

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const median = (v: number[]) => {
  const s = [...v].sort((p, q) => p - q);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round2 = (v: number) => Math.round(v * 100) / 100;

async function main() {
  const rounds = Number(arg('rounds') ?? 5);
  const batch = Number(arg('batch') ?? 64);
  const only = arg('only')?.split(',');
  const info = await initBackend({ prefer: 'wasm', threads: 1 });
  const b = tf.backend() as unknown as WasmBackendLike;
  const rows: Record<string, unknown>[] = [];
  const perNet: Record<string, { before: number; after: number; inBefore: number; inAfter: number }> = {};
  for (const sh of SHAPES) {
    if (only && !only.some((o) => sh.name.includes(o))) continue;
    process.stderr.write(`${sh.name}…\n`);
    const x = tf.randomNormal([batch, sh.h, sh.w, sh.ci]) as tf.Tensor4D;
    const filter = tf.randomNormal([sh.k, sh.k, sh.ci, sh.co]) as tf.Tensor4D;
    const y = tf.conv2d(x, filter, sh.s, sh.pad);
    const dy = tf.randomNormal(y.shape);
    const attrs = { strides: sh.s, pad: sh.pad, dataFormat: 'NHWC' as const, filterShape: filter.shape as number[] };
    const xi = x as unknown as tf.TensorInfo;
    const dyi = dy as unknown as tf.TensorInfo;
    const run = (impl: 'legacy' | 'auto') => conv2dBackpropFilter(b, xi, dyi, attrs, impl);
    // Agreement check (and warm-up: XNNPACK set-up, JIT).
    const r0 = run('legacy');
    const r1 = run('auto');
    const v0 = b.typedArrayFromHeap(r0) as Float32Array;
    const v1 = b.typedArrayFromHeap(r1) as Float32Array;
    const { worst, scale } = maxDifference(v1, v0);
    b.disposeData(r0.dataId);
    b.disposeData(r1.dataId);
    const timeOnce = (f: () => tf.TensorInfo) => {
      const t0 = cpuMs();
      const r = f();
      const ms = cpuMs() - t0;
      b.disposeData(r.dataId);
      return ms;
    };
    const before: number[] = [];
    const after: number[] = [];
    const inBefore: number[] = [];
    const inAfter: number[] = [];
    const inOurs: number[] = [];
    const runIn = (impl: 'legacy' | 'auto' | 'in-place') => conv2dBackpropInput(b, dyi, filter as unknown as tf.TensorInfo, { ...attrs, inputShape: x.shape }, impl)!;
    const i0 = runIn('legacy');
    const i1 = runIn('in-place');
    const w0 = b.typedArrayFromHeap(i0) as Float32Array;
    const w1 = b.typedArrayFromHeap(i1) as Float32Array;
    const { worst: worstIn, scale: scaleIn } = maxDifference(w1, w0);
    b.disposeData(i0.dataId);
    b.disposeData(i1.dataId);
    for (let r = 0; r < rounds; r++) {
      before.push(timeOnce(() => run('legacy')));
      after.push(timeOnce(() => run('auto')));
      inBefore.push(timeOnce(() => runIn('legacy')));
      inAfter.push(timeOnce(() => runIn('auto')));
      inOurs.push(timeOnce(() => runIn('in-place')));
    }
    const row = {
      shape: sh.name,
      callsPerStep: sh.calls,
      filterGradMs: { before: round2(median(before)), after: round2(median(after)) },
      speedup: round2(median(before) / median(after)),
      relDiff: Number((worst / Math.max(scale, 1e-30)).toExponential(1)),
      inputGradMs: { before: round2(median(inBefore)), after: round2(median(inAfter)), oursForced: round2(median(inOurs)) },
      inputSpeedup: round2(median(inBefore) / median(inAfter)),
      inputRelDiff: Number((worstIn / Math.max(scaleIn, 1e-30)).toExponential(1)),
    };
    rows.push(row);
    const acc = (perNet[sh.net] ??= { before: 0, after: 0, inBefore: 0, inAfter: 0 });
    acc.before += median(before) * sh.calls;
    acc.after += median(after) * sh.calls;
    // The first layer's input gradient is not computed in training (no gradient w.r.t. the data).
    if (!sh.first) {
      acc.inBefore += median(inBefore) * sh.calls;
      acc.inAfter += median(inAfter) * sh.calls;
    }
    tf.dispose([x, filter, y, dy]);
  }
  const perStep = Object.fromEntries(Object.entries(perNet).map(([net, v]) => [net, {
    filterGradMsPerStep: { before: round2(v.before), after: round2(v.after) },
    filterSpeedup: round2(v.before / v.after),
    inputGradMsPerStep: { before: round2(v.inBefore), after: round2(v.inAfter) },
    inputSpeedup: round2(v.inBefore / v.inAfter),
  }]));
  console.log(JSON.stringify({
    bench: 'conv-grads',
    date: new Date().toISOString(),
    backend: info.name,
    simd: info.simd,
    batch,
    rounds,
    unit: 'process CPU ms per call (median over rounds)',
    loadAverage: (await import('node:os')).loadavg().map((v) => round2(v)),
    shapes: rows,
    perStep,
  }, null, 1));
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : e}\n`);
  process.exit(1);
});
