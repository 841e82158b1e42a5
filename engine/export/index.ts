/**
 * Export of a (trained) network: one entry point for the CLI, the job and
 * tests. Formats:
 * - `tfjs`: model.json + weights.bin (TF.js Layers; convertible to Keras);
 * - `onnx`: model.onnx, opset 13, NHWC input like the engine;
 * - `keras`: model.py + train.py + weights.npz (Keras layout);
 * - `pytorch`: model.py + train.py + weights.npz (transposed on load).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type * as tfjs from '@tensorflow/tfjs';
import type { GraphAnalysis } from '../analysis/types';
import type { GraphDoc } from '../graph/doc';
import { writeFileAtomic } from '../train/weights';
import { npzBytes } from './npz';
import { exportOnnx } from './onnx/export';
import { kerasCode } from './python/keras';
import { pytorchCode } from './python/pytorch';
import { exportTfjs } from './tfjs';
import { weightsFromModel, type LayerWeights } from './weights';

export const EXPORT_FORMATS = ['tfjs', 'onnx', 'keras', 'pytorch'] as const;
export type ExportFormatName = (typeof EXPORT_FORMATS)[number];

export { ExportError } from './onnx/export';

/** What an export wrote. */
export interface ExportOutcome {
  format: ExportFormatName;
  /** Absolute paths of the files written. */
  files: string[];
  /** Remarks for the user (e.g. random weights, how to run the files). */
  notes: string[];
}

/** Every weight as one .npz (keys "<layer>/<weight>", Keras layout). */
export function weightsNpz(weights: LayerWeights): Uint8Array {
  const arrays = [...weights].flatMap(([layer, ws]) => ws.map((w) => ({ name: `${layer}/${w.name}`, data: w.data, shape: w.shape })));
  return npzBytes(arrays);
}

/**
 * Export `model` (built from `doc` with `analysis`) to `outDir` in `format`.
 * `trained` says whether its weights were trained (a note otherwise).
 */
export async function exportModelFiles(
  tf: typeof tfjs,
  doc: GraphDoc,
  analysis: GraphAnalysis,
  model: tfjs.LayersModel,
  format: ExportFormatName,
  outDir: string,
  opts: { trained?: boolean } = {},
): Promise<ExportOutcome> {
  const dir = path.resolve(outDir);
  await fs.mkdir(dir, { recursive: true });
  const notes: string[] = [];
  if (opts.trained === false) notes.push('The network has no trained weights: the files hold freshly initialised (random) weights.');
  const files: string[] = [];
  const write = async (name: string, data: string | Uint8Array) => {
    const f = path.join(dir, name);
    await writeFileAtomic(f, data);
    files.push(f);
  };
  if (format === 'tfjs') {
    files.push(...(await exportTfjs(tf, model, dir)));
    notes.push('Load with tf.loadLayersModel("…/model.json"); convert to Keras with tensorflowjs_converter --input_format tfjs_layers_model --output_format keras.');
  } else {
    const weights = weightsFromModel(model);
    if (format === 'onnx') {
      const onnx = exportOnnx(doc, analysis, weights);
      await write('model.onnx', onnx.bytes);
      notes.push(`ONNX opset 13. Input "${onnx.inputName}": NHWC float32 (batch × ${analysis.nodes[analysis.inputId!].outputShape!.join(' × ')}), pixels in [0, 1]. Outputs: ${onnx.outputNames.join(', ')}.`);
    } else {
      const code = format === 'keras' ? kerasCode(doc, analysis, weights) : pytorchCode(doc, analysis, weights);
      await write('weights.npz', weightsNpz(weights));
      await write('model.py', code['model.py']);
      await write('train.py', code['train.py']);
      notes.push(
        format === 'keras'
          ? 'python model.py rebuilds the network and loads weights.npz; python train.py --data DIR trains it (MirroredStrategy; --multi-worker on a cluster).'
          : 'python model.py rebuilds the network (NCHW input) and loads weights.npz; torchrun … train.py --data DIR trains it with DistributedDataParallel.',
      );
    }
  }
  return { format, files, notes };
}
