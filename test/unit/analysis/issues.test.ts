/**
 * Each problem the issue list names shows on the node that causes it, in
 * plain words, with a fix; what follows from it is marked as upstream.
 */
import { describe, expect, it } from 'vitest';
import { analyzeGraph, type GraphAnalysis } from '../../../engine/analysis';
import type { GraphDoc } from '../../../engine/graph/doc';
import { graph, type NodeRef } from '../../helpers/graph-builder';

const on = (a: GraphAnalysis, n: NodeRef) => a.nodes[n.id].issues.map((i) => i.code);

describe('issues on the node that causes them', () => {
  it('kernel larger than its input (E003) and output ≤ 0 (E002/E003), downstream marked E015', () => {
    const g = graph();
    const c = g.input([5, 5, 1]).conv2d({ kernel: 3, dilation: 3, padding: 'valid' }, { name: 'dil' });
    const after = c.relu().dense({ units: 2 });
    const a = analyzeGraph(g.doc);
    expect(on(a, c)).toEqual(['E003']);
    expect(a.nodes[c.id].issues[0].message).toMatch(/dilated kernel \(3 taps × dilation 3 = 7\) is larger than its input height 5/);
    expect(a.nodes[c.id].issues[0].fix).toBeTruthy();
    expect(on(a, after)).toEqual(['E015']);
    expect(a.nodes[after.id].issues[0].message).toMatch(/because of the problem at "dil"/);
    expect(a.issues.map((i) => i.code)).toEqual(['E003', 'E015', 'E015']); // root cause first
  });

  it('Add of different shapes (E006), Concatenate of different spatial sizes (E007)', () => {
    const g = graph();
    const x = g.input([16, 16, 4]);
    const a1 = x.conv2d({ filters: 4 });
    const a2 = x.conv2d({ filters: 8 });
    const s = g.add(a1, a2);
    const c = g.concat(a1, x.maxPool2d({ pool: 2 }));
    const ok = g.concat(a1, a2);
    const a = analyzeGraph(g.doc);
    expect(on(a, s)).toEqual(['E006']);
    expect(a.nodes[s.id].issues[0].message).toMatch(/16×16×4 and 16×16×8/);
    expect(on(a, c)).toEqual(['E007']);
    expect(a.nodes[ok.id].outputShape).toEqual([16, 16, 12]);
  });

  it('a missing input (E009): a merge with a gap, a layer fed by nothing', () => {
    const g = graph();
    const x = g.input([8, 8, 1]);
    const m = g.node('add');
    g.connect(x, m, 0).connect(x.relu(), m, 2); // slot 1 empty
    const lonely = g.node('relu');
    lonely.conv2d();
    const a = analyzeGraph(g.doc);
    expect(on(a, m)).toEqual(['E009']);
    expect(a.nodes[m.id].issues[0].message).toMatch(/input slot 1 is not connected/);
    expect(on(a, lonely)).toEqual(['E009']);
  });

  it('a merge with one input (E004)', () => {
    const g = graph();
    const m = g.merge('add', [g.input([8, 8, 1])]);
    expect(on(analyzeGraph(g.doc), m)).toEqual(['E004']);
  });

  it('edges to a missing node or slot (E013)', () => {
    const doc: GraphDoc = graph().doc;
    doc.nodes.push({ id: 'in', type: 'input', params: { shape: [4, 4, 1] }, position: { x: 0, y: 0 } }, { id: 'r', type: 'relu', params: {}, position: { x: 0, y: 0 } });
    doc.edges.push({ id: 'ok', source: 'in', target: 'r', targetIndex: 0 }, { id: 'ghost', source: 'zz', target: 'r', targetIndex: 0 }, { id: 'slot', source: 'in', target: 'r', targetIndex: 2 }, { id: 'intoInput', source: 'r', target: 'in', targetIndex: 0 });
    const a = analyzeGraph(doc);
    const e13 = a.issues.filter((i) => i.code === 'E013');
    expect(e13.map((i) => i.edgeId)).toEqual(['ghost', 'slot', 'intoInput']);
    expect(e13[0].message).toMatch(/missing layer \(source "zz"\)/);
    expect(e13[1].message).toMatch(/input slot 2 of "relu_1", but ReLU has one input/);
    expect(e13[2].message).toMatch(/Input takes no input/);
    expect(a.nodes.r.outputShape).toEqual([4, 4, 1]); // the good edge still counts
  });

  it('a second Input (E010), no Input (E011), unconnected (E014), unknown type (E012)', () => {
    const g = graph();
    g.input([4, 4, 1]).relu();
    const second = g.input([4, 4, 1]);
    second.relu();
    const alone = g.node('conv2d');
    const weird = g.node('capsule');
    const a = analyzeGraph(g.doc);
    expect(on(a, second)).toEqual(['E010']);
    expect(on(a, alone)).toEqual(['E014']);
    expect(on(a, weird)).toEqual(['E012']);
    expect(a.inputId).toBeNull();
    const none = graph();
    none.node('relu').relu();
    expect(analyzeGraph(none.doc).issues.map((i) => i.code)).toContain('E011');
    expect(analyzeGraph(graph().doc).issues).toEqual([]); // an empty canvas is fine
  });

  it('Dense on an unflattened image is a warning with the fix (W101); after Flatten it is not', () => {
    const g = graph();
    const x = g.input([8, 8, 3]);
    const d = x.dense({ units: 4 });
    const ok = x.flatten().dense({ units: 4 });
    const a = analyzeGraph(g.doc);
    expect(a.nodes[d.id].issues.filter((i) => i.code !== 'W102')).toEqual([expect.objectContaining({ code: 'W101', severity: 'warning', fix: 'Add Flatten or GlobalAvgPool2D before it.' })]);
    expect(on(a, ok)).toEqual([]);
  });

  it('bad parameter values (E001) and unknown parameters (W104) name the field', () => {
    const g = graph();
    const c = g.input([8, 8, 1]).conv2d({ filters: 0, kernelSize: 3 });
    const a = analyzeGraph(g.doc);
    expect(a.nodes[c.id].issues.map((i) => [i.code, i.field])).toEqual([['E001', 'filters'], ['W104', 'kernelSize']]);
  });

  it('unused outputs (W102) when a branch leads nowhere', () => {
    const g = graph();
    const x = g.input([8, 8, 1]);
    const dead = x.conv2d({}, { name: 'dead_end' });
    x.flatten().dense({ units: 2 });
    const a = analyzeGraph(g.doc);
    expect(on(a, dead)).toEqual(['W102']);
    expect(a.outputIds).toHaveLength(2);
  });

  it('huge layers warn (W103)', () => {
    const g = graph();
    const d = g.input([50_000]).dense({ units: 50_000 });
    expect(on(analyzeGraph(g.doc), d)).toEqual(['W103']);
  });
});

describe('layer names', () => {
  it('a name TensorFlow.js would refuse is an error on the node', () => {
    const g = graph();
    const c = g.input([8, 8, 1]).conv2d({}, { name: 'my conv/1' });
    const ok = c.conv2d({}, { name: 'block1_conv-2.a' });
    const a = analyzeGraph(g.doc);
    expect(a.nodes[c.id].issues.map((i) => [i.code, i.field])).toEqual([['E001', 'name']]);
    expect(a.nodes[ok.id].issues).toEqual([]);
  });
});
