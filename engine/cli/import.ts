/**
 * `cli import MODEL_JSON --out FILE [--name NAME] [--json]`: turn a TF.js /
 * Keras model.json into a graph document. When its weights are beside it, the
 * document references them (trained weights of the imported network).
 */
import * as path from 'node:path';
import { analyzeGraph } from '../analysis';
import { formatInt } from '../core/shape';
import { saveGraphFile } from '../graph/io';
import { importModelFile } from '../import/file';
import { weightsRef } from '../train/weights';
import { parseArgs, UsageError } from './train-args';
import type { CliCommand, CliIO } from './types';

const USAGE = `Usage: cli import MODEL_JSON --out FILE [--name NAME] [--json]
  Reads a TF.js Layers or Keras model.json (Sequential or Functional; as
  written by TF.js, the tensorflowjs converter, or Keras' model.to_json()) and
  writes an editable graph document to FILE. Weights listed in the model.json
  and present beside it are referenced by the document.`;

export async function runImport(args: string[], io: CliIO): Promise<number> {
  let p: ReturnType<typeof parseArgs>;
  try {
    p = parseArgs(args, ['out', 'name'], ['json', 'help']);
    if (p.options.has('help')) {
      io.out(USAGE);
      return 0;
    }
    if (p.positional.length !== 1) throw new UsageError(`expected one MODEL_JSON; received ${p.positional.length ? p.positional.join(' ') : 'none'}`);
    if (!p.options.has('out')) throw new UsageError('missing --out FILE');
  } catch (e) {
    io.err(`import: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const out = p.options.get('out')!;
  try {
    const imp = await importModelFile(p.positional[0]);
    const doc = { ...imp.doc, name: p.options.get('name') ?? imp.doc.name };
    if (imp.weightsPath) doc.weights = weightsRef(out, path.dirname(imp.weightsPath));
    await saveGraphFile(out, doc);
    const a = analyzeGraph(doc);
    if (p.options.has('json')) io.out(JSON.stringify({ file: path.resolve(out), kind: imp.kind, source: imp.source ?? null, layers: doc.nodes.length, params: a.totals.params, weights: imp.weightsPath, notes: imp.notes }));
    else
      io.out(
        [
          `Imported a ${imp.kind} model${imp.source ? ` (${imp.source})` : ''}: ${doc.nodes.length} layers, ${formatInt(a.totals.params)} parameters → ${out}`,
          imp.weightsPath ? `Weights: ${imp.weightsPath} (referenced by the document)` : 'Weights: none (topology only)',
          ...imp.notes.map((n) => `Note: ${n}`),
        ].join('\n'),
      );
    return 0;
  } catch (e) {
    io.err(`import: ${(e as Error).message}`);
    return 1;
  }
}

export const importCommand: CliCommand = { name: 'import', summary: 'Turn a TF.js / Keras model.json into a graph document', usage: USAGE, run: runImport };
