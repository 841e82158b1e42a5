/**
 * Inference with and without BatchNorm folding (engine/train/fold.ts), in one
 * process, interleaved: rounds of K batches unfolded, then K folded, … on the
 * templates' models as the product builds them (engine/train/build-model),
 * with random non-trivial BatchNorm statistics. Measures process CPU time (the
 * machine is shared; wall time mostly measures the others) and reports the
 * median and the best (least contended) round per batch of each mode and
 * their ratios, plus the largest relative
 * difference of the outputs (folded vs unfolded).
 *
 *   npx tsx bench/fold.bench.ts [--nets resnet20-cifar,cifar10-cnn] [--batch 64] [--rounds 7] [--per-round 3] [--backend wasm]
 *
 * Prints one JSON object on stdout.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { analyzeGraph } from '../engine/analysis';
import { initBackend, type BackendName } from '../engine/backend';
import type { GraphDoc } from '../engine/graph/doc';
import { buildModel } from '../engine/train/build-model';
import { planFold, withFoldedInference } from '../engine/train/fold';

const here = path.dirname(fileURLToPath(import.meta.url));
const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
};
const nets = arg('nets', 'resnet20-cifar,cifar10-cnn').split(',');
const batch = Number(arg('batch', '64'));
const rounds = Number(arg('rounds', '7'));
const perRound = Number(arg('per-round', '3'));

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

let seed = 12345;
const rnd = (lo: number, hi: number) => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32) * (hi - lo) + lo;

const info = await initBackend({ prefer: arg('backend', 'wasm') as BackendName, threads: 1 });
const results = [];
for (const net of nets) {
  const doc = JSON.parse(fs.readFileSync(path.join(here, '..', 'templates', `${net}.json`), 'utf8')) as GraphDoc;
  const model = buildModel(tf, doc, analyzeGraph(doc));
  for (const layer of model.layers)
    if (layer.getClassName() === 'BatchNormalization') {
      const ranges: Record<string, [number, number]> = { gamma: [0.5, 1.5], beta: [-0.5, 0.5], moving_mean: [-0.3, 0.3], moving_variance: [0.3, 2] };
      layer.setWeights(layer.weights.map((w) => tf.tensor1d(Array.from({ length: w.shape[0]! }, () => rnd(...ranges[w.originalName.split('/').pop()!])))));
    }
  const shape = model.inputs[0].shape.slice(1) as number[];
  const x = tf.tensor4d(Float32Array.from({ length: batch * shape.reduce((a, b) => a * b, 1) }, () => rnd(0, 1)), [batch, ...shape] as [number, number, number, number]);
  const plain = () => tf.tidy(() => (model.predict(x, { batchSize: batch }) as tf.Tensor).dataSync() as Float32Array);
  const folded = () => withFoldedInference(tf, model, plain);
  const a = plain();
  const b = folded();
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(a[i]));
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
  }
  for (let i = 0; i < 2; i++) (plain(), folded()); // warm-up
  const ms: Record<'plain' | 'folded', number[]> = { plain: [], folded: [] };
  for (let r = 0; r < rounds; r++)
    for (const [mode, fn] of [['plain', plain], ['folded', folded]] as const) {
      const c0 = process.cpuUsage();
      for (let k = 0; k < perRound; k++) fn();
      const c = process.cpuUsage(c0);
      ms[mode].push((c.user + c.system) / 1000 / perRound);
    }
  const plan = planFold(model);
  const p = median(ms.plain);
  const f = median(ms.folded);
  results.push({
    net,
    batch,
    chains: plan.chains.length,
    chainsWithRelu: plan.chains.filter((c) => c.activation !== 'linear').length,
    plainCpuMsPerBatch: +p.toFixed(1),
    foldedCpuMsPerBatch: +f.toFixed(1),
    // Least contended round of each mode (the machine is shared).
    plainBestCpuMs: +Math.min(...ms.plain).toFixed(1),
    foldedBestCpuMs: +Math.min(...ms.folded).toFixed(1),
    plainImgPerCpuSec: Math.round((batch * 1000) / p),
    foldedImgPerCpuSec: Math.round((batch * 1000) / f),
    speedup: +(p / f).toFixed(3),
    speedupBest: +(Math.min(...ms.plain) / Math.min(...ms.folded)).toFixed(3),
    maxRelDiff: scale > 0 ? diff / scale : 0,
    roundsMs: ms,
  });
  x.dispose();
  model.dispose();
}
console.log(JSON.stringify({ backend: info.name, simd: info.simd, results }, null, 1));
