/**
 * `cli train FILE --data SPEC --epochs N --out DIR …`: train a graph
 * document on a dataset with a progress bar (or JSON lines with --json), then
 * evaluate on the test split and save the weights in TF.js format.
 * Ctrl-C stops training at the next batch and still saves what was learnt.
 */
import * as path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { initBackend, parseBackendName } from '../backend';
import { openDataset, type Dataset } from '../data';
import { loadGraphFile } from '../graph/io';
import { datasetSplit } from '../train/data-source';
import { evaluateModel } from '../train/evaluate';
import { progressLine } from '../train/job';
import { train, IncompatibleError } from '../train/session';
import { OPTIMIZERS, type OptimizerName, type TrainSettingsInput } from '../train/settings';
import type { BatchProgress, EpochProgress } from '../train/types';
import { saveWeights } from '../train/weights';
import { bar, formatDuration, intOpt, numOpt, parseArgs, UsageError } from './train-args';
import { processIO, type CliCommand, type CliIO } from './types';

const USAGE = `Usage: cli train FILE --data SPEC [--epochs N] [--out DIR] [options]
  Trains the network of graph document FILE on dataset SPEC, shows progress,
  evaluates on the test split and saves the weights (model.json + weights.bin)
  in DIR. SPEC: builtin:shapes, fashion-mnist:DIR, mnist:DIR, cifar10:DIR,
  folder:DIR (see docs/datasets.md).
  --epochs N          passes over the training images (default: the document's, else 5)
  --batch-size N      images per step (default 32)
  --lr X              learning rate (default 0.001; 0.01 for sgd)
  --optimizer NAME    ${OPTIMIZERS.join(' | ')} (default adam; sgd uses momentum 0.9)
  --momentum X        SGD momentum (default 0.9)
  --val-split X       share of training images held out for validation (default 0.1)
  --patience N        stop after N epochs without a better validation loss
  --flip              augment: mirror half the images left–right
  --shift X           augment: shift up to X × the size (e.g. 0.1)
  --resize            resize / convert the images to the network's Input
  --limit N           train on N images only (seeded choice)
  --test-limit N      evaluate on the first N test images only
  --seed N            seed of the split, shuffling and augmentation (default 1)
  --backend NAME      tensorflow | wasm | cpu (default: the best that loads)
  --threads N         threads sharing each batch (default 0 = one per core, up to 4,
                      when each gets 16+ images; 1 = one thread)
  --out DIR           where to save the trained weights (TF.js format)
  --json              JSON lines on stdout: {"event":"batch"|"epoch"|"done",...}`;

const VALUED = ['data', 'epochs', 'out', 'batch-size', 'lr', 'optimizer', 'momentum', 'val-split', 'patience', 'shift', 'limit', 'test-limit', 'seed', 'backend', 'threads'];
const FLAGS = ['json', 'flip', 'resize', 'help'];

/** Settings from the options (only those given: the rest come from the document or defaults). */
function settingsFrom(p: ReturnType<typeof parseArgs>): TrainSettingsInput {
  const s: TrainSettingsInput = {};
  const opt = p.options.get('optimizer');
  if (opt !== undefined) {
    if (!OPTIMIZERS.includes(opt as OptimizerName)) throw new UsageError(`--optimizer must be one of ${OPTIMIZERS.join(', ')}; received '${opt}'`);
    s.optimizer = opt as OptimizerName;
  }
  const set = <K extends keyof TrainSettingsInput>(k: K, v: TrainSettingsInput[K] | undefined) => {
    if (v !== undefined) s[k] = v;
  };
  set('epochs', intOpt(p, 'epochs', 1, 100_000));
  set('batchSize', intOpt(p, 'batch-size', 1, 65_536));
  set('learningRate', numOpt(p, 'lr', 0, 10, true));
  set('momentum', numOpt(p, 'momentum', 0, 0.999));
  set('validationSplit', numOpt(p, 'val-split', 0, 0.9));
  set('limit', intOpt(p, 'limit', 1));
  set('seed', intOpt(p, 'seed', 0, 2 ** 31 - 1));
  set('threads', intOpt(p, 'threads', 0, 64));
  const patience = intOpt(p, 'patience', 1, 10_000);
  if (patience !== undefined) s.earlyStopping = { patience };
  const shift = numOpt(p, 'shift', 0, 0.5);
  if (shift !== undefined || p.options.has('flip')) s.augment = { flip: p.options.has('flip'), shift: shift ?? 0 };
  if (p.options.has('resize')) s.adaptInput = true;
  return s;
}

/** Progress on stderr: a bar redrawn in place on a terminal, one line per epoch otherwise. */
function progressPrinter(io: CliIO) {
  const tty = io === processIO && process.stderr.isTTY;
  let last = 0;
  return {
    batch(p: BatchProgress) {
      if (!tty) return;
      const now = Date.now();
      if (now - last < 100 && p.batch !== p.batchesPerEpoch) return;
      last = now;
      const line = `${bar(p.progress)} ${progressLine(p)} · ${p.imagesPerSec.toFixed(0)} img/s · ETA ${formatDuration(p.etaSec)}`;
      process.stderr.write(`\r${line.slice(0, (process.stderr.columns || 120) - 1)}\x1b[K`);
    },
    epoch(p: EpochProgress) {
      const line = `${progressLine(p)} · ${p.imagesPerSec.toFixed(0)} img/s · ${formatDuration(p.elapsedSec)} elapsed${p.epoch < p.epochs ? `, ETA ${formatDuration(p.etaSec)}` : ''}`;
      if (tty) process.stderr.write(`\r${line}\x1b[K\n`);
      else io.err(line);
    },
  };
}

export async function runTrain(args: string[], io: CliIO): Promise<number> {
  let p: ReturnType<typeof parseArgs>;
  let settings: TrainSettingsInput;
  let testLimit: number | undefined;
  try {
    p = parseArgs(args, VALUED, FLAGS);
    if (p.options.has('help')) {
      io.out(USAGE);
      return 0;
    }
    if (p.positional.length !== 1) throw new UsageError(p.positional.length ? `expected one FILE; received ${p.positional.join(' ')}` : 'missing FILE (a graph document)');
    if (!p.options.has('data')) throw new UsageError('missing --data SPEC (e.g. --data builtin:shapes)');
    settings = settingsFrom(p);
    testLimit = intOpt(p, 'test-limit', 1);
    parseBackendName(p.options.get('backend'));
  } catch (e) {
    io.err(`train: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const json = p.options.has('json');
  const emit = (o: object) => io.out(JSON.stringify(o));
  const file = p.positional[0];
  const loaded = await loadGraphFile(file);
  if (!loaded.ok) {
    io.err(`train: ${loaded.message}`);
    return 1;
  }
  const doc = loaded.value;
  const be = await initBackend({ prefer: parseBackendName(p.options.get('backend')) }).catch((e: Error) => e);
  if (be instanceof Error) {
    io.err(`train: ${be.message}`);
    return 1;
  }
  const { tf } = be;
  if (!json) io.err(`Backend: ${be.name}${be.threads ? ` (${be.threads} threads)` : ''}`);
  let ds: Dataset | null = null;
  const ac = new AbortController();
  const onSigint = () => {
    if (ac.signal.aborted) process.exit(130);
    ac.abort();
    io.err('\nStopping after this batch (Ctrl-C again to quit at once)…');
  };
  process.on('SIGINT', onSigint);
  try {
    ds = await openDataset(p.options.get('data')!);
    if (!json) io.err(`Dataset: ${ds.name}, ${ds.counts.train} training and ${ds.counts.test} test images of ${ds.inputShape.join('×')}, ${ds.classNames.length} classes`);
    const pr = progressPrinter(io);
    const out = await train(doc, ds, settings, {
      tf,
      signal: ac.signal,
      onBatch: (b) => (json ? emit({ event: 'batch', ...b }) : pr.batch(b)),
      onEpoch: (e) => (json ? emit({ event: 'epoch', ...e }) : pr.epoch(e)),
    });
    const s = out.summary;
    if (!json) {
      for (const n of s.notes) io.err(`Note: ${n}`);
      io.err(
        `${s.stopReason === 'completed' ? 'Done' : s.stopReason === 'cancelled' ? 'Stopped' : 'Stopped early (no improvement)'}: ${s.epochsDone} epoch${s.epochsDone === 1 ? '' : 's'} in ${formatDuration(s.elapsedSec)}, ${s.imagesPerSec.toFixed(0)} training images/s${s.threads > 1 ? ` on ${s.threads} threads` : ''}` +
          (s.restoredEpoch ? `; kept the weights of epoch ${s.restoredEpoch} (best ${s.valCount ? 'validation' : 'training'} loss)` : ''),
      );
    }
    let test: { accuracy: number; loss: number; count: number } | null = null;
    if (s.task === 'classification' && ds.counts.test > 0 && !ac.signal.aborted) {
      const ev = await evaluateModel(tf, out.model, datasetSplit(ds, 'test'), ds.classNames, { dataShape: ds.inputShape, adaptInput: out.settings.adaptInput, limit: testLimit });
      test = { accuracy: ev.accuracy, loss: ev.loss, count: ev.count };
      if (!json) io.err(`Test accuracy: ${(ev.accuracy * 100).toFixed(2)}% on ${ev.count} images (loss ${ev.loss.toFixed(4)})`);
    }
    const dir = p.options.get('out');
    if (dir) {
      await saveWeights(tf, out.model, dir);
      // Beside the weights: what predict and evaluate need to label classes, and how they were trained.
      await writeFile(
        path.join(dir, 'training.json'),
        JSON.stringify({ document: path.resolve(file), dataset: ds.spec, classNames: ds.classNames, dataShape: ds.inputShape, settings: out.settings, summary: { ...s, history: s.history }, test }, null, 2) + '\n',
      );
      if (!json) io.err(`Weights saved in ${dir} (model.json, weights.bin)`);
    } else if (!json) io.err('Weights not saved (no --out DIR).');
    if (json) emit({ event: 'done', stopReason: s.stopReason, epochsDone: s.epochsDone, restoredEpoch: s.restoredEpoch, elapsedSec: s.elapsedSec, imagesPerSec: s.imagesPerSec, threads: s.threads, backend: be.name, test, out: dir ?? null });
    out.model.dispose();
    return 0;
  } catch (e) {
    const msg =
      e instanceof IncompatibleError && e.report.problems.some((x) => x.code === 'INPUT_SHAPE' && x.fixes.some((f) => f.id === 'resize-data'))
        ? `${e.message} (--resize converts the images to the Input)`
        : (e as Error).message;
    if (json) emit({ event: 'error', message: msg });
    io.err(`train: ${msg}`);
    return 1;
  } finally {
    process.off('SIGINT', onSigint);
    await ds?.close();
  }
}

export const trainCommand: CliCommand = {
  name: 'train',
  summary: 'Train a network on a dataset and save its weights',
  usage: USAGE,
  run: runTrain,
};
