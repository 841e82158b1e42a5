import { describe, expect, it } from 'vitest';
import { analyzeGraph } from '../../../engine/analysis';
import { applyDocFix, checkCompatibility, type DocFix } from '../../../engine/train/compat';
import { graph } from '../../helpers/graph-builder';

const ten = Array.from({ length: 10 }, (_, i) => `c${i}`);
const mnist = { inputShape: [28, 28, 1], classNames: ten };

function classifier(input: number[], units: number, act = 'softmax') {
  const g = graph();
  g.input(input).conv2d({ filters: 4 }).flatten().dense({ units, activation: act }, { id: 'head', name: 'head' });
  return g.doc;
}
const check = (doc: ReturnType<typeof classifier>, data = mnist, adaptInput = false) => checkCompatibility(doc, analyzeGraph(doc), data, { adaptInput });

describe('checkCompatibility', () => {
  it('passes a network that fits', () => {
    const r = check(classifier([28, 28, 1], 10));
    expect(r).toEqual({ ok: true, task: 'classification', problems: [] });
  });

  it('10 classes vs 3 units: an error with the set-units fix, which makes it pass', () => {
    const doc = classifier([28, 28, 1], 3);
    const r = check(doc);
    expect(r.ok).toBe(false);
    const p = r.problems.find((x) => x.code === 'OUTPUT_UNITS')!;
    expect(p.message).toMatch(/10 classes but the network's output has 3 units/);
    expect(p.fixes[0]).toMatchObject({ kind: 'doc', id: 'set-units', nodeId: 'head', params: { units: 10 }, label: 'Set the last Dense (head) to 10 units' });
    const fixed = applyDocFix(doc, p.fixes[0] as DocFix);
    expect(doc.nodes.find((n) => n.id === 'head')!.params.units).toBe(3);
    expect(check(fixed).ok).toBe(true);
  });

  it('finds the Dense behind a separate Softmax layer', () => {
    const g = graph();
    g.input([28, 28, 1]).flatten().dense({ units: 3 }, { id: 'd' }).softmax();
    const r = check(g.doc);
    expect(r.problems[0].fixes[0]).toMatchObject({ nodeId: 'd', params: { units: 10 } });
    expect(r.problems.some((p) => p.code === 'ACTIVATION')).toBe(false);
  });

  it('28×28×1 data vs a 32×32×3 Input: offers resizing the data or changing the Input', () => {
    const doc = classifier([32, 32, 3], 10);
    const r = check(doc);
    const p = r.problems.find((x) => x.code === 'INPUT_SHAPE')!;
    expect(p.message).toBe("The dataset's images are 28×28×1 but the network's Input is 32×32×3.");
    expect(p.fixes.map((f) => f.id)).toEqual(['resize-data', 'change-input']);
    expect(p.fixes[0]).toMatchObject({ kind: 'settings', settings: { adaptInput: true } });
    expect(check(doc, mnist, true)).toMatchObject({ ok: true, problems: [{ code: 'RESIZED', severity: 'note' }] });
    expect(check(applyDocFix(doc, p.fixes[1] as DocFix)).ok).toBe(true);
  });

  it('4 channels cannot be converted: only the Input change is offered', () => {
    const r = check(classifier([28, 28, 4], 10));
    const p = r.problems.find((x) => x.code === 'INPUT_SHAPE')!;
    expect(p.fixes.map((f) => f.id)).toEqual(['change-input']);
    expect(p.message).toMatch(/Only 1↔3/);
  });

  it('a final activation other than softmax is a note with a fix', () => {
    const r = check(classifier([28, 28, 1], 10, 'linear'));
    expect(r.ok).toBe(true);
    expect(r.problems).toMatchObject([{ code: 'ACTIVATION', severity: 'note', fixes: [{ id: 'set-softmax', params: { activation: 'softmax' } }] }]);
  });

  it('an image-shaped output of the input shape is a reconstruction task', () => {
    const g = graph();
    g.input([28, 28, 1]).conv2d({ filters: 8 }).conv2d({ filters: 1, activation: 'sigmoid' });
    expect(check(g.doc)).toMatchObject({ ok: true, task: 'reconstruction', problems: [{ code: 'RECONSTRUCTION' }] });
  });

  it('graph errors and an image output of another shape block training', () => {
    const g = graph();
    g.input([28, 28, 1]).conv2d({ filters: 8 });
    expect(check(g.doc).problems[0]).toMatchObject({ code: 'OUTPUT_SHAPE', severity: 'error' });
    const bad = graph();
    bad.input([4, 4, 1]).conv2d({ kernel: 9, padding: 'valid' });
    expect(check(bad.doc).problems[0]).toMatchObject({ code: 'GRAPH_ERRORS', severity: 'error' });
  });
});
