/**
 * Weights of a Keras model converted with the TF.js converter (names
 * "<layer>/<weight>", the Keras order, a group1-shard file): imported as a
 * graph they load strictly by name; into an edited copy (new head) they load
 * by name and shape with a report.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeGraph } from '../../../engine/analysis';
import { weightsFromModel } from '../../../engine/export/weights';
import { importModelFile } from '../../../engine/import/file';
import { buildModel } from '../../../engine/train/build-model';
import { loadTrainedModel } from '../../../engine/train/session';
import { replaceHead } from '../../../engine/transfer/doc-ops';
import { loadMatchingWeights } from '../../../engine/transfer/match';
import { rng } from '../export/helpers';

const dir = mkdtempSync(path.join(tmpdir(), 'cnnd-keras-weights-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SPECS: [string, number[]][] = [
  ['stem_conv/kernel', [3, 3, 3, 16]],
  ['stem_bn/gamma', [16]],
  ['stem_bn/beta', [16]],
  ['stem_bn/moving_mean', [16]],
  ['stem_bn/moving_variance', [16]],
  ['dw/depthwise_kernel', [3, 3, 16, 1]],
  ['predictions/kernel', [16, 5]],
  ['predictions/bias', [5]],
];

describe('weights of a converted Keras model', () => {
  it('load strictly into the imported graph and by name and shape into an edited copy', async () => {
    const json = JSON.parse(readFileSync(path.join(__dirname, '..', 'import', 'fixtures', 'keras2-functional-converter.json'), 'utf8'));
    const r = rng(5);
    const values = SPECS.map(([name, shape]) => {
      const n = shape.reduce((a, b) => a * b, 1);
      return Float32Array.from({ length: n }, () => (name.includes('variance') ? 0.5 + r() : r() - 0.5));
    });
    json.weightsManifest = [{ paths: ['group1-shard1of1.bin'], weights: SPECS.map(([name, shape]) => ({ name, shape, dtype: 'float32' })) }];
    const bin = new Uint8Array(values.reduce((a, v) => a + v.byteLength, 0));
    let o = 0;
    for (const v of values) {
      bin.set(new Uint8Array(v.buffer), o);
      o += v.byteLength;
    }
    writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
    writeFileSync(path.join(dir, 'group1-shard1of1.bin'), bin);

    const imp = await importModelFile(dir);
    expect(imp.weightsPath).toBe(path.join(dir, 'model.json'));
    const model = await loadTrainedModel(tf, imp.doc, dir);
    const got = weightsFromModel(model);
    SPECS.forEach(([name], i) => {
      const [layer, w] = name.split('/');
      expect(got.get(layer)!.find((x) => x.name === w)!.data).toEqual(values[i]);
    });
    model.dispose();

    const edited = replaceHead(imp.doc, 2);
    if (!edited.ok) throw new Error(edited.error);
    const m2 = buildModel(tf, edited.doc, analyzeGraph(edited.doc));
    const report = await loadMatchingWeights(tf, m2, dir);
    expect(report.matched.sort()).toEqual(['dw', 'stem_bn', 'stem_conv']);
    expect(report.missing).toEqual(['head_2']);
    expect(report.unused).toEqual(['predictions']);
    expect(weightsFromModel(m2).get('stem_conv')![0].data).toEqual(values[0]);
    m2.dispose();
  });
});
