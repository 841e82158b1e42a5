/**
 * Generated Keras and PyTorch code: syntax-checked with `python3 -m
 * py_compile`; where Debian's torch is installed (/usr/bin/python3), the
 * PyTorch module is run on the exported weights and compared with the
 * engine's outputs on the same input (< 1e-4).
 */
import * as tf from '@tensorflow/tfjs';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeGraph } from '../../../engine/analysis';
import { exportModelFiles } from '../../../engine/export';
import { npyBytes } from '../../../engine/export/npz';
import type { GraphDoc } from '../../../engine/graph/doc';
import { loadTemplate } from '../../../engine/templates';
import { catalogGraphs, engineOutputs, maxAbsDiff, randomInput, randomModel } from './helpers';
import { transposeArray } from '../../../engine/export/weights';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const DEBIAN_PY = '/usr/bin/python3';
const hasTorch = spawnSync(DEBIAN_PY, ['-c', 'import torch, numpy'], { stdio: 'ignore' }).status === 0;
const pyCompile = spawnSync('python3', ['--version'], { stdio: 'ignore' }).status === 0 ? 'python3' : DEBIAN_PY;

async function exportBoth(doc: GraphDoc, seed: number) {
  const analysis = analyzeGraph(doc);
  const model = randomModel(doc, seed);
  const base = mkdtempSync(path.join(tmpdir(), 'cnnd-py-'));
  dirs.push(base);
  const k = await exportModelFiles(tf, doc, analysis, model, 'keras', path.join(base, 'keras'));
  const p = await exportModelFiles(tf, doc, analysis, model, 'pytorch', path.join(base, 'pytorch'));
  return { analysis, model, keras: path.join(base, 'keras'), pytorch: path.join(base, 'pytorch'), files: [...k.files, ...p.files] };
}

/** ResNet-18 at 64×64 with its softmax removed (compared on logits). */
async function resnet18Small(): Promise<GraphDoc> {
  const doc = await loadTemplate('resnet18');
  for (const n of doc.nodes) {
    if (n.type === 'input') n.params = { ...n.params, shape: [64, 64, 3] };
    if (n.type === 'dense' && n.params.activation === 'softmax') n.params = { ...n.params, activation: 'linear' };
  }
  return doc;
}

const docs = async (): Promise<{ name: string; doc: GraphDoc }[]> => [
  ...catalogGraphs(),
  ...(await Promise.all(['mnist-cnn', 'resnet20-cifar', 'conv-autoencoder', 'dilated-context'].map(async (id) => ({ name: id, doc: await loadTemplate(id) })))),
  { name: 'resnet18-64px-logits', doc: await resnet18Small() },
];

describe('generated Python', () => {
  it('compiles (py_compile) for every catalog graph and template', async () => {
    for (const { doc } of await docs()) {
      const e = await exportBoth(doc, 4);
      e.model.dispose();
      const py = e.files.filter((f) => f.endsWith('.py'));
      expect(py.length).toBe(4);
      execFileSync(pyCompile, ['-m', 'py_compile', ...py], { stdio: 'pipe' });
    }
  }, 120_000);

  it.skipIf(!hasTorch)('PyTorch code on the exported weights gives the engine\'s outputs', async () => {
    const results: Record<string, number> = {};
    for (const { name, doc } of await docs()) {
      const e = await exportBoth(doc, 7);
      const inShape = e.analysis.nodes[e.analysis.inputId!].outputShape!;
      const x = randomInput(inShape, 2, 3);
      const want = engineOutputs(e.model, x);
      e.model.dispose();
      // PyTorch takes NCHW.
      const nchw = inShape.length === 3 ? transposeArray(x.data, x.dims, [0, 3, 1, 2]) : { data: x.data, shape: x.dims };
      writeFileSync(path.join(e.pytorch, 'x.npy'), npyBytes(nchw.data, nchw.shape));
      const script = `
import sys, numpy as np, torch
sys.path.insert(0, ${JSON.stringify(e.pytorch)})
from model import Net, load_weights
m = load_weights(Net(), ${JSON.stringify(path.join(e.pytorch, 'weights.npz'))}).eval()
with torch.no_grad():
    y = m(torch.from_numpy(np.load(${JSON.stringify(path.join(e.pytorch, 'x.npy'))})))
ys = list(y) if isinstance(y, tuple) else [y]
for i, o in enumerate(ys):
    o = o.numpy()
    if o.ndim == 4:
        o = o.transpose(0, 2, 3, 1)  # back to NHWC
    np.ascontiguousarray(o, dtype=np.float32).tofile(${JSON.stringify(e.pytorch)} + f"/y{i}.bin")
print(len(ys))
`;
      const out = execFileSync(DEBIAN_PY, ['-c', script], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
      expect(Number(out.trim())).toBe(want.length);
      let diff = 0;
      want.forEach((w, i) => {
        const b = readFileSync(path.join(e.pytorch, `y${i}.bin`));
        const got = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
        diff = Math.max(diff, maxAbsDiff(got, w));
      });
      results[name] = diff;
    }
    console.log('pytorch vs engine, max abs diff:', JSON.stringify(results));
    for (const d of Object.values(results)) expect(d).toBeLessThan(1e-4);
  }, 300_000);
});
