/**
 * Training end to end, through the real pipeline (graph document →
 * buildModel → trainer → data module), with the 28×28 template
 * (templates/mnist-cnn.json):
 *
 * 1. training and inference images/s on each available backend
 *    (tensorflow, wasm, cpu), on Fashion-MNIST when present, else on the
 *    built-in shapes set at 28×28;
 * 2. time to 90% test accuracy on Fashion-MNIST (60,000 training images,
 *    Adam 0.001, batch 64, the full 10,000-image test set evaluated after
 *    every epoch); the clock counts training only, not the evaluations.
 *
 *   npm run bench -- train-e2e
 *   npx tsx bench/train-e2e.bench.ts [--seconds S] [--backends wasm,cpu] [--max-epochs N] [--target 0.9] [--no-accuracy]
 *
 * Prints one JSON object on stdout; progress on stderr. The machine may be
 * shared: absolute images/s move with its load.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { initBackend, type BackendName } from '../engine/backend';
import { openDataset } from '../engine/data';
import { loadGraphFile } from '../engine/graph/io';
import { datasetSplit } from '../engine/train/data-source';
import { evaluateModel } from '../engine/train/evaluate';
import { train } from '../engine/train/session';

const FASHION = process.env.FASHION_MNIST_DIR ?? '/usr/share/datasets/fashion-mnist';
const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : dflt;
};
const log = (s: string) => process.stderr.write(s + '\n');

async function loadDoc() {
  const d = await loadGraphFile(fileURLToPath(new URL('../templates/mnist-cnn.json', import.meta.url)));
  if (!d.ok) throw new Error(d.message);
  return d.value;
}

const spec = existsSync(FASHION) ? `fashion-mnist:${FASHION}` : 'builtin:shapes';

/** Child mode: speed on one backend. Trains for about `seconds`, then times inference on the test split. */
async function speed(backend: BackendName, seconds: number) {
  const be = await initBackend({ prefer: backend }).catch((e: Error) => e);
  if (be instanceof Error) return { backend, available: false, reason: be.message };
  const doc = await loadDoc();
  const ds = await openDataset(spec);
  // Enough images for ~`seconds` of training at a first-guess rate; refined from the first epoch.
  const batch = 64;
  const probe = await train(doc, ds, { epochs: 1, limit: batch * 2, batchSize: batch, validationSplit: 0 }, { tf: be.tf }); // warm-up (kernels, wasm pages)
  const warmRate = probe.summary.imagesPerSec;
  probe.model.dispose();
  const n = Math.max(batch * 2, Math.min(60_000, Math.round((warmRate * seconds) / batch) * batch));
  const r = await train(doc, ds, { epochs: 1, limit: n, batchSize: batch, validationSplit: 0, seed: 2 }, { tf: be.tf });
  const inferN = Math.max(256, Math.min(ds.counts.test, Math.round(warmRate * 4 * seconds)));
  await evaluateModel(be.tf, r.model, datasetSplit(ds, 'test'), ds.classNames, { dataShape: ds.inputShape, limit: 256, batchSize: 128 }); // warm-up
  const ev = await evaluateModel(be.tf, r.model, datasetSplit(ds, 'test'), ds.classNames, { dataShape: ds.inputShape, limit: inferN, batchSize: 128 });
  r.model.dispose();
  await ds.close();
  return { backend: be.name, threads: be.threads ?? null, trainImages: n, trainImagesPerSec: r.summary.imagesPerSec, inferImages: ev.count, inferImagesPerSec: ev.imagesPerSec };
}

/** Child mode: time to the target accuracy on Fashion-MNIST. */
async function timeToAccuracy(backend: BackendName | undefined, target: number, maxEpochs: number) {
  const be = await initBackend(backend ? { prefer: backend } : {});
  const doc = await loadDoc();
  const ds = await openDataset(`fashion-mnist:${FASHION}`);
  const test = datasetSplit(ds, 'test');
  const curve: { epoch: number; trainSec: number; testAccuracy: number; trainLoss: number }[] = [];
  let evalSec = 0;
  let reached: { epoch: number; trainSec: number; testAccuracy: number } | null = null;
  const ac = new AbortController();
  let model: import('@tensorflow/tfjs').LayersModel | null = null;
  const t0 = performance.now();
  const r = await train(doc, ds, { epochs: maxEpochs, batchSize: 64, learningRate: 0.001, optimizer: 'adam', validationSplit: 0, restoreBest: false, seed: 1 }, {
    tf: be.tf,
    signal: ac.signal,
    onBuilt: (m) => (model = m),
    onEpoch: async (e) => {
      const trainSec = (performance.now() - t0) / 1000 - evalSec;
      const te = performance.now();
      const ev = await evaluateModel(be.tf, model!, test, ds.classNames, { dataShape: ds.inputShape, batchSize: 256 });
      evalSec += (performance.now() - te) / 1000;
      curve.push({ epoch: e.epoch, trainSec, testAccuracy: ev.accuracy, trainLoss: e.loss });
      log(`  epoch ${e.epoch}: test accuracy ${(ev.accuracy * 100).toFixed(2)}% after ${trainSec.toFixed(0)} s of training (${e.imagesPerSec.toFixed(0)} img/s)`);
      if (!reached && ev.accuracy >= target) {
        reached = { epoch: e.epoch, trainSec, testAccuracy: ev.accuracy };
        ac.abort();
      }
    },
  });
  r.model.dispose();
  await ds.close();
  return { backend: be.name, threads: be.threads ?? null, target, reached, curve, note: 'training time only; the per-epoch evaluations on the 10,000 test images are not counted' };
}
async function child() {
  const mode = opt('child', '');
  let out: unknown;
  if (mode === 'speed') out = await speed(opt('backend', 'wasm') as BackendName, Number(opt('seconds', '15')));
  else out = await timeToAccuracy((opt('backend', '') || undefined) as BackendName | undefined, Number(opt('target', '0.9')), Number(opt('max-epochs', '15')));
  process.stdout.write(JSON.stringify(out) + '\n');
}

async function main() {
  const seconds = opt('seconds', '15');
  const backends = opt('backends', 'tensorflow,wasm,cpu').split(',') as BackendName[];
  const me = fileURLToPath(import.meta.url);
  const runChild = (extra: string[]) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', me, ...extra], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 });
    const line = r.stdout.trim().split('\n').pop() ?? '';
    try {
      return JSON.parse(line);
    } catch {
      return { error: (r.stdout || '').trim().split('\n').slice(-3).join(' ') || `exit ${r.status}` };
    }
  };
  const speedRows = [];
  for (const b of backends) {
    log(`speed on ${b}…`);
    // cpu trains convolutions ~50× slower: a shorter run says enough.
    speedRows.push(runChild(['--child', 'speed', '--backend', b, '--seconds', b === 'cpu' ? String(Math.max(3, Number(seconds) / 3)) : seconds]));
  }
  let accuracy = null;
  if (!args.includes('--no-accuracy') && existsSync(FASHION)) {
    log(`time to ${opt('target', '0.9')} test accuracy on Fashion-MNIST…`);
    accuracy = runChild(['--child', 'accuracy', '--target', opt('target', '0.9'), '--max-epochs', opt('max-epochs', '15'), ...(args.includes('--backend') ? ['--backend', opt('backend', '')] : [])]);
  }
  process.stdout.write(
    JSON.stringify({ bench: 'train-e2e', network: 'templates/mnist-cnn.json (225,034 parameters)', data: spec, cpus: os.cpus().length, loadavg: os.loadavg(), speed: speedRows, timeTo90: accuracy }, null, 2) + '\n',
  );
}

if (args.includes('--child')) await child();
else await main();
