/**
 * `cli evaluate FILE --weights DIR --data SPEC [--json]`: test accuracy,
 * per-class accuracy, the confusion matrix and the most confident mistakes of
 * a trained network.
 */
import { initBackend, parseBackendName } from '../backend';
import { openDataset, type Dataset } from '../data';
import { loadGraphFile } from '../graph/io';
import { adaptProblem } from '../train/adapt';
import { datasetSplit } from '../train/data-source';
import { evaluateModel } from '../train/evaluate';
import { loadTrainedModel } from '../train/session';
import { intOpt, parseArgs, UsageError } from './train-args';
import type { CliCommand, CliIO } from './types';

const USAGE = `Usage: cli evaluate FILE --weights DIR --data SPEC [--json] [--limit N] [--mistakes N] [--backend NAME]
  Evaluates the network of FILE with the trained weights in DIR (model.json +
  weights.bin, as written by \`train --out DIR\`) on the test split of SPEC.
  --limit N      only the first N test images
  --mistakes N   how many of the most confident mistakes to list (default 10)
  --json         print the full report as JSON`;

export async function runEvaluate(args: string[], io: CliIO): Promise<number> {
  let p: ReturnType<typeof parseArgs>;
  let limit: number | undefined;
  let nMistakes: number;
  try {
    p = parseArgs(args, ['weights', 'data', 'limit', 'mistakes', 'backend'], ['json', 'help']);
    if (p.options.has('help')) {
      io.out(USAGE);
      return 0;
    }
    if (p.positional.length !== 1) throw new UsageError(p.positional.length ? `expected one FILE; received ${p.positional.join(' ')}` : 'missing FILE (a graph document)');
    if (!p.options.has('weights')) throw new UsageError('missing --weights DIR');
    if (!p.options.has('data')) throw new UsageError('missing --data SPEC');
    limit = intOpt(p, 'limit', 1);
    nMistakes = intOpt(p, 'mistakes', 0, 1000) ?? 10;
    parseBackendName(p.options.get('backend'));
  } catch (e) {
    io.err(`evaluate: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const loaded = await loadGraphFile(p.positional[0]);
  if (!loaded.ok) {
    io.err(`evaluate: ${loaded.message}`);
    return 1;
  }
  let ds: Dataset | null = null;
  try {
    const { tf } = await initBackend({ prefer: parseBackendName(p.options.get('backend')) });
    const model = await loadTrainedModel(tf, loaded.value, p.options.get('weights')!);
    ds = await openDataset(p.options.get('data')!);
    const inShape = model.inputs[0].shape.slice(1) as number[];
    const rep = await evaluateModel(tf, model, datasetSplit(ds, 'test'), ds.classNames, {
      dataShape: ds.inputShape,
      adaptInput: adaptProblem(ds.inputShape, inShape, true) === null,
      limit,
      maxMistakes: nMistakes,
    });
    model.dispose();
    if (p.options.has('json')) {
      io.out(JSON.stringify(rep));
      return 0;
    }
    const names = rep.classNames;
    const w = Math.max(5, ...names.map((n, i) => `${i} ${n}`.length));
    const lines = [`Test accuracy: ${(rep.accuracy * 100).toFixed(2)}% on ${rep.count} images (loss ${rep.loss.toFixed(4)}, ${rep.imagesPerSec.toFixed(0)} images/s)`, '', `${'class'.padEnd(w)}  images  correct  accuracy`];
    for (const c of rep.perClass) lines.push(`${c.name.padEnd(w)}  ${String(c.count).padStart(6)}  ${String(c.correct).padStart(7)}  ${c.accuracy == null ? '     -' : `${(c.accuracy * 100).toFixed(1).padStart(7)}%`}`);
    const cw = Math.max(4, ...rep.confusion.flat().map((v) => String(v).length));
    lines.push('', 'Confusion matrix (rows: true class, columns: predicted):', `${''.padEnd(w)}  ${names.map((_, i) => String(i).padStart(cw)).join(' ')}`);
    rep.confusion.forEach((row, i) => lines.push(`${`${i} ${names[i]}`.padEnd(w)}  ${row.map((v) => String(v).padStart(cw)).join(' ')}`));
    if (rep.mistakes.length) {
      lines.push('', 'Most confident mistakes:');
      for (const m of rep.mistakes) lines.push(`  test image ${m.index}: ${names[m.trueLabel]} taken for ${names[m.predLabel]} (${(m.confidence * 100).toFixed(1)}%)`);
    }
    io.out(lines.join('\n'));
    return 0;
  } catch (e) {
    io.err(`evaluate: ${(e as Error).message}`);
    return 1;
  } finally {
    await ds?.close();
  }
}

export const evaluateCommand: CliCommand = { name: 'evaluate', summary: 'Test accuracy, confusion matrix and worst mistakes of trained weights', usage: USAGE, run: runEvaluate };
