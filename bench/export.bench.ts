/**
 * Export speed and size: ResNet-50 and VGG-16 (random weights) to ONNX,
 * PyTorch/Keras code + weights.npz and TF.js, timed per format (model build
 * and weight copy excluded). Prints one JSON object.
 *
 *   npm run bench -- export
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { analyzeGraph } from '../engine/analysis';
import { exportModelFiles, EXPORT_FORMATS } from '../engine/export';
import { loadTemplate } from '../engine/templates';
import { buildModel } from '../engine/train/build-model';

const out: Record<string, Record<string, { seconds: number; megabytes: number }>> = {};
const dir = mkdtempSync(path.join(tmpdir(), 'cnnd-export-bench-'));
try {
  for (const id of ['resnet50', 'vgg16']) {
    process.stderr.write(`${id}…\n`);
    const doc = await loadTemplate(id);
    const analysis = analyzeGraph(doc);
    const model = buildModel(tf, doc, analysis);
    out[id] = {};
    for (const f of EXPORT_FORMATS) {
      const t = performance.now();
      const r = await exportModelFiles(tf, doc, analysis, model, f, path.join(dir, id, f), { trained: false });
      const seconds = (performance.now() - t) / 1000;
      const bytes = r.files.reduce((s, file) => s + statSync(file).size, 0);
      out[id][f] = { seconds: Number(seconds.toFixed(2)), megabytes: Number((bytes / 1e6).toFixed(1)) };
    }
    model.dispose();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.stdout.write(JSON.stringify({ bench: 'export', backend: tf.getBackend(), results: out }) + '\n');
