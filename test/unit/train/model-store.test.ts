import { mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeGraph } from '../../../engine/analysis';
import { buildModel } from '../../../engine/train/build-model';
import { loadModelRef, loadModelRefKept } from '../../../engine/train/model-store';
import { saveWeights } from '../../../engine/train/weights';
import { smallCnn } from './helpers';

const dir = mkdtempSync(path.join(tmpdir(), 'cnnd-model-store-'));
beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const doc = smallCnn([20, 20, 1], 3);
async function saveRandom(to: string) {
  const m = buildModel(tf, doc, analyzeGraph(doc));
  await saveWeights(tf, m, to);
  const w = m.getWeights().map((t) => t.dataSync().slice());
  m.dispose();
  return w;
}
const weightsOf = (m: tf.LayersModel) => m.getWeights().map((t) => t.dataSync().slice());
/** A model's first variable, to ask later whether it was disposed. */
const firstVariable = (m: tf.LayersModel) => m.weights[0].read();

describe('loadModelRefKept (one model kept between predictions)', () => {
  it('returns the kept model for the same reference, and loads again when its files change', async () => {
    const a = path.join(dir, 'a');
    const savedA = await saveRandom(a);
    const first = await loadModelRefKept(tf, { doc, weightsPath: a });
    expect(weightsOf(first.model)).toEqual(savedA);
    const firstVar = firstVariable(first.model);
    expect((await loadModelRefKept(tf, { doc, weightsPath: a })).model).toBe(first.model);
    // model.json's path names the same folder.
    expect((await loadModelRefKept(tf, { doc, weightsPath: path.join(a, 'model.json') })).model).toBe(first.model);

    // Saved again in place (retrained): new weights, the old model disposed.
    const savedA2 = await saveRandom(a);
    const t = new Date(Date.now() + 5000);
    utimesSync(path.join(a, 'model.json'), t, t);
    const second = await loadModelRefKept(tf, { doc, weightsPath: a });
    expect(second.model).not.toBe(first.model);
    expect(firstVar.isDisposed).toBe(true);
    expect(weightsOf(second.model)).toEqual(savedA2);
    const secondVar = firstVariable(second.model);

    // Another folder replaces it.
    const b = path.join(dir, 'b');
    const savedB = await saveRandom(b);
    const third = await loadModelRefKept(tf, { doc, weightsPath: b });
    expect(secondVar.isDisposed).toBe(true);
    expect(weightsOf(third.model)).toEqual(savedB);
    expect(weightsOf(third.model)).toEqual(weightsOf((await loadModelRef(tf, { doc, weightsPath: b })).model));
  });

  it('fails as loadModelRef does for weights that are not there, and keeps nothing stale', async () => {
    await expect(loadModelRefKept(tf, { doc, weightsPath: path.join(dir, 'nowhere') })).rejects.toThrow(/nowhere/);
    await expect(loadModelRefKept(tf, { doc })).rejects.toThrow(/no trained weights yet/);
    await expect(loadModelRefKept(tf, { modelId: 'no-such-model' })).rejects.toThrow(/no trained model 'no-such-model'/);
  });
});
