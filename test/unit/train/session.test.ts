/**
 * End to end through the real pieces: graph document → analysis → compat
 * check → buildModel → trainer on the wasm (or cpu) backend, on the built-in
 * set; evaluation on its test split; weights saved and loaded back.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, type BackendInfo } from '../../../engine/backend';
import { openDataset, type Dataset } from '../../../engine/data';
import { datasetSplit } from '../../../engine/train/data-source';
import { evaluateModel } from '../../../engine/train/evaluate';
import { IncompatibleError, loadTrainedModel, train } from '../../../engine/train/session';
import { saveWeights } from '../../../engine/train/weights';
import { SMALL_SPEC, smallCnn } from './helpers';

let be: BackendInfo;
let ds: Dataset;
let dir: string;
beforeAll(async () => {
  be = await initBackend();
  ds = await openDataset(SMALL_SPEC);
  dir = mkdtempSync(path.join(tmpdir(), 'cnnd-session-'));
});
afterAll(async () => {
  await ds?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('train a document on the built-in set', () => {
  it('reaches well above chance (1/3) on the test split, and the saved weights give the same accuracy', async () => {
    const doc = smallCnn(ds.inputShape, 3);
    const before = be.tf.memory().numTensors;
    const perEpoch: number[] = [];
    const r = await train(doc, ds, { epochs: 6, batchSize: 32, learningRate: 0.005 }, { tf: be.tf, onEpoch: () => perEpoch.push(be.tf.memory().numTensors) });
    // on the real backend too: nothing grows after the first epoch's optimizer slots
    expect(new Set(perEpoch.slice(1)).size).toBe(1);
    expect(r.summary.stopReason).toBe('completed');
    expect(Math.abs(r.summary.valCount - 200)).toBeLessThanOrEqual(2); // stratified: rounded per class
    const test = datasetSplit(ds, 'test');
    const ev = await evaluateModel(be.tf, r.model, test, ds.classNames, { dataShape: ds.inputShape });
    expect(ev.count).toBe(300);
    expect(ev.accuracy).toBeGreaterThan(0.5);
    const out = path.join(dir, 'w');
    await saveWeights(be.tf, r.model, out);
    const again = await loadTrainedModel(be.tf, doc, out);
    const ev2 = await evaluateModel(be.tf, again, test, ds.classNames, { dataShape: ds.inputShape });
    expect(ev2.confusion).toEqual(ev.confusion);
    r.model.dispose();
    again.dispose();
    expect(be.tf.memory().numTensors).toBe(before);
  });

  it('refuses a network whose output does not fit, with the fix in the error', async () => {
    const doc2 = smallCnn(ds.inputShape, 2);
    const e2 = await train(doc2, ds, { epochs: 1 }, { tf: be.tf }).catch((x) => x);
    expect(e2).toBeInstanceOf(IncompatibleError);
    expect(e2.message).toMatch(/3 classes but the network's output has 2 units.*Set the last Dense \(head\) to 3 units/);
    expect(e2.report.problems[0].fixes[0]).toMatchObject({ id: 'set-units', params: { units: 3 } });
  });
});
