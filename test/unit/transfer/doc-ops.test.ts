/** Freezing, head replacement, fine-tune settings and the weight-matching report. */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { analyzeGraph } from '../../../engine/analysis';
import { weightsFromModel } from '../../../engine/export/weights';
import { buildModel } from '../../../engine/train/build-model';
import { DEFAULT_SETTINGS } from '../../../engine/train/settings';
import { ancestorsOf, findHead, fineTuneSettings, freezeBefore, replaceHead, setFrozen, unfreezeAll } from '../../../engine/transfer/doc-ops';
import { applyWeights, matchWeights } from '../../../engine/transfer/match';
import { graph } from '../../helpers/graph-builder';

function branchy() {
  const g = graph();
  const x = g.input([8, 8, 3], { id: 'in' }).conv2d({ filters: 4 }, { id: 'c1' });
  const a = x.conv2d({ filters: 4 }, { id: 'a' });
  const b = x.conv2d({ filters: 4 }, { id: 'b' });
  g.merge('add', [a, b], {}, { id: 'sum' }).globalAvgPool2d({}, { id: 'gap' }).dense({ units: 5 }, { id: 'fc' }).softmax({}, { id: 'sm' });
  return g.doc;
}

describe('freezing', () => {
  it('freezeBefore freezes exactly the ancestors and unfreezes the rest downstream; the input is not changed', () => {
    const doc = setFrozen(branchy(), ['fc'], true);
    const snapshot = JSON.stringify(doc);
    const r = freezeBefore(doc, 'a');
    if (!r.ok) throw new Error(r.error);
    expect(JSON.stringify(doc)).toBe(snapshot);
    const frozen = r.doc.nodes.filter((n) => n.frozen).map((n) => n.id).sort();
    expect(frozen).toEqual(['c1', 'in']);
    expect([...ancestorsOf(doc, 'gap')].sort()).toEqual(['a', 'b', 'c1', 'in', 'sum']);
    expect(r.doc.nodes.find((n) => n.id === 'fc')!.frozen).toBeUndefined();
    expect(freezeBefore(doc, 'nope')).toEqual({ ok: false, error: expect.stringContaining('nope') });
  });

  it('frozen layers count as non-trainable in the analysis and in the built model (tfjs as oracle)', () => {
    const doc = setFrozen(branchy(), ['c1', 'a'], true);
    const an = analyzeGraph(doc);
    const m = buildModel(tf, doc, an);
    const count = (ws: tf.LayerVariable[]) => ws.reduce((s, w) => s + w.shape.reduce((x: number, y) => x * (y as number), 1), 0);
    expect(an.totals.trainable).toBe(count(m.trainableWeights));
    expect(an.totals.nonTrainable).toBe(count(m.nonTrainableWeights));
    expect(an.totals.nonTrainable).toBe(an.nodes.c1.paramCount + an.nodes.a.paramCount);
    m.dispose();
    expect(unfreezeAll(doc).nodes.some((n) => n.frozen)).toBe(false);
  });
});

describe('replaceHead', () => {
  it('finds the Dense behind Softmax, sets the units, renames and unfreezes it', () => {
    const doc = setFrozen(branchy(), ['fc'], true);
    expect(findHead(doc)!.id).toBe('fc');
    const r = replaceHead(doc, 12);
    if (!r.ok) throw new Error(r.error);
    const fc = r.doc.nodes.find((n) => n.id === 'fc')!;
    expect(fc.params.units).toBe(12);
    expect(fc.frozen).toBeUndefined();
    expect(r.headName).toBe('head_12');
    expect(analyzeGraph(r.doc).nodes.fc.outputShape).toEqual([12]);
  });

  it('refuses bad class counts and networks without a Dense head', () => {
    expect(replaceHead(branchy(), 0)).toMatchObject({ ok: false, error: expect.stringContaining('received 0') });
    const g = graph();
    g.input([8, 8, 1]).conv2d({ filters: 2 });
    expect(replaceHead(g.doc, 3)).toMatchObject({ ok: false, error: expect.stringContaining('Dense') });
  });
});

describe('fine-tune settings', () => {
  it('suggest 0.1× the learning rate, from the trainer defaults when unset', () => {
    expect(fineTuneSettings(undefined).learningRate).toBeCloseTo(DEFAULT_SETTINGS.learningRate * 0.1, 12);
    expect(fineTuneSettings({ optimizer: 'sgd' }).learningRate).toBeCloseTo(0.001, 12);
    const s = fineTuneSettings({ learningRate: 0.05, batchSize: 7 });
    expect(s.learningRate).toBeCloseTo(0.005, 12);
    expect(s.batchSize).toBe(7);
  });
});

describe('weight matching report', () => {
  it('matches by name and shape, explains mismatches and loads only the matches', () => {
    const src = graph();
    src.input([8, 8, 3]).conv2d({ filters: 4 }, { name: 'c1' }).conv2d({ filters: 6 }, { name: 'c2' }).flatten().dense({ units: 10 }, { name: 'fc' });
    const dst = graph();
    dst.input([8, 8, 3]).conv2d({ filters: 4 }, { name: 'c1' }).conv2d({ filters: 8 }, { name: 'c2' }).conv2d({ filters: 6 }, { name: 'extra' }).flatten().dense({ units: 3 }, { name: 'fc' });
    const ms = buildModel(tf, src.doc, analyzeGraph(src.doc));
    const md = buildModel(tf, dst.doc, analyzeGraph(dst.doc));
    const before = weightsFromModel(md);
    const w = weightsFromModel(ms);
    w.set('old_layer', [{ name: 'kernel', shape: [1], data: new Float32Array(1) }]);
    const r = applyWeights(tf, md, w);
    expect(r.matched).toEqual(['c1']);
    expect(r.mismatched).toEqual(['c2', 'fc']);
    expect(r.missing).toEqual(['extra']);
    expect(r.unused).toEqual(['old_layer']);
    const c2 = r.layers.find((l) => l.layer === 'c2')!;
    expect(c2).toMatchObject({ status: 'shape-mismatch', weight: 'kernel', expected: [3, 3, 4, 8], got: [3, 3, 4, 6] });
    const fc = r.layers.find((l) => l.layer === 'fc')!;
    expect(fc.status === 'shape-mismatch' && fc.reason).toMatch(/different number of outputs/);
    const after = weightsFromModel(md);
    expect(after.get('c1')![0].data).toEqual(w.get('c1')![0].data);
    expect(after.get('c2')![0].data).toEqual(before.get('c2')![0].data);
    expect(matchWeights(md, new Map()).missing.length).toBe(4);
    expect(r.summary).toMatch(/Loaded 1 of 4/);
    ms.dispose();
    md.dispose();
  });
});
