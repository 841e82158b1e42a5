import { describe, expect, it } from 'vitest';
import { analyzeGraph, isBuildable } from '../../../engine/analysis';
import { graph } from '../../helpers/graph-builder';

const codes = (a: ReturnType<typeof analyzeGraph>) => a.issues.map((i) => i.code);

describe('analyzeGraph: shapes and counts', () => {
  it('a conv → dense chain matches Keras model.summary()', () => {
    const g = graph();
    // Keras: Conv2D(64, 3, padding='same') on 32×32×3 → 1,792 params;
    // Conv2D(128, 3, strides=2, 'valid') on 32×32×64 → 73,856 and 15×15×128.
    const c2 = g.input([32, 32, 3]).conv2d({ filters: 64, kernel: 3 }).conv2d({ filters: 128, kernel: 3, stride: 2, padding: 'valid' });
    c2.dense({ units: 10 });
    const a = analyzeGraph(g.doc);
    const [inp, c1n, c2n, d] = a.order.map((id) => a.nodes[id]);
    expect(inp.outputShape).toEqual([32, 32, 3]);
    expect(c1n.outputShape).toEqual([32, 32, 64]);
    expect(c1n.paramCount).toBe(1792);
    expect(c2n.outputShape).toEqual([15, 15, 128]);
    expect(c2n.paramCount).toBe(73_856);
    expect(c2n.formula).toBe('(3×3×64 + 1) × 128 = 73,856');
    expect(d.outputShape).toEqual([15, 15, 10]);
    expect(d.issues.map((i) => i.code)).toEqual(['W101']);
    expect(d.issues[0].fix).toMatch(/Flatten or GlobalAvgPool2D/);
    expect(a.totals.params).toBe(1792 + 73_856 + 1290);
    expect(a.totals.bytes).toBe(a.totals.params * 4);
    expect(c1n.macs).toBe(3 * 3 * 3 * 32 * 32 * 64);
    expect(c1n.activationBytes).toBe(32 * 32 * 64 * 4);
    expect(isBuildable(a)).toBe(true);
    expect(a.inputId).toBe(inp.id);
    expect(a.outputIds).toEqual([d.id]);
  });

  it('names layers like Keras and flags duplicate names', () => {
    const g = graph();
    const x = g.input([8, 8, 1]);
    x.conv2d({}, { name: 'conv2d_1' }).conv2d().conv2d({}, { name: 'mine' }).conv2d({}, { name: 'mine' });
    const a = analyzeGraph(g.doc);
    expect(a.order.map((id) => a.nodes[id].name)).toEqual(['input_1', 'conv2d_1', 'conv2d_2', 'mine', 'mine']);
    expect(codes(a)).toContain('E017');
  });

  it('frozen layers count as non-trainable', () => {
    const g = graph();
    g.input([8, 8, 2]).conv2d({ filters: 4 }, { frozen: true }).conv2d({ filters: 4 });
    const a = analyzeGraph(g.doc);
    expect(a.totals.nonTrainable).toBe((9 * 2 + 1) * 4);
    expect(a.totals.trainable).toBe((9 * 4 + 1) * 4);
  });

  it('Add of matching and mismatching branches', () => {
    const g = graph();
    const x = g.input([16, 16, 8]);
    const b = x.conv2d({ filters: 8 });
    const ok = g.add(x, b);
    const bad = g.add(ok, x.conv2d({ filters: 4 }));
    bad.conv2d();
    const a = analyzeGraph(g.doc);
    expect(a.nodes[ok.id].outputShape).toEqual([16, 16, 8]);
    expect(a.nodes[bad.id].issues.map((i) => i.code)).toEqual(['E006']);
    expect(a.issues[0].code).toBe('E006'); // root cause first
    expect(codes(a)).toContain('E015');
  });
});

describe('analyzeGraph: structural errors', () => {
  it('names the nodes on a cycle', () => {
    const g = graph();
    const x = g.input([8, 8, 1]);
    const a1 = g.add(x, x.conv2d({ filters: 1 }, { name: 'c1' }));
    const c2 = a1.conv2d({ filters: 1 }, { name: 'c2' });
    g.connect(c2, a1, 1); // slot 1 already taken → E013
    const c3 = c2.conv2d({ filters: 1 }, { name: 'c3' });
    const c4 = c3.conv2d({ filters: 1 }, { name: 'c4' });
    g.connect(c4, c3, 0); // c3 slot 0 is taken → E013 too; use a free slot on a merge
    const m = g.merge('add', [c2]);
    g.connect(m, m, 1);
    const a = analyzeGraph(g.doc);
    expect(codes(a)).toContain('E013');
    const cyc = a.issues.find((i) => i.code === 'E008');
    expect(cyc?.nodeId).toBe(m.id);
    expect(cyc?.message).toMatch(/cycle/);
  });

  it('a real two-node loop', () => {
    const g = graph();
    const x = g.input([8, 8, 1]);
    const s1 = g.node('add', {}, { name: 'sumA' });
    const s2 = g.node('add', {}, { name: 'sumB' });
    g.connect(x, s1, 0).connect(s2, s1, 1).connect(x, s2, 0).connect(s1, s2, 1);
    s2.conv2d({}, { name: 'after' });
    const a = analyzeGraph(g.doc);
    const e8 = a.issues.filter((i) => i.code === 'E008');
    expect(e8.map((i) => i.nodeId).sort()).toEqual([s1.id, s2.id].sort());
    expect(e8[0].message).toMatch(/sumA → sumB → sumA|sumB → sumA → sumB/);
    expect(a.issues.find((i) => i.code === 'E015')?.message).toMatch(/after/);
    expect(a.order).not.toContain(s1.id);
  });

  it('missing input, second Input, no Input, unconnected, unknown type', () => {
    const g = graph();
    g.input([8, 8, 1]).conv2d();
    g.input([8, 8, 1]);
    g.node('conv2d');
    g.node('frobnicate');
    const a = analyzeGraph(g.doc);
    expect(new Set(codes(a))).toEqual(new Set(['E010', 'E014', 'E012']));
    const none = analyzeGraph(graph().node('conv2d').g.doc);
    expect(codes(none)).toContain('E011');
  });

  it('kernel larger than input', () => {
    const g = graph();
    g.input([4, 4, 1]).conv2d({ kernel: 5, padding: 'valid' });
    const a = analyzeGraph(g.doc);
    expect(codes(a)).toEqual(['E003']);
  });
});
