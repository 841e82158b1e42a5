/**
 * `cli predict FILE --weights DIR IMAGE [--top 5] [--json]`: classify one
 * image file with a trained network and print the top classes.
 */
import { initBackend, parseBackendName } from '../backend';
import { loadGraphFile } from '../graph/io';
import { predictImage } from '../train/predict';
import { loadTrainedModel } from '../train/session';
import { readTrainingInfo } from '../train/training-info';
import { intOpt, parseArgs, UsageError } from './train-args';
import type { CliCommand, CliIO } from './types';

const USAGE = `Usage: cli predict FILE --weights DIR IMAGE [--top N] [--classes a,b,c] [--json] [--backend NAME]
  Classifies IMAGE (PNG, JPEG, WebP…; resized to the network's Input) with the
  network of FILE and the trained weights in DIR, and prints the top N classes
  (default 5). Class names come from DIR/training.json (written by \`train\`)
  or --classes; the image is decoded as that training set's images were.`;

export async function runPredict(args: string[], io: CliIO): Promise<number> {
  let p: ReturnType<typeof parseArgs>;
  let top: number;
  try {
    p = parseArgs(args, ['weights', 'top', 'classes', 'backend'], ['json', 'help']);
    if (p.options.has('help')) {
      io.out(USAGE);
      return 0;
    }
    if (p.positional.length !== 2) throw new UsageError(`expected FILE and IMAGE; received ${p.positional.length ? p.positional.join(' ') : 'neither'}`);
    if (!p.options.has('weights')) throw new UsageError('missing --weights DIR');
    top = intOpt(p, 'top', 1, 1000) ?? 5;
    parseBackendName(p.options.get('backend'));
  } catch (e) {
    io.err(`predict: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const [file, image] = p.positional;
  const loaded = await loadGraphFile(file);
  if (!loaded.ok) {
    io.err(`predict: ${loaded.message}`);
    return 1;
  }
  const dir = p.options.get('weights')!;
  // Without training.json (or --classes) outputs are labelled "unit N".
  const info = await readTrainingInfo(dir);
  const given = p.options.get('classes')?.split(',').map((s) => s.trim()) ?? [];
  const classNames = given.length ? given : info.classNames;
  try {
    const { tf } = await initBackend({ prefer: parseBackendName(p.options.get('backend')) });
    const model = await loadTrainedModel(tf, loaded.value, dir);
    const res = await predictImage(tf, model, image, classNames, top, info.trainedOn);
    model.dispose();
    if (p.options.has('json')) io.out(JSON.stringify({ image, top: res }));
    else {
      const w = Math.max(...res.map((r) => r.name.length));
      io.out(res.map((r) => `${r.name.padEnd(w)}  ${(r.probability * 100).toFixed(2).padStart(6)}%`).join('\n'));
    }
    return 0;
  } catch (e) {
    io.err(`predict: ${(e as Error).message}`);
    return 1;
  }
}

export const predictCommand: CliCommand = { name: 'predict', summary: 'Classify one image with trained weights', usage: USAGE, run: runPredict };
