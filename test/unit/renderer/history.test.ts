import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { emptyDoc, type GraphDoc } from '../../../engine/graph/doc';
import { applyPatch, composePatches, diffDocs, History, invertPatch, isEmptyPatch } from '../../../renderer/state/history';
import { addNodes, connect, makeNode, moveNodes, removeElements, renameDoc, setParam } from '../../../renderer/state/doc-ops';

/** Input → Conv2D → Dense, built with the doc operations the editor uses. */
function smallNet(): GraphDoc {
  let d = emptyDoc('net');
  const i = makeNode(d, 'input', { x: 0, y: 0 });
  d = addNodes(d, [i]);
  const c = makeNode(d, 'conv2d', { x: 0, y: 100 });
  d = addNodes(d, [c]);
  const f = makeNode(d, 'dense', { x: 0, y: 200 });
  d = addNodes(d, [f]);
  d = connect(d, i.id, c.id, 0);
  return connect(d, c.id, f.id, 0);
}

/** Documents compared as data (identity differs after patches). */
const same = (a: GraphDoc, b: GraphDoc) => expect(JSON.parse(JSON.stringify(a))).toEqual(JSON.parse(JSON.stringify(b)));

describe('doc patches', () => {
  it('diff of a document with itself is empty', () => {
    const d = smallNet();
    expect(isEmptyPatch(diffDocs(d, d))).toBe(true);
  });

  it('applying the diff turns a into b, its inverse turns b back into a', () => {
    const a = smallNet();
    const b = setParam(removeElements(a, ['dense_1']), 'conv2d_1', 'filters', 64);
    const p = diffDocs(a, b);
    same(applyPatch(a, p), b);
    same(applyPatch(b, invertPatch(p)), a);
  });

  it('undoing a delete puts nodes and edges back in their original order', () => {
    const a = smallNet();
    const b = removeElements(a, ['conv2d_1']);
    expect(b.nodes.map((n) => n.id)).toEqual(['input_1', 'dense_1']);
    expect(b.edges).toEqual([]);
    const back = applyPatch(b, invertPatch(diffDocs(a, b)));
    expect(back.nodes.map((n) => n.id)).toEqual(['input_1', 'conv2d_1', 'dense_1']);
    expect(back.edges.map((e) => e.id)).toEqual(a.edges.map((e) => e.id));
  });

  it('composes consecutive patches; a record that returns to its start drops out', () => {
    const a = smallNet();
    const b = moveNodes(a, new Map([['input_1', { x: 10, y: 0 }]]));
    const c = moveNodes(b, new Map([['input_1', { x: 0, y: 0 }], ['dense_1', { x: 5, y: 5 }]]));
    const p = composePatches(diffDocs(a, b), diffDocs(b, c));
    expect(Object.keys(p.nodes).sort()).toEqual(['dense_1', 'input_1']);
    same(applyPatch(a, p), c);
  });

  it('round-trips top-level fields (name)', () => {
    const a = smallNet();
    const b = renameDoc(a, 'renamed');
    const p = diffDocs(a, b);
    expect(p.fields.name).toEqual(['net', 'renamed']);
    expect(applyPatch(b, invertPatch(p)).name).toBe('net');
  });

  it('property: for random edit sequences, undo all restores the start and redo all the end', () => {
    const edit = fc.oneof(
      fc.record({ k: fc.constant('add' as const), type: fc.constantFrom('conv2d', 'dense', 'add'), x: fc.integer({ min: 0, max: 500 }) }),
      fc.record({ k: fc.constant('param' as const), v: fc.integer({ min: 1, max: 512 }), i: fc.nat() }),
      fc.record({ k: fc.constant('del' as const), i: fc.nat() }),
      fc.record({ k: fc.constant('link' as const), i: fc.nat(), j: fc.nat() }),
      fc.record({ k: fc.constant('move' as const), i: fc.nat(), x: fc.integer({ min: -300, max: 300 }) }),
    );
    fc.assert(
      fc.property(fc.array(edit, { maxLength: 25 }), (edits) => {
        const h = new History();
        const start = smallNet();
        let d = start;
        let steps = 0;
        for (const e of edits) {
          let next = d;
          const pick = (i: number) => d.nodes[i % Math.max(1, d.nodes.length)];
          if (e.k === 'add') next = addNodes(d, [makeNode(d, e.type, { x: e.x, y: 0 })]);
          else if (e.k === 'param' && d.nodes.length) next = setParam(d, pick(e.i).id, 'filters', e.v);
          else if (e.k === 'del' && d.nodes.length) next = removeElements(d, [pick(e.i).id]);
          else if (e.k === 'link' && d.nodes.length > 1) next = connect(d, pick(e.i).id, pick(e.j).id, 0);
          else if (e.k === 'move' && d.nodes.length) next = moveNodes(d, new Map([[pick(e.i).id, { x: e.x, y: e.x }]]));
          if (next !== d && !isEmptyPatch(diffDocs(d, next))) steps++;
          h.record(d, next, 'immediately');
          d = next;
        }
        const end = d;
        for (let i = 0; i < steps; i++) d = h.undo(d)!;
        expect(h.undo(d)).toBeNull();
        same(d, start);
        for (let i = 0; i < steps; i++) d = h.redo(d)!;
        expect(h.redo(d)).toBeNull();
        same(d, end);
      }),
      { numRuns: 150 },
    );
  });
});

describe('History capture modes', () => {
  it("'immediately' makes one step per change", () => {
    const h = new History();
    const a = smallNet();
    const b = setParam(a, 'conv2d_1', 'filters', 8);
    const c = setParam(b, 'conv2d_1', 'filters', 16);
    h.record(a, b, 'immediately', 'Change parameter');
    h.record(b, c, 'immediately', 'Change parameter');
    const u1 = h.undo(c)!;
    expect(u1.nodes[1].params.filters).toBe(8);
    expect(h.undo(u1)!.nodes[1].params.filters).toBe(32);
  });

  it("'eventually' merges a drag's ticks into one step, closed by commit()", () => {
    const h = new History();
    const a = smallNet();
    let d = a;
    for (let x = 1; x <= 20; x++) {
      const next = moveNodes(d, new Map([['conv2d_1', { x, y: 100 }]]));
      h.record(d, next, 'eventually', 'Move');
      d = next;
    }
    h.commit();
    expect(h.undoLabel).toBe('Move');
    const back = h.undo(d)!;
    expect(back.nodes[1].position).toEqual({ x: 0, y: 100 });
    expect(h.canUndo).toBe(false);
    expect(h.redo(back)!.nodes[1].position).toEqual({ x: 20, y: 100 });
  });

  it("undo during a pending 'eventually' step closes it first", () => {
    const h = new History();
    const a = smallNet();
    const b = moveNodes(a, new Map([['input_1', { x: 50, y: 0 }]]));
    h.record(a, b, 'eventually');
    expect(h.canUndo).toBe(true);
    expect(h.canRedo).toBe(false);
    same(h.undo(b)!, a);
  });

  it("'never' is not recorded", () => {
    const h = new History();
    const a = smallNet();
    h.record(a, renameDoc(a, 'x'), 'never');
    expect(h.canUndo).toBe(false);
    expect(h.undo(a)).toBeNull();
  });

  it('a new edit after undo clears redo', () => {
    const h = new History();
    const a = smallNet();
    const b = setParam(a, 'dense_1', 'units', 10);
    h.record(a, b, 'immediately');
    const u = h.undo(b)!;
    expect(h.canRedo).toBe(true);
    h.record(u, setParam(u, 'dense_1', 'units', 3), 'immediately');
    expect(h.canRedo).toBe(false);
  });

  it('keeps at most `limit` steps', () => {
    const h = new History(3);
    let d = smallNet();
    for (let i = 1; i <= 5; i++) {
      const n = setParam(d, 'dense_1', 'units', i);
      h.record(d, n, 'immediately');
      d = n;
    }
    let undone = 0;
    for (let u = h.undo(d); u; u = h.undo(d)) {
      d = u;
      undone++;
    }
    expect(undone).toBe(3);
    expect(d.nodes[2].params.units).toBe(2);
  });
});
