/**
 * The editor's commands against the real stores and analysis (no DOM): every
 * edit is one undo step, selection and moves behave as in the canvas, and
 * connections are refused for the reasons the user is told.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { emptyDoc, type GraphDoc } from '../../../engine/graph/doc';
import { runCommand } from '../../../renderer/commands/registry';
import { resetClipboard } from '../../../renderer/commands/clipboard';
import { checkConnection } from '../../../renderer/canvas/connection-rules';
import { handleCount } from '../../../renderer/canvas/handles';
import { useAnalysisStore } from '../../../renderer/state/analysis-store';
import { history, selectedNodeIds, syncNodes, useGraphStore } from '../../../renderer/state/graph-store';
import { keyOf, commandForKey } from '../../../renderer/commands/registry';

const g = () => useGraphStore.getState();
const a = () => useAnalysisStore.getState();

async function add(type: string, y: number, params?: Record<string, unknown>): Promise<string> {
  await runCommand('add-layer', { type, position: { x: 0, y }, params });
  return selectedNodeIds(g())[0];
}

async function chain(): Promise<string[]> {
  const i = await add('input', 0, { shape: [32, 32, 3] });
  const c = await add('conv2d', 100, { filters: 16, kernel: [3, 3], stride: [1, 1], padding: 'same', dilation: [1, 1], useBias: true, activation: 'relu' });
  const p = await add('max-pool2d', 200);
  await runCommand('connect', { source: i, target: c, targetIndex: 0 });
  await runCommand('connect', { source: c, target: p, targetIndex: 0 });
  return [i, c, p];
}

beforeEach(() => {
  g().load(emptyDoc('t'), null);
  resetClipboard();
});

describe('commands', () => {
  it('add, connect and set-param update the live analysis (Keras formula: (3·3·3+1)·16 = 448)', async () => {
    const [, c] = await chain();
    expect(a().analysis.nodes[c].outputShape).toEqual([32, 32, 16]);
    expect(a().analysis.nodes[c].paramCount).toBe(448);
    await runCommand('set-param', { id: c, key: 'filters', value: 8 });
    expect(a().analysis.nodes[c].paramCount).toBe(224);
    expect(a().views[c].shape).toBe('32×32×8');
  });

  it('every edit is one undo step; undo everything gives the empty document back', async () => {
    await chain();
    const steps = 5; // 3 adds + 2 connects
    for (let k = 0; k < steps; k++) runCommand('undo');
    expect(g().doc.nodes).toEqual([]);
    expect(history.canUndo).toBe(false);
    for (let k = 0; k < steps; k++) runCommand('redo');
    expect(g().doc.nodes).toHaveLength(3);
    expect(g().doc.edges).toHaveLength(2);
  });

  it('live parameter typing is one step, closed when the field is left', async () => {
    const [, c] = await chain();
    for (const v of [1, 12, 128]) await runCommand('set-param', { id: c, key: 'filters', value: v, live: true });
    g().closeStep();
    runCommand('undo');
    expect(g().doc.nodes.find((n) => n.id === c)!.params.filters).toBe(16);
  });

  it('delete removes the selection and its edges in one step; undo restores both', async () => {
    const [i, c, p] = await chain();
    g().select([c]);
    await runCommand('delete-selection');
    expect(g().doc.nodes.map((n) => n.id)).toEqual([i, p]);
    expect(g().doc.edges).toEqual([]);
    expect(a().views[p].severity).toBe('error'); // now unconnected
    runCommand('undo');
    expect(g().doc.nodes.map((n) => n.id)).toEqual([i, c, p]);
    expect(g().doc.edges).toHaveLength(2);
  });

  it('copy/paste duplicates nodes and the edges between them, with new ids, selected', async () => {
    const [, c, p] = await chain();
    g().select([c, p]);
    await runCommand('copy');
    await runCommand('paste');
    const sel = selectedNodeIds(g());
    expect(sel).toHaveLength(2);
    expect(sel).not.toContain(c);
    expect(g().doc.edges.filter((e) => sel.includes(e.source) && sel.includes(e.target))).toHaveLength(1);
    expect(g().doc.nodes).toHaveLength(5);
    runCommand('undo');
    expect(g().doc.nodes).toHaveLength(3);
  });

  it('select-all selects every node; selection never enters history', async () => {
    await chain();
    const before = history.undoLabel;
    runCommand('select-all');
    expect(selectedNodeIds(g())).toHaveLength(3);
    expect(history.undoLabel).toBe(before);
  });

  it('a drag is one undo step however many ticks it has', async () => {
    const [i] = await chain();
    for (let x = 1; x <= 30; x++) g().onNodesChange([{ type: 'position', id: i, position: { x, y: 0 }, dragging: true }]);
    g().onNodesChange([{ type: 'position', id: i, position: { x: 31, y: 0 }, dragging: false }]);
    expect(g().doc.nodes[0].position).toEqual({ x: 31, y: 0 });
    runCommand('undo');
    expect(g().doc.nodes[0].position).toEqual({ x: 0, y: 0 });
  });

  it('moves do not re-run the analysis (positions cannot change shapes)', async () => {
    const [i] = await chain();
    const before = a().analysis;
    g().onNodesChange([{ type: 'position', id: i, position: { x: 5, y: 5 }, dragging: false }]);
    expect(a().analysis).toBe(before);
  });

  it('unchanged nodes keep their identity across an edit (one node re-renders, not all)', async () => {
    const [i, c, p] = await chain();
    const before = g().nodes;
    const viewsBefore = a().views;
    await runCommand('rename-node', { id: p, name: 'pool_a' });
    const after = g().nodes;
    expect(after.find((n) => n.id === i)).toBe(before.find((n) => n.id === i));
    expect(after.find((n) => n.id === c)).toBe(before.find((n) => n.id === c));
    expect(after.find((n) => n.id === p)).not.toBe(before.find((n) => n.id === p));
    expect(a().views[c]).toBe(viewsBefore[c]);
  });

  it('deleting an input of a Concatenate renumbers the remaining slots in order', async () => {
    const i = await add('input', 0, { shape: [8, 8, 3] });
    const x = await add('conv2d', 100);
    const y = await add('conv2d', 100);
    const z = await add('conv2d', 100);
    const cat = await add('concatenate', 200);
    for (const n of [x, y, z]) await runCommand('connect', { source: i, target: n, targetIndex: 0 });
    await runCommand('connect', { source: x, target: cat, targetIndex: 0 });
    await runCommand('connect', { source: y, target: cat, targetIndex: 1 });
    await runCommand('connect', { source: z, target: cat, targetIndex: 2 });
    expect(a().slots[cat]).toBe(3);
    g().select([y]);
    await runCommand('delete-selection');
    const ins = g().doc.edges.filter((e) => e.target === cat).sort((p, q) => p.targetIndex - q.targetIndex);
    expect(ins.map((e) => [e.source, e.targetIndex])).toEqual([[x, 0], [z, 1]]);
  });
});

describe('connection rules', () => {
  function doc(): GraphDoc {
    return g().doc;
  }
  it('refuses self-loops, cycles, an Input as target, and duplicates, saying why', async () => {
    const [i, c, p] = await chain();
    const an = a().analysis;
    expect(checkConnection(doc(), an, { source: c, target: c })).toEqual({ ok: false, reason: expect.stringMatching(/itself/) });
    expect(checkConnection(doc(), an, { source: p, target: i, targetHandle: 'in-0' })).toEqual({ ok: false, reason: expect.stringMatching(/takes no input/) });
    expect(checkConnection(doc(), an, { source: p, target: c, targetHandle: 'in-0' })).toEqual({ ok: false, reason: expect.stringMatching(/loop/) });
    expect(checkConnection(doc(), an, { source: i, target: c, targetHandle: 'in-0' }).ok).toBe(false);
  });

  it("refuses an Add of two shapes that can never match, with the layer's own message", async () => {
    const [i, c, p] = await chain();
    const add2 = await add('add', 300);
    await runCommand('connect', { source: c, target: add2, targetIndex: 0 });
    const v = checkConnection(doc(), a().analysis, { source: p, target: add2, targetHandle: 'in-1' });
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.reason).toMatch(/32×32×16.*16×16×16/);
    // The same shape is accepted on the free slot (even the same tensor twice: x + x).
    expect(checkConnection(doc(), a().analysis, { source: c, target: add2, targetHandle: 'in-1' })).toEqual({ ok: true, targetIndex: 1 });
    const d = await add('conv2d', 100, { filters: 16 });
    await runCommand('connect', { source: i, target: d, targetIndex: 0 });
    expect(checkConnection(doc(), a().analysis, { source: d, target: add2, targetHandle: 'in-1' })).toEqual({ ok: true, targetIndex: 1 });
  });

  it('refuses a Conv2D after a Dense (not an image), allows a kernel that a parameter change can fix', async () => {
    const i = await add('input', 0, { shape: [8, 8, 3] });
    const f = await add('flatten', 100);
    const c = await add('conv2d', 200, { kernel: [9, 9], padding: 'valid' });
    await runCommand('connect', { source: i, target: f, targetIndex: 0 });
    expect(checkConnection(doc(), a().analysis, { source: f, target: c, targetHandle: 'in-0' }).ok).toBe(false);
    expect(checkConnection(doc(), a().analysis, { source: i, target: c, targetHandle: 'in-0' }).ok).toBe(true);
  });

  it('merge layers show one handle per connected input plus a free one', () => {
    expect(handleCount(64, 0)).toBe(2);
    expect(handleCount(64, 2)).toBe(3);
    expect(handleCount(2, 2)).toBe(2);
    expect(handleCount(1, 1)).toBe(1);
    expect(handleCount(0, 0)).toBe(0);
  });
});

describe('keyboard', () => {
  it('maps keys to commands', () => {
    const k = (key: string, mods: Partial<KeyboardEvent> = {}) => commandForKey(keyOf({ key, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...mods }))?.id;
    expect(k('z', { ctrlKey: true })).toBe('undo');
    expect(k('Z', { ctrlKey: true, shiftKey: true })).toBe('redo');
    expect(k('y', { ctrlKey: true })).toBe('redo');
    expect(k('c', { metaKey: true })).toBe('copy');
    expect(k('v', { ctrlKey: true })).toBe('paste');
    expect(k('Delete')).toBe('delete-selection');
    expect(k('s', { ctrlKey: true })).toBe('save');
    expect(k('o', { ctrlKey: true })).toBe('open');
    expect(k('a', { ctrlKey: true })).toBe('select-all');
    expect(k('l')).toBe('auto-layout');
    expect(k('f')).toBe('fit-view');
  });
});

describe('node sync', () => {
  it('new nodes start with a guessed size and handles, so the canvas can cull them before measuring', () => {
    const d: GraphDoc = { ...emptyDoc(), nodes: [{ id: 'a', type: 'add', params: {}, position: { x: 0, y: 0 } }], edges: [] };
    const [n] = syncNodes(d, []);
    expect(n.measured).toEqual({ width: 220, height: 62 });
    expect(n.handles?.filter((h) => h.type === 'target')).toHaveLength(2);
  });
});
