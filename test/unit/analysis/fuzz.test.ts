/**
 * Random graphs over the whole layer catalog (random wiring, cycles allowed,
 * random parameter values valid or not): analysis never throws, and its
 * result keeps its invariants and survives JSON (it crosses IPC).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyzeGraph } from '../../../engine/analysis';
import { GRAPH_FORMAT, type GraphDoc } from '../../../engine/graph/doc';
import { LAYER_DEFS, type ParamSpec, type ParamSchema } from '../../../engine/layers';

/** A value for a spec: usually valid, sometimes not. */
function valueArb(spec: ParamSpec): fc.Arbitrary<unknown> {
  const wrong = fc.oneof(fc.constant(-1), fc.constant('x'), fc.constant(null), fc.constant(1e9), fc.constant([1, 2, 3]));
  let good: fc.Arbitrary<unknown>;
  switch (spec.kind) {
    case 'int':
      good = fc.integer({ min: spec.min ?? 0, max: Math.min(spec.max ?? 64, (spec.min ?? 0) + 64) });
      break;
    case 'float':
      good = fc.double({ min: spec.min ?? 0, max: spec.max ?? 1, noNaN: true }).filter((v) => !(spec.exclusiveMin && v === spec.min) && !(spec.exclusiveMax && v === spec.max));
      break;
    case 'choice':
      good = fc.constantFrom(...spec.options);
      break;
    case 'bool':
      good = fc.boolean();
      break;
    case 'pair':
      good = fc.tuple(fc.integer({ min: spec.min ?? 1, max: (spec.min ?? 1) + 4 }), fc.integer({ min: spec.min ?? 1, max: (spec.min ?? 1) + 4 }));
      break;
    case 'intList':
      good = fc.array(fc.integer({ min: Math.max(spec.min ?? 1, 1), max: Math.max(spec.min ?? 1, 1) + 30 }), { minLength: spec.minLength ?? 1, maxLength: spec.maxLength ?? 3 });
      break;
  }
  return fc.oneof({ weight: 9, arbitrary: good }, { weight: 1, arbitrary: wrong });
}

const nodeArb = fc.constantFrom(...LAYER_DEFS).chain((def) =>
  fc.record({
    type: fc.oneof({ weight: 19, arbitrary: fc.constant(def.type) }, { weight: 1, arbitrary: fc.constant('not-a-layer') }),
    params: fc.record(Object.fromEntries(Object.entries(def.params as ParamSchema).map(([k, s]) => [k, valueArb(s)])), { requiredKeys: [] }),
    frozen: fc.boolean(),
    name: fc.option(fc.constantFrom('a', 'b', 'block 1', 'conv'), { nil: undefined }),
  }),
);

const docArb = fc
  .tuple(
    fc.array(nodeArb, { minLength: 1, maxLength: 14 }),
    fc.array(fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: 0, max: 2 })), { maxLength: 24 }),
    fc.array(fc.integer({ min: 4, max: 40 }), { minLength: 3, maxLength: 3 }),
  )
  .map(([nodes, edges, shape]): GraphDoc => {
    // Mostly forward edges (a DAG), with some backward ones (cycles).
    const n = nodes.length;
    const doc: GraphDoc = {
      format: GRAPH_FORMAT,
      version: 1,
      name: 'fuzz',
      nodes: [{ id: 'in', type: 'input', params: { shape: [shape[0], shape[1], Math.min(shape[2], 8)] }, position: { x: 0, y: 0 } }],
      edges: [],
    };
    nodes.forEach((x, i) => doc.nodes.push({ id: `n${i}`, type: x.type, params: x.params as Record<string, unknown>, position: { x: 0, y: 0 }, frozen: x.frozen, ...(x.name ? { name: x.name } : {}) }));
    edges.forEach(([s, t, slot], i) => {
      const src = s % (n + 1);
      const tgt = 1 + (t % n);
      doc.edges.push({ id: `e${i}`, source: doc.nodes[src].id, target: doc.nodes[tgt].id, targetIndex: slot });
    });
    // A spine so that much of the graph is analysable.
    for (let i = 1; i <= n; i++) if (!doc.edges.some((e) => e.target === doc.nodes[i].id)) doc.edges.push({ id: `s${i}`, source: doc.nodes[i - 1].id, target: doc.nodes[i].id, targetIndex: 0 });
    return doc;
  });

describe('analysis on random graphs of every layer type', () => {
  it('never throws; invariants hold; the result survives JSON', () => {
    let shaped = 0;
    fc.assert(
      fc.property(docArb, (doc) => {
        const a = analyzeGraph(doc);
        // Every node analysed once; issues point at real nodes.
        expect(Object.keys(a.nodes).sort()).toEqual(doc.nodes.map((x) => x.id).sort());
        for (const i of a.issues) if (i.nodeId !== undefined) expect(a.nodes[i.nodeId]).toBeDefined();
        // The order is topological over the edges analysis accepted.
        const pos = new Map(a.order.map((id, k) => [id, k]));
        const slotSeen = new Set<string>();
        for (const e of doc.edges) {
          const key = `${e.target}/${e.targetIndex}`;
          const first = !slotSeen.has(key); // later edges into a taken slot are rejected (E013)
          slotSeen.add(key);
          if (first && a.nodes[e.target].outputShape && a.nodes[e.target].inputShapes.length > e.targetIndex) expect(pos.get(e.source)!).toBeLessThan(pos.get(e.target)!);
        }
        // Totals are the sums over nodes with a shape.
        const withShape = Object.values(a.nodes).filter((x) => x.outputShape);
        shaped += withShape.length;
        expect(a.totals.params).toBe(withShape.reduce((s, x) => s + x.paramCount, 0));
        expect(a.totals.trainable + a.totals.nonTrainable).toBe(a.totals.params);
        for (const x of withShape) {
          expect(x.outputShape!.every((d) => Number.isInteger(d) && d > 0)).toBe(true);
          if (x.frozen) expect(x.trainable).toBe(0);
        }
        // Nodes without a shape say why.
        for (const x of Object.values(a.nodes)) if (!x.outputShape) expect(x.issues.some((i) => i.severity === 'error')).toBe(true);
        // Errors before warnings, root causes before E015.
        const rank = a.issues.map((i) => (i.severity === 'warning' ? 2 : i.code === 'E015' ? 1 : 0));
        expect(rank).toEqual([...rank].sort((p, q) => p - q));
        expect(JSON.parse(JSON.stringify(a))).toEqual(a);
      }),
      { numRuns: 300, seed: 7 },
    );
    expect(shaped).toBeGreaterThan(300); // the invariants were checked on real shapes too
  });
});
