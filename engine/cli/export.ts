/**
 * `cli export FILE [--weights DIR] --format tfjs|onnx|keras|pytorch --out DIR`:
 * write the network of FILE, with its trained weights, in another format.
 */
import { analyzeGraph } from '../analysis';
import { initBackend, parseBackendName } from '../backend';
import { EXPORT_FORMATS, exportModelFiles, type ExportFormatName } from '../export';
import { loadGraphFile } from '../graph/io';
import { buildModel } from '../train/build-model';
import { loadTrainedModel } from '../train/session';
import { resolveWeightsDir } from '../train/weights';
import { parseArgs, UsageError } from './train-args';
import type { CliCommand, CliIO } from './types';

const USAGE = `Usage: cli export FILE --format tfjs|onnx|keras|pytorch --out DIR [--weights DIR] [--random] [--json] [--backend NAME]
  Writes the network of FILE with trained weights to DIR:
    tfjs     model.json + weights.bin (TF.js Layers; convertible to Keras)
    onnx     model.onnx (opset 13; NHWC input like CNN Designer)
    keras    model.py + train.py + weights.npz
    pytorch  model.py + train.py + weights.npz (NCHW input)
  Weights come from --weights DIR (a model.json folder), else from the
  document's saved weights; --random exports freshly initialised weights.`;

export async function runExport(args: string[], io: CliIO): Promise<number> {
  let p: ReturnType<typeof parseArgs>;
  try {
    p = parseArgs(args, ['weights', 'format', 'out', 'backend'], ['json', 'random', 'help']);
    if (p.options.has('help')) {
      io.out(USAGE);
      return 0;
    }
    if (p.positional.length !== 1) throw new UsageError(`expected one FILE; received ${p.positional.length ? p.positional.join(' ') : 'none'}`);
    const f = p.options.get('format');
    if (!f) throw new UsageError('missing --format');
    if (!(EXPORT_FORMATS as readonly string[]).includes(f)) throw new UsageError(`--format must be one of ${EXPORT_FORMATS.join(', ')}; received ${f}`);
    if (!p.options.has('out')) throw new UsageError('missing --out DIR');
    if (p.options.has('weights') && p.options.has('random')) throw new UsageError('--weights and --random exclude each other');
    parseBackendName(p.options.get('backend'));
  } catch (e) {
    io.err(`export: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const file = p.positional[0];
  const loaded = await loadGraphFile(file);
  if (!loaded.ok) {
    io.err(`export: ${loaded.message}`);
    return 1;
  }
  const doc = loaded.value;
  const weightsDir = p.options.get('weights') ?? (p.options.has('random') ? null : resolveWeightsDir(doc, file));
  if (!weightsDir && !p.options.has('random')) {
    io.err(`export: ${file} has no trained weights; pass --weights DIR, or --random to export freshly initialised weights`);
    return 1;
  }
  try {
    const { tf } = await initBackend({ prefer: parseBackendName(p.options.get('backend')) });
    const analysis = analyzeGraph(doc);
    const model = weightsDir ? await loadTrainedModel(tf, doc, weightsDir) : buildModel(tf, doc, analysis);
    try {
      const r = await exportModelFiles(tf, doc, analysis, model, p.options.get('format') as ExportFormatName, p.options.get('out')!, { trained: !!weightsDir });
      if (p.options.has('json')) io.out(JSON.stringify(r));
      else io.out([`Exported ${doc.name} as ${r.format}:`, ...r.files.map((f) => `  ${f}`), ...r.notes].join('\n'));
    } finally {
      model.dispose();
    }
    return 0;
  } catch (e) {
    io.err(`export: ${(e as Error).message}`);
    return 1;
  }
}

export const exportCommand: CliCommand = { name: 'export', summary: 'Export a network with its weights as TF.js, ONNX, Keras or PyTorch', usage: USAGE, run: runExport };
