/**
 * CPU time of one ResNet-20 training step on wasm with the fused BatchNorm
 * (engine/backend/kernels/batch-norm.ts) and with tfjs-layers' own path
 * (CNN_FUSED_BATCHNORM=0), measured in the same process, alternating, so the
 * ratio is not swayed by the machine's load. The model is built from
 * templates/resnet20-cifar.json with engine/train/build-model (so it uses our
 * BatchNormalization class), Adam through createAdam, as the trainer does.
 *
 *   npx tsx bench/batchnorm.bench.ts [--batch 64] [--steps 3] [--rounds 2] [--profile] [--only fused|tfjs]
 *
 * --only runs one mode in this process (for its peak RSS, which a shared
 * process cannot separate); the default alternates both.
 *
 * Prints JSON: per mode the process CPU ms per step (median of the rounds,
 * each round the mean of `steps` steps after a warm-up), the ratio, and with
 * --profile a per-kernel CPU-ms table of one step per mode.
 */
import * as tf from '@tensorflow/tfjs';
import type * as tfjs from '@tensorflow/tfjs';
import os from 'node:os';
import { analyzeGraph } from '../engine/analysis';
import { createAdam, initBackend } from '../engine/backend';
import { loadTemplate } from '../engine/templates';
import { buildModel } from '../engine/train/build-model';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} needs a positive number, got '${process.argv[i + 1]}'`);
  return v;
}

const BATCH = arg('batch', 64);
const STEPS = arg('steps', 3);
const ROUNDS = arg('rounds', 2);
const PROFILE = process.argv.includes('--profile');
const ONLY = (() => {
  const i = process.argv.indexOf('--only');
  if (i < 0) return null;
  const v = process.argv[i + 1];
  if (v !== 'fused' && v !== 'tfjs') throw new Error(`--only takes 'fused' or 'tfjs', got '${v}'`);
  return v;
})();

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

type Mode = 'fused' | 'tfjs';
const MODES: Mode[] = ONLY ? [ONLY] : ['fused', 'tfjs'];
const setMode = (m: Mode) => {
  if (m === 'tfjs') process.env.CNN_FUSED_BATCHNORM = '0';
  else delete process.env.CNN_FUSED_BATCHNORM;
};

async function main() {
  const info = await initBackend({ prefer: 'wasm', threads: 1 });
  const doc = await loadTemplate('resnet20-cifar');
  const model = buildModel(tf, doc, analyzeGraph(doc));
  const vars = model.trainableWeights.map((w) => (w as unknown as { val: tfjs.Variable }).val);
  const optimizer = createAdam(tf, 1e-3);
  const inShape = model.inputs[0].shape.slice(1) as number[];
  const classes = model.outputs[0].shape[1] as number;
  const x = tf.randomUniform([BATCH, ...inShape]);
  const y = tf.oneHot(tf.randomUniform([BATCH], 0, classes, 'int32') as tfjs.Tensor1D, classes);
  const bnLayers = model.layers.filter((l) => l.getClassName() === 'BatchNormalization').length;

  const step = () => {
    const cost = tf.tidy(() =>
      optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tfjs.Tensor) as tfjs.Scalar, true, vars) as tfjs.Scalar,
    );
    cost.dataSync();
    cost.dispose();
  };

  // Warm-up both paths (first calls compile, allocate the heap).
  for (const m of MODES) {
    setMode(m);
    step();
  }
  const perStep: Record<Mode, number[]> = { fused: [], tfjs: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const m of r % 2 === 0 ? [...MODES].reverse() : MODES) {
      setMode(m);
      step();
      const t0 = cpuMs();
      for (let s = 0; s < STEPS; s++) step();
      perStep[m].push((cpuMs() - t0) / STEPS);
    }
  }
  const median = (v: number[]) => (v.length === 0 ? NaN : [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]);

  let profile: Record<Mode, Record<string, { ms: number; calls: number }>> | undefined;
  if (PROFILE) {
    profile = { fused: {}, tfjs: {} };
    for (const m of MODES) {
      setMode(m);
      // tf.profile times kernels in wall ms; take CPU time around each kernel instead.
      const table = profile[m];
      const t0 = cpuMs();
      let inKernels = 0;
      const engine = tf.engine() as unknown as { runKernelFunc: (...a: unknown[]) => unknown };
      const orig = engine.runKernelFunc.bind(engine);
      let depth = 0;
      engine.runKernelFunc = (kernelParams: unknown) => {
        const name = (kernelParams as { kernelName?: string }).kernelName ?? 'custom';
        depth++;
        const s = cpuMs();
        try {
          return orig(kernelParams);
        } finally {
          depth--;
          if (depth === 0) {
            const d = cpuMs() - s;
            inKernels += d;
            const e = (table[name] ??= { ms: 0, calls: 0 });
            e.ms += d;
            e.calls++;
          }
        }
      };
      try {
        step();
      } finally {
        engine.runKernelFunc = orig;
      }
      table['(outside kernels)'] = { ms: cpuMs() - t0 - inKernels, calls: 0 };
      for (const k of Object.keys(table)) table[k].ms = +table[k].ms.toFixed(1);
    }
  }
  setMode('fused');
  const peakRssMB = Math.round(process.resourceUsage().maxRSS / 1024);

  const fused = median(perStep.fused);
  const base = median(perStep.tfjs);
  const out = {
    bench: 'batchnorm',
    network: 'templates/resnet20-cifar.json via engine/train/build-model',
    batchNormLayers: bnLayers,
    backend: info.name,
    threads: info.threads,
    batch: BATCH,
    stepsPerRound: STEPS,
    rounds: ROUNDS,
    cpuMsPerStep: {
      tfjsBatchNorm: +base.toFixed(1),
      fusedBatchNorm: +fused.toFixed(1),
      savedMs: +(base - fused).toFixed(1),
      speedup: +(base / fused).toFixed(3),
      allRounds: perStep,
    },
    /** Of the whole process: meaningful per mode only with --only. */
    peakRssMB,
    only: ONLY,
    profile,
    cpus: os.cpus().length,
    loadavg: os.loadavg().map((v) => +v.toFixed(2)),
    date: new Date().toISOString(),
  };
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  tf.dispose([x, y]);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
