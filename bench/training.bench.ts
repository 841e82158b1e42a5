/**
 * Training and inference speed of three benchmark networks on every available
 * tfjs backend, against the same networks in PyTorch (bench/pytorch/
 * train_bench.py) when python3 with torch is installed, in one run.
 *
 *   npm run bench -- training            (through bench/run.ts)
 *   npx tsx bench/training.bench.ts [options]
 *
 * Options:
 *   --nets mnist,cifar,resnet    networks (default all three)
 *   --backends tensorflow,wasm,wasm-baseline,cpu   tfjs backends to try (default all;
 *                                absent ones are reported as such). wasm-baseline is
 *                                wasm with only the kernels tfjs lacks added and
 *                                tf.train.adam: the "before" of docs/performance.md
 *   --threads 1,2                training threads to measure for ours (data-parallel replicas,
 *                                engine/train/parallel; default 1 and, with ≥ 2 cores, the
 *                                core count up to 4). tfjs-backend-wasm's own XNNPACK thread
 *                                pool is not used (its operators run without it)
 *   --seconds S                  minimum measured time per figure (default 4)
 *   --batch B                    batch size (default 64)
 *   --no-torch                   skip PyTorch
 *   --rounds R                   measure every configuration R times per net, the order reversed
 *                                every other round (ours first, then PyTorch first), and report
 *                                the median of each speed and the largest peak memory (default 1;
 *                                each round's figures are in roundResults)
 *   --bundled                    run the tfjs children from an esbuild bundle of this file (npm
 *                                packages external, no tsx), as the app ships the engine:
 *                                peak memory as users get it (tsx's module hooks add ~60 MB
 *                                to every child, and its start-up can hide later peaks)
 *   --no-cores                   skip measuring, before and after the runs, how much SIMD
 *                                throughput the second core adds (bench/cores.bench.ts;
 *                                machine.cores in the output: pairScaling 2 = a whole core)
 *   --plain-adam                 use tf.train.adam rather than engine/backend's fused Adam
 *   --profile                    also print a per-kernel CPU-time table of one training step
 *                                and of one inference batch
 *   --accuracy [--accuracy-train N]  also train the 28×28 net for one epoch on the
 *                                first N Fashion-MNIST training images (default all
 *                                60,000) with identical initial weights and batch order:
 *                                tfjs as shipped on the pure-JS cpu backend (tfjs's
 *                                reference kernels; slow: use --accuracy-train for a
 *                                subset) and on wasm (the baseline kernels), and ours on
 *                                wasm with 1 and N threads; reports the test accuracy of
 *                                each (data: /usr/share/datasets/fashion-mnist or
 *                                FASHION_MNIST_DIR). --accuracy-runs a,b,… picks runs
 *                                (cpu:reference, wasm:reference, wasm:ours:1, wasm:ours:2)
 *   --time-to-90                 also train the 28×28 net on all of Fashion-MNIST on
 *                                wasm until 90 % test accuracy (at most 15 epochs) and
 *                                report the training time to get there
 *
 * "Ours" is the product's path: the model built from the template by
 * engine/train/build-model (our layer classes), the trainer's step
 * (engine/train/step.ts: sparse cross-entropy, fused Adam, data-parallel over
 * the threads asked for) and, for inference, the same threads sharing each
 * batch. The baseline is tfjs as shipped: tf.layers models, tf.train.adam,
 * optimizer.minimize, model.predict.
 *
 * Every measurement runs in its own child process (fresh heap; peak memory is
 * that process's max RSS). For each network, ours and PyTorch's runs follow
 * each other so that ratios are taken over the same minutes: the machine is
 * shared, so absolute figures move with its load and only the ratios of one
 * run are comparable; with --rounds the whole sequence repeats, its order
 * reversed every other round, and the medians are reported. Prints one JSON
 * object on stdout; progress on stderr.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import zlib from 'node:zlib';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as tfjs from '@tensorflow/tfjs';
import { jsonChild } from './child';
import { measureCores } from './cores.bench';
import { medianOfRounds } from './rounds';

type TF = typeof tfjs;
type NetName = 'mnist' | 'cifar' | 'resnet';
const NETS: readonly NetName[] = ['mnist', 'cifar', 'resnet'];

/** The template of each benchmark network (what "ours" trains). */
const TEMPLATE: Record<NetName, string> = { mnist: 'mnist-cnn', cifar: 'cifar10-cnn', resnet: 'resnet20-cifar' };

/** Input shape (HWC) and builder of each benchmark network (the baseline's; the same networks are in train_bench.py and templates/). */
const NET_DEFS: Record<NetName, { input: [number, number, number]; label: string; build: (tf: TF) => tfjs.LayersModel }> = {
  // The 28×28 template (templates/mnist-cnn.json).
  mnist: {
    input: [28, 28, 1],
    label: '28×28: conv32-pool-conv64-pool-dense128-dense10',
    build: (tf) => tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu' }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 128, activation: 'relu' }),
        tf.layers.dense({ units: 10, activation: 'softmax' }),
      ],
    }),
  },
  // The 32×32×3 CIFAR template (templates/cifar10-cnn.json, the Keras example).
  cifar: {
    input: [32, 32, 3],
    label: '32×32×3: 2×(conv-conv-pool-dropout) 32/64, dense512, dense10',
    build: (tf) => tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [32, 32, 3], filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }),
        tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu' }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.dropout({ rate: 0.25 }),
        tf.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu' }),
        tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.dropout({ rate: 0.25 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 512, activation: 'relu' }),
        tf.layers.dropout({ rate: 0.5 }),
        tf.layers.dense({ units: 10, activation: 'softmax' }),
      ],
    }),
  },
  // The small residual template (templates/resnet20-cifar.json): ResNet-20 v1,
  // 16/32/64 filters, BatchNorm, 1×1 strided projection shortcuts.
  resnet: {
    input: [32, 32, 3],
    label: 'ResNet-20 (CIFAR, v1, BatchNorm, projection shortcuts)',
    build: (tf) => {
      const input = tf.input({ shape: [32, 32, 3] });
      const convBn = (x: tfjs.SymbolicTensor, filters: number, strides: number, relu: boolean, k = 3) => {
        let y = tf.layers.conv2d({ filters, kernelSize: k, strides, padding: 'same' }).apply(x) as tfjs.SymbolicTensor;
        y = tf.layers.batchNormalization().apply(y) as tfjs.SymbolicTensor;
        return relu ? (tf.layers.reLU().apply(y) as tfjs.SymbolicTensor) : y;
      };
      let x = convBn(input, 16, 1, true);
      for (const [stage, filters] of [16, 32, 64].entries()) {
        for (let block = 0; block < 3; block++) {
          const strides = stage > 0 && block === 0 ? 2 : 1;
          let y = convBn(x, filters, strides, true);
          y = convBn(y, filters, 1, false);
          const shortcut = strides !== 1 ? (tf.layers.conv2d({ filters, kernelSize: 1, strides, padding: 'same' }).apply(x) as tfjs.SymbolicTensor) : x;
          x = tf.layers.reLU().apply(tf.layers.add().apply([y, shortcut]) as tfjs.SymbolicTensor) as tfjs.SymbolicTensor;
        }
      }
      const pooled = tf.layers.globalAveragePooling2d({}).apply(x) as tfjs.SymbolicTensor;
      const out = tf.layers.dense({ units: 10, activation: 'softmax' }).apply(pooled) as tfjs.SymbolicTensor;
      return tf.model({ inputs: input, outputs: out });
    },
  },
};

interface Args {
  nets: NetName[];
  backends: string[];
  threads: number[];
  seconds: number;
  batch: number;
  torch: boolean;
  profile: boolean;
  /** Use tf.train.adam instead of the fused wasm Adam (to measure what fusing gains). */
  plainAdam: boolean;
  /** Fashion-MNIST accuracy check: train images used (0 = skip). */
  accuracy: number;
  child?: { net: NetName; backend: string; threads: number };
  accChild?: string;
  /** Which accuracy runs (default all). */
  accuracyRuns?: string[];
  /** Time to this Fashion-MNIST test accuracy on wasm (0 = skip). */
  timeTo: number;
  /** Measure the second core's worth before and after the runs (bench/cores.bench.ts; off with --no-cores). */
  cores: boolean;
  /** Rounds of every measurement per net (--rounds); figures are the medians. */
  rounds: number;
  /** Run the tfjs children from a bundle (--bundled); set to its path by the parent. */
  bundled: boolean;
  bundle?: string;
}

function parseArgs(argv: string[]): Args {
  const get = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const list = (v: string | undefined, dflt: string[]) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : dflt);
  const nets = list(get('nets'), [...NETS]);
  for (const n of nets) if (!NETS.includes(n as NetName)) throw new Error(`unknown net '${n}': use ${NETS.join(', ')}`);
  const num = (name: string, dflt: number) => {
    const v = get(name);
    if (v == null) return dflt;
    const n = Number(v);
    if (!(n > 0)) throw new Error(`--${name} must be a positive number; got '${v}'`);
    return n;
  };
  const args: Args = {
    nets: nets as NetName[],
    backends: list(get('backends'), ['tensorflow', 'wasm', 'wasm-baseline', 'cpu']),
    threads: list(get('threads'), os.cpus().length >= 2 ? ['1', String(Math.min(os.cpus().length, 4))] : ['1']).map(Number),
    seconds: num('seconds', 4),
    batch: num('batch', 64),
    torch: !argv.includes('--no-torch'),
    cores: !argv.includes('--no-cores') && os.cpus().length > 1,
    bundled: argv.includes('--bundled'),
    rounds: num('rounds', 1),
    profile: argv.includes('--profile'),
    plainAdam: argv.includes('--plain-adam'),
    accuracy: argv.includes('--accuracy') ? num('accuracy-train', 60000) : 0,
    timeTo: 0,
  };
  args.accChild = get('acc-child');
  if (get('accuracy-runs')) args.accuracyRuns = list(get('accuracy-runs'), []);
  args.timeTo = argv.includes('--time-to-90') ? 0.9 : 0;
  const child = get('child');
  if (child) {
    const [net, backend, threads] = child.split(':');
    args.child = { net: net as NetName, backend, threads: Number(threads) };
  }
  return args;
}

/** Deterministic pseudo-random floats in [0, 1): the data does not affect speed, only reproducibility. */
function lcg(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32;
  }
  return out;
}

/** One measurement (the child's output). */
interface Measure {
  net: NetName;
  impl: string;
  backend: string;
  threads?: number;
  simd?: boolean;
  trainImgPerSec: number;
  inferImgPerSec: number;
  /**
   * Images per second of this process's CPU time (all its threads). On a
   * shared machine this is steadier than wall time; it equals the wall figure
   * on an idle core for single-threaded runs (ours and PyTorch here: 1 thread).
   */
  trainImgPerCpuSec: number;
  inferImgPerCpuSec: number;
  trainSteps: number;
  inferSteps: number;
  /** Peak resident memory of the measuring process, MB. */
  peakRssMB: number;
  note?: string;
  profile?: { kernel: string; ms: number; calls: number }[];
  /** Per-kernel CPU time of one inference batch (--profile, 1 thread). */
  inferProfile?: { kernel: string; ms: number; calls: number }[];
}

async function childMain(a: Args): Promise<Measure> {
  const { net, backend: requested, threads } = a.child!;
  // 'wasm-baseline': tfjs-backend-wasm's own kernels plus only the ones it lacks, tf.train.adam (the "before").
  const baseline = requested === 'wasm-baseline';
  if (baseline) useBaselineKernels();
  const backend = baseline ? 'wasm' : requested;
  const { initBackend, createAdam } = await import('../engine/backend');
  const info = await initBackend({ prefer: backend as 'wasm' | 'cpu' | 'tensorflow', threads: 1 });
  const tf = info.tf;
  const def = NET_DEFS[net];
  const B = a.batch;
  const xsArr = lcg(B * def.input[0] * def.input[1] * def.input[2], 1);
  const labelsArr = Int32Array.from(lcg(B, 2), (v) => Math.floor(v * 10));
  let step: () => Promise<unknown>;
  let infer: () => Promise<unknown>;
  let close = async () => {};
  let model: tfjs.LayersModel;
  if (baseline || a.plainAdam) {
    model = def.build(tf);
    const optimizer = a.plainAdam && !baseline ? createAdam(tf, 1e-3) : tf.train.adam(1e-3);
    const x = tf.tensor4d(xsArr, [B, ...def.input]);
    const y = tf.oneHot(tf.tensor1d(labelsArr, 'int32'), 10);
    step = async () => {
      const loss = optimizer.minimize(() => tf.mean(tf.metrics.categoricalCrossentropy(y, model.apply(x, { training: true }) as tfjs.Tensor)) as tfjs.Scalar, true);
      loss!.dataSync();
      loss!.dispose();
    };
    infer = async () => {
      const p = model.predict(x) as tfjs.Tensor;
      p.dataSync();
      p.dispose();
    };
  } else {
    const { analyzeGraph } = await import('../engine/analysis');
    const { buildModel } = await import('../engine/train/build-model');
    const { detectTask } = await import('../engine/train/task');
    const { singleStep, parallelStep } = await import('../engine/train/step');
    const { ReplicaGroup } = await import('../engine/train/parallel/replicas');
    const doc = JSON.parse(fs.readFileSync(path.join(here, '..', 'templates', `${TEMPLATE[net]}.json`), 'utf8'));
    model = buildModel(tf, doc, analyzeGraph(doc));
    const task = detectTask(model);
    if ('error' in task) throw new Error(task.error);
    const vars = model.trainableWeights.map((w) => w.read() as tfjs.Variable);
    const optimizer = createAdam(tf, 1e-3);
    const shape = [...def.input];
    const group = threads > 1 ? await ReplicaGroup.start(tf, model, vars, { count: threads - 1, backend: info.name, dataShape: shape }) : null;
    close = async () => group?.close();
    step = () => (group ? parallelStep(tf, group, model, vars, optimizer, xsArr, labelsArr, shape, task) : singleStep(tf, model, vars, optimizer, xsArr, labelsArr, shape, task));
    const x = tf.tensor4d(xsArr, [B, ...def.input]);
    const { withFoldedInference } = await import('../engine/train/fold');
    infer = async () => {
      if (group) return group.predict(xsArr, shape);
      // One pass over the batch, as the product's evaluation does (predict's default batchSize is 32).
      const p = withFoldedInference(tf, model, () => model.predict(x, { batchSize: B }) as tfjs.Tensor);
      p.dataSync();
      p.dispose();
    };
  }
  const timeLoop = async (fn: () => Promise<unknown>, minSeconds: number, minSteps: number) => {
    for (let i = 0; i < 2; i++) await fn(); // warm-up: operator creation, JIT
    let steps = 0;
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    while (steps < minSteps || performance.now() - t0 < minSeconds * 1000) {
      await fn();
      steps++;
    }
    const c = process.cpuUsage(c0);
    return { steps, seconds: (performance.now() - t0) / 1000, cpuSeconds: (c.user + c.system) / 1e6 };
  };
  const slow = info.name === 'cpu';
  const tr = await timeLoop(step, slow ? Math.min(a.seconds, 2) : a.seconds, slow ? 1 : 3);
  const inf = await timeLoop(infer, slow ? Math.min(a.seconds, 2) : a.seconds / 2, 3);
  let profile: Measure['profile'];
  let inferProfile: Measure['profile'];
  if (a.profile && threads === 1) {
    profile = await profileKernels(tf, info.name, step, 3);
    inferProfile = await profileKernels(tf, info.name, infer, 5);
  }
  await close();
  return {
    net,
    impl: baseline ? 'tfjs-wasm-baseline' : `tfjs-${info.name}`,
    backend: baseline ? 'wasm-baseline' : info.name,
    threads,
    simd: info.simd,
    trainImgPerSec: Math.round((tr.steps * B) / tr.seconds),
    inferImgPerSec: Math.round((inf.steps * B) / inf.seconds),
    trainImgPerCpuSec: Math.round((tr.steps * B) / tr.cpuSeconds),
    inferImgPerCpuSec: Math.round((inf.steps * B) / inf.cpuSeconds),
    trainSteps: tr.steps,
    inferSteps: inf.steps,
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    note: info.reason,
    profile,
    inferProfile,
  };
}

/**
 * Per-kernel CPU time of `fn` (averaged over `reps` runs). tf.profile measures
 * wall time, which on a shared machine mostly measures the other processes;
 * process CPU time does not. Each kernel of the backend is wrapped; kernels
 * called from inside another kernel (our composite wasm kernels) count
 * towards the outer one.
 */
async function profileKernels(tf: TF, backend: string, fn: () => Promise<unknown>, reps: number): Promise<{ kernel: string; ms: number; calls: number }[]> {
  const agg = new Map<string, { us: number; calls: number }>();
  let depth = 0;
  const originals = tf.getKernelsForBackend(backend);
  for (const k of originals) {
    tf.unregisterKernel(k.kernelName, backend);
    tf.registerKernel({
      ...k,
      kernelFunc: (args) => {
        if (depth > 0) return k.kernelFunc(args);
        depth++;
        const c0 = process.cpuUsage();
        try {
          return k.kernelFunc(args);
        } finally {
          const c = process.cpuUsage(c0);
          depth--;
          const e = agg.get(k.kernelName) ?? { us: 0, calls: 0 };
          e.us += c.user + c.system;
          e.calls++;
          agg.set(k.kernelName, e);
        }
      },
    });
  }
  await fn(); // warm the wrapped path
  agg.clear();
  const c0 = process.cpuUsage();
  for (let r = 0; r < reps; r++) await fn();
  const c = process.cpuUsage(c0);
  for (const k of originals) {
    tf.unregisterKernel(k.kernelName, backend);
    tf.registerKernel(k);
  }
  const rows = [...agg].map(([kernel, v]) => ({ kernel, ms: +(v.us / 1000 / reps).toFixed(2), calls: Math.round(v.calls / reps) }));
  const inKernels = rows.reduce((p, q) => p + q.ms, 0);
  rows.push({ kernel: '(outside kernels: tfjs bookkeeping, JS)', ms: +((c.user + c.system) / 1000 / reps - inKernels).toFixed(2), calls: 0 });
  return rows.sort((p, q) => q.ms - p.ms);
}

/** Reads an IDX file (optionally gzipped): MNIST / Fashion-MNIST images or labels. */
function readIdx(file: string): { dims: number[]; data: Uint8Array } {
  let buf = fs.readFileSync(file);
  if (buf[0] === 0x1f && buf[1] === 0x8b) buf = zlib.gunzipSync(buf);
  if (buf[0] !== 0 || buf[1] !== 0 || buf[2] !== 8) throw new Error(`${file}: not an unsigned-byte IDX file (magic ${buf.subarray(0, 4).toString('hex')})`);
  const rank = buf[3];
  const dims = Array.from({ length: rank }, (_, i) => buf.readUInt32BE(4 + 4 * i));
  return { dims, data: buf.subarray(4 + 4 * rank) };
}

function fashionDir(): string {
  const dir = process.env.FASHION_MNIST_DIR ?? '/usr/share/datasets/fashion-mnist';
  const f = (n: string) => [path.join(dir, n), path.join(dir, `${n}.gz`)].find((p) => fs.existsSync(p));
  if (!f('train-images-idx3-ubyte')) throw new Error(`Fashion-MNIST not found in ${dir} (set FASHION_MNIST_DIR)`);
  return dir;
}

/**
 * The "before" on wasm: tfjs-backend-wasm's own kernels, plus only the ones it
 * lacks in their first (XNNPACK-based) versions (CNN_WASM_CONV_GRADS=legacy).
 */
function useBaselineKernels(): void {
  process.env.CNN_WASM_FAST_PATHS = '0';
  process.env.CNN_WASM_CONV_GRADS = 'legacy';
}

/** Glorot-uniform from a fixed LCG, zero biases: identical initial weights on every backend and path. */
function fixedInitialWeights(tf: TF, model: tfjs.LayersModel): tfjs.Tensor[] {
  return model.weights.map((w, i) => {
    const shape = w.shape as number[];
    if (shape.length === 1) return tf.zeros(shape);
    const fanIn = shape.slice(0, -1).reduce((p, q) => p * q, 1);
    const fanOut = shape[shape.length - 1] * (shape.length === 4 ? shape[0] * shape[1] : 1);
    const lim = Math.sqrt(6 / (fanIn + fanOut));
    return tf.tensor(Float32Array.from(lcg(shape.reduce((p, q) => p * q, 1), 100 + i), (v) => (2 * v - 1) * lim), shape);
  });
}

/**
 * The 28×28 net on Fashion-MNIST from fixed initial weights, batches of 64 in
 * file order; test accuracy after one epoch (or the time to `target`).
 * `ours` trains through the product path (template → build-model, the
 * trainer's step, `threads` threads); otherwise tfjs as shipped
 * (tf.layers model, tf.train.adam, optimizer.minimize) — on the cpu backend
 * that is tfjs's reference kernels.
 */
async function accuracyChild(spec: string, trainN: number, target = 0, maxEpochs = 1) {
  const [backend, how = 'ours', threadsText = '1'] = spec.split(':');
  const ours = how === 'ours';
  const threads = Number(threadsText);
  if (!ours && backend === 'wasm') useBaselineKernels();
  const { initBackend, createAdam } = await import('../engine/backend');
  const info = await initBackend({ prefer: backend as 'wasm' | 'cpu', threads: 1 });
  const tf = info.tf;
  // tfjs's cpu filter gradient, bit-identical but with direct indexing (the shipped one would take ~9 h per epoch).
  if (!ours && info.name === 'cpu') (await import('./reference-cpu-kernels')).useDirectCpuFilterGrad(tf);
  const dir = fashionDir();
  const file = (n: string) => [path.join(dir, n), path.join(dir, `${n}.gz`)].find((p) => fs.existsSync(p))!;
  const trX = readIdx(file('train-images-idx3-ubyte'));
  const trY = readIdx(file('train-labels-idx1-ubyte'));
  const teX = readIdx(file('t10k-images-idx3-ubyte'));
  const teY = readIdx(file('t10k-labels-idx1-ubyte'));
  const n = Math.min(trainN, trX.dims[0]);
  const B = 64;
  const shape = [28, 28, 1];
  const batchX = (s: number, m: number) => Float32Array.from(trX.data.subarray(s * 784, (s + m) * 784), (v) => v / 255);
  let model: tfjs.LayersModel;
  let step: (s: number) => Promise<unknown>;
  let close = async () => {};
  if (ours) {
    const { analyzeGraph } = await import('../engine/analysis');
    const { buildModel } = await import('../engine/train/build-model');
    const { detectTask } = await import('../engine/train/task');
    const { singleStep, parallelStep } = await import('../engine/train/step');
    const { ReplicaGroup } = await import('../engine/train/parallel/replicas');
    const doc = JSON.parse(fs.readFileSync(path.join(here, '..', 'templates', `${TEMPLATE.mnist}.json`), 'utf8'));
    model = buildModel(tf, doc, analyzeGraph(doc));
    model.setWeights(fixedInitialWeights(tf, model));
    const task = detectTask(model);
    if ('error' in task) throw new Error(task.error);
    const vars = model.trainableWeights.map((w) => w.read() as tfjs.Variable);
    const optimizer = createAdam(tf, 1e-3);
    const group = threads > 1 ? await ReplicaGroup.start(tf, model, vars, { count: threads - 1, backend: info.name, dataShape: shape }) : null;
    close = async () => group?.close();
    step = (s) => {
      const xs = batchX(s, B);
      const labels = Int32Array.from(trY.data.subarray(s, s + B));
      return group ? parallelStep(tf, group, model, vars, optimizer, xs, labels, shape, task) : singleStep(tf, model, vars, optimizer, xs, labels, shape, task);
    };
  } else {
    model = NET_DEFS.mnist.build(tf);
    model.setWeights(fixedInitialWeights(tf, model));
    const optimizer = tf.train.adam(1e-3);
    step = async (s) => {
      const loss = tf.tidy(() => {
        const x = tf.tensor4d(batchX(s, B), [B, 28, 28, 1]);
        const y = tf.oneHot(tf.tensor1d(Int32Array.from(trY.data.subarray(s, s + B)), 'int32'), 10);
        return optimizer.minimize(() => tf.mean(tf.metrics.categoricalCrossentropy(y, model.apply(x, { training: true }) as tfjs.Tensor)) as tfjs.Scalar, true) as tfjs.Scalar;
      });
      loss.dispose();
    };
  }
  const evaluate = () => {
    let correct = 0;
    const testN = teX.dims[0];
    for (let s = 0; s < testN; s += 500) {
      const m = Math.min(500, testN - s);
      const pred = tf.tidy(() => (model.predict(tf.tensor4d(Float32Array.from(teX.data.subarray(s * 784, (s + m) * 784), (v) => v / 255), [m, 28, 28, 1])) as tfjs.Tensor).argMax(1));
      const p = pred.dataSync();
      pred.dispose();
      for (let i = 0; i < m; i++) if (p[i] === teY.data[s + i]) correct++;
    }
    return correct / testN;
  };
  const label = `${ours ? 'ours' : 'tfjs as shipped'} on ${info.name}${ours ? `, ${threads} thread${threads > 1 ? 's' : ''}` : ''}`;
  if (target > 0) {
    // Time to reach `target` test accuracy: epochs over all training images, evaluation time excluded.
    let trainMs = 0;
    const curve: { epoch: number; seconds: number; testAccuracy: number }[] = [];
    for (let epoch = 1; epoch <= maxEpochs; epoch++) {
      const t = performance.now();
      for (let s = 0; s + B <= n; s += B) await step(s);
      trainMs += performance.now() - t;
      const acc = evaluate();
      curve.push({ epoch, seconds: +(trainMs / 1000).toFixed(1), testAccuracy: +acc.toFixed(4) });
      if (acc >= target) break;
    }
    await close();
    const hit = curve.find((c) => c.testAccuracy >= target);
    return { run: label, backend: info.name, target, secondsToTarget: hit?.seconds ?? null, epochs: curve.length, curve };
  }
  const t0 = performance.now();
  for (let s = 0; s + B <= n; s += B) await step(s);
  const trainSeconds = (performance.now() - t0) / 1000;
  await close();
  const acc = evaluate();
  return { run: label, backend: info.name, trainImages: n - (n % B), testImages: teX.dims[0], testAccuracy: +acc.toFixed(4), trainSeconds: +trainSeconds.toFixed(1), peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024) };
}

const here = path.dirname(fileURLToPath(import.meta.url));

function runChild(a: Args, net: NetName, backend: string, threads: number): Measure | { error: string; net: NetName; impl: string } {
  const argv = [path.join(here, 'training.bench.ts'), '--child', `${net}:${backend}:${threads}`, '--seconds', String(a.seconds), '--batch', String(a.batch)];
  if (a.profile) argv.push('--profile');
  if (a.plainAdam) argv.push('--plain-adam');
  const command = a.bundle ? [a.bundle, ...argv.slice(1)] : ['--import', 'tsx', ...argv];
  const r = spawnSync(process.execPath, command, { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 15 * 60_000 });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    const m = JSON.parse(line) as Measure | { error: string };
    if ('error' in m) return { error: m.error, net, impl: `tfjs-${backend}` };
    return m;
  } catch {
    const err = (r.stderr || r.stdout || `exit ${r.status}`).trim().split('\n').slice(-3).join(' | ');
    return { error: err, net, impl: `tfjs-${backend}` };
  }
}

/** How PyTorch is run: as Debian installs it, and configured as a performance-minded user would. */
function torchConfigs(): { name: string; env: Record<string, string> }[] {
  const openblas = '/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3';
  const best: Record<string, string> = { GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=4294967295' };
  // Debian's alternatives pick the reference BLAS; preloading OpenBLAS's libblas
  // makes torch's BLAS calls resolve to it without touching system settings.
  if (fs.existsSync(openblas)) best.LD_PRELOAD = openblas;
  const cores = os.cpus().length;
  return [
    { name: 'torch-as-installed', env: {} },
    { name: 'torch-best', env: best },
    // Debian's torch starts one OpenMP thread here (omp_get_max_threads() = 1 on
    // 2 cores), so its oneDNN convolutions use one core unless told otherwise.
    // Not part of the issue's definition of "best", reported for comparison
    // with our data-parallel threads.
    ...(cores > 1 ? [{ name: 'torch-best-all-cores', env: { ...best, OMP_NUM_THREADS: String(cores) } }] : []),
  ];
}

/**
 * A python3 that imports torch: CNN_BENCH_PYTHON, else `python3` on PATH, else
 * Debian's /usr/bin/python3 (where python3-torch installs; a pyenv or venv
 * python3 earlier on PATH does not see it).
 */
function findTorchPython(): { python: string; version: string } | null {
  const candidates = [process.env.CNN_BENCH_PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => !!c);
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
    if (r.status === 0) return { python, version: r.stdout.trim() };
  }
  return null;
}

function runTorch(a: Args, python: string, net: NetName, cfg: { name: string; env: Record<string, string> }) {
  const script = path.join(here, 'pytorch', 'train_bench.py');
  const r = spawnSync(python, [script, '--net', net, '--seconds', String(a.seconds), '--batch', String(a.batch)], {
    encoding: 'utf8',
    env: { ...process.env, ...cfg.env },
    timeout: 15 * 60_000,
  });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return { ...(JSON.parse(line) as Omit<Measure, 'impl'>), impl: cfg.name, backend: 'pytorch', env: cfg.env } as Measure & { env: Record<string, string> };
  } catch {
    return { error: (r.stderr || `exit ${r.status}`).trim().split('\n').slice(-3).join(' | '), net, impl: cfg.name };
  }
}

/**
 * This file as one ES module (bench/.bundled/, inside the repository so that
 * Node finds the external packages from it): our sources bundled, npm
 * packages loaded as installed, each source's import.meta.url kept as its own
 * file's (the engine finds its workers and the bench its templates by it).
 */
async function bundleBench(): Promise<string> {
  const name = 'esbuild';
  const esbuild = (await import(/* @vite-ignore */ name)) as typeof import('esbuild');
  const out = path.join(here, '.bundled', 'training.bench.mjs');
  await esbuild.build({
    entryPoints: [fileURLToPath(import.meta.url)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile: out,
    logLevel: 'warning',
    plugins: [{
      name: 'source-import-meta-url',
      setup(build) {
        build.onLoad({ filter: /\.ts$/ }, async (args) => {
          if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
          const text = await fs.promises.readFile(args.path, 'utf8');
          // Not inside quotes: esbuild `define` keys of that name (spawn.ts, bundle.ts) stay as they are.
          return { contents: text.replace(/(?<!['"`])import\.meta\.url(?!['"`])/g, JSON.stringify(pathToFileURL(args.path).href)), loader: 'ts' };
        });
      },
    }],
  });
  return out;
}

async function parentMain(a: Args) {
  const torch = a.torch ? findTorchPython() : null;
  if (a.bundled) a.bundle = await bundleBench();
  const results: (Measure | { error: string; net: NetName; impl: string })[] = [];
  const log = (s: string) => process.stderr.write(s + '\n');
  // How much the second core adds right now (the host may give it less than a core): qualifies the 2-thread figures.
  const cores = async (when: string) => {
    if (!a.cores) return undefined;
    log(`[training bench] SIMD throughput of one core and of two (${when})…`);
    return measureCores(2).catch((e: Error) => ({ error: e.message }));
  };
  const coresBefore = await cores('before');
  const perRound: (typeof results)[] = [];
  for (const net of a.nets) {
    // `backend` groups a tfjs backend's thread counts: one that cannot load is skipped for the others.
    const runs: { label: string; backend: string; run: () => (typeof results)[number] }[] = [];
    for (const backend of a.backends) {
      const threadList = backend === 'wasm' || backend === 'cpu' ? [...a.threads] : [1];
      if (backend === 'wasm-baseline' && a.threads.length > 0) threadList.splice(0, threadList.length, 1);
      for (const t of threadList) runs.push({ label: `tfjs-${backend}${backend === 'wasm' ? ` (${t} thread${t > 1 ? 's' : ''})` : ''}`, backend, run: () => runChild(a, net, backend, t) });
    }
    if (torch) for (const cfg of torchConfigs()) runs.push({ label: cfg.name, backend: cfg.name, run: () => runTorch(a, torch.python, net, cfg) });
    // Rounds alternate the order (ours first, then PyTorch first, …) so that a slow minute of the machine hits both sides.
    for (let r = 0; r < a.rounds; r++) {
      const round: typeof results = [];
      const failed = new Set<string>();
      for (const x of r % 2 === 0 ? runs : [...runs].reverse()) {
        if (failed.has(x.backend)) continue;
        log(`[training bench] ${net} on ${x.label}${a.rounds > 1 ? `, round ${r + 1} of ${a.rounds}` : ''}…`);
        const m = x.run();
        round.push(m);
        // A backend that is not there (tensorflow, …) fails the same way for every thread count.
        if ('error' in m && x.backend !== 'wasm') failed.add(x.backend);
      }
      perRound[r] = [...(perRound[r] ?? []), ...round];
    }
  }
  results.push(...(a.rounds > 1 ? medianOfRounds<Measure, { error: string; net: NetName; impl: string }>(perRound) : perRound[0] ?? []));
  let accuracy: unknown;
  if (a.accuracy > 0) {
    // Accuracy does not depend on speed: the runs go side by side.
    const runs = a.accuracyRuns ?? ['cpu:reference', 'wasm:reference', 'wasm:ours:1', ...(os.cpus().length > 1 ? [`wasm:ours:${Math.min(os.cpus().length, 4)}`] : [])];
    log(`[training bench] Fashion-MNIST one epoch (${a.accuracy} images): ${runs.join(', ')} …`);
    accuracy = await Promise.all(
      runs.map((spec) =>
        jsonChild(path.join(here, 'training.bench.ts'), ['--acc-child', spec, '--accuracy', '--accuracy-train', String(a.accuracy)]).catch((e: Error) => ({ run: spec, error: e.message })),
      ),
    );
  }
  let timeTo90: unknown;
  if (a.timeTo > 0) {
    log('[training bench] Fashion-MNIST: time to 90 % test accuracy on tfjs-wasm…');
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, 'training.bench.ts'), '--acc-child', 'wasm:ours:1', '--time-to-90'], { encoding: 'utf8', timeout: 240 * 60_000 });
    try {
      timeTo90 = JSON.parse(r.stdout.trim().split('\n').pop() ?? '');
    } catch {
      timeTo90 = { error: (r.stderr || `exit ${r.status}`).trim().split('\n').slice(-3).join(' | ') };
    }
  }
  const coresAfter = await cores('after');
  // Ratios ours / PyTorch for each network, against PyTorch's best configuration.
  const ratios = a.nets.map((net) => {
    const ok = (r: (typeof results)[number]): r is Measure => !('error' in r) && r.net === net;
    const ours = results.filter(ok).filter((r) => r.backend !== 'pytorch' && r.backend !== 'wasm-baseline');
    const base = results.filter(ok).find((r) => r.backend === 'wasm-baseline');
    const wasm1 = results.filter(ok).find((r) => r.backend === 'wasm' && r.threads === 1);
    const torchBest = results.filter(ok).find((r) => r.impl === 'torch-best');
    const torchInst = results.filter(ok).find((r) => r.impl === 'torch-as-installed');
    const torchAll = results.filter(ok).find((r) => r.impl === 'torch-best-all-cores');
    const best = ours.sort((p, q) => q.trainImgPerSec - p.trainImgPerSec)[0];
    const bestInfer = [...ours].sort((p, q) => q.inferImgPerSec - p.inferImgPerSec)[0];
    const r2 = (p?: number, q?: number) => (p && q ? +(p / q).toFixed(2) : null);
    const wasmOurs = ours.find((r) => r.backend === 'wasm' && r.threads === 1);
    return {
      net,
      trainPerCpuVsTorchBest: r2(wasmOurs?.trainImgPerCpuSec, torchBest?.trainImgPerCpuSec),
      inferPerCpuVsTorchBest: r2(wasmOurs?.inferImgPerCpuSec, torchBest?.inferImgPerCpuSec),
      trainPerCpuVsWasmBaseline: r2(wasmOurs?.trainImgPerCpuSec, base?.trainImgPerCpuSec),
      oursTrain: best ? `${best.impl}${best.threads ? `×${best.threads}` : ''}` : null,
      trainVsTorchBest: r2(best?.trainImgPerSec, torchBest?.trainImgPerSec),
      inferVsTorchBest: r2(bestInfer?.inferImgPerSec, torchBest?.inferImgPerSec),
      trainVsTorchAsInstalled: r2(best?.trainImgPerSec, torchInst?.trainImgPerSec),
      inferVsTorchAsInstalled: r2(bestInfer?.inferImgPerSec, torchInst?.inferImgPerSec),
      wasmTrainVsWasmBaseline: r2(wasm1?.trainImgPerSec, base?.trainImgPerSec),
      trainVsTorchAllCores: r2(best?.trainImgPerSec, torchAll?.trainImgPerSec),
      inferVsTorchAllCores: r2(bestInfer?.inferImgPerSec, torchAll?.inferImgPerSec),
      oursInfer: bestInfer ? `${bestInfer.impl}${bestInfer.threads ? `×${bestInfer.threads}` : ''}` : null,
    };
  });
  return {
    bench: 'training',
    date: new Date().toISOString(),
    rounds: a.rounds,
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, loadavg: os.loadavg().map((v) => +v.toFixed(2)), node: process.version, cores: a.cores ? { before: coresBefore, after: coresAfter } : undefined },
    batch: a.batch,
    torch: torch ? `${torch.version} (${torch.python})` : a.torch ? 'not installed (no python3 with torch; set CNN_BENCH_PYTHON)' : 'skipped (--no-torch)',
    note: 'images/s; every figure from its own process; the machine is shared, so compare ratios within this run only',
    children: a.bundle ? 'bundled (esbuild, no tsx)' : 'node --import tsx',
    nets: Object.fromEntries(a.nets.map((n) => [n, NET_DEFS[n].label])),
    results,
    ratios,
    roundResults: a.rounds > 1 ? perRound : undefined,
    accuracy,
    timeTo90,
  };
}

const args = parseArgs(process.argv.slice(2));
if (args.accChild) {
  const r = await accuracyChild(args.accChild, args.accuracy || 60000, args.timeTo, 15);
  process.stdout.write(JSON.stringify(r) + '\n');
  process.exit(0);
} else if (args.child) {
  try {
    const m = await childMain(args);
    process.stdout.write(JSON.stringify(m) + '\n');
    process.exit(0);
  } catch (e) {
    // One line the parent can show: e.g. "backend 'tensorflow' … is unavailable: …".
    process.stdout.write(JSON.stringify({ error: e instanceof Error ? e.message : String(e) }) + '\n');
    process.exit(1);
  }
} else {
  const out = await parentMain(args);
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
}
