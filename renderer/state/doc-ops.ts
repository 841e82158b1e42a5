/**
 * Pure edits of a graph document. Each returns a new document and never
 * mutates its argument: unchanged nodes and edges keep their identity, which
 * is what history diffs and React Flow's memoisation rely on.
 */
import type { GraphDoc, GraphEdge, GraphNode } from '../../engine/graph/doc';
import { defaultParams, getLayerDef } from '../../engine/layers';

/** A position on the canvas, in flow coordinates. */
export interface XY {
  x: number;
  y: number;
}

/** A fresh id like `conv2d_3` that no node in `taken` uses. */
export function freshNodeId(type: string, taken: ReadonlySet<string>): string {
  for (let k = 1; ; k++) {
    const id = `${type}_${k}`;
    if (!taken.has(id)) return id;
  }
}

export function edgeId(source: string, target: string, targetIndex: number): string {
  return `${source}->${target}:${targetIndex}`;
}

/** A node of `type` at `position` with the layer's default parameters. */
export function makeNode(doc: GraphDoc, type: string, position: XY, params?: Record<string, unknown>): GraphNode {
  const def = getLayerDef(type);
  const id = freshNodeId(type, new Set(doc.nodes.map((n) => n.id)));
  return { id, type, params: params ?? (def ? defaultParams(def) : {}), position: { x: Math.round(position.x), y: Math.round(position.y) } };
}

export function addNodes(doc: GraphDoc, nodes: GraphNode[], edges: GraphEdge[] = []): GraphDoc {
  if (!nodes.length && !edges.length) return doc;
  return { ...doc, nodes: [...doc.nodes, ...nodes], edges: [...doc.edges, ...edges] };
}

/**
 * Remove nodes (and every edge touching them) and edges. Inputs of a merge
 * layer that lose an edge are renumbered 0..n−1 in their old order, so a
 * Concatenate keeps its remaining inputs in order with no gap.
 */
export function removeElements(doc: GraphDoc, nodeIds: Iterable<string>, edgeIds: Iterable<string> = []): GraphDoc {
  const dropN = new Set(nodeIds);
  const dropE = new Set(edgeIds);
  const nodes = dropN.size ? doc.nodes.filter((n) => !dropN.has(n.id)) : doc.nodes;
  const kept = doc.edges.filter((e) => !dropE.has(e.id) && !dropN.has(e.source) && !dropN.has(e.target));
  if (nodes.length === doc.nodes.length && kept.length === doc.edges.length) return doc;
  const touched = new Set(doc.edges.filter((e) => !kept.includes(e)).map((e) => e.target));
  return { ...doc, nodes, edges: compactInputs(kept, touched) };
}

/** Renumber the input slots of `targets` to 0..n−1, keeping their order. */
export function compactInputs(edges: GraphEdge[], targets: ReadonlySet<string>): GraphEdge[] {
  if (!targets.size) return edges;
  const byTarget = new Map<string, GraphEdge[]>();
  for (const e of edges) if (targets.has(e.target)) byTarget.set(e.target, [...(byTarget.get(e.target) ?? []), e]);
  const renumber = new Map<GraphEdge, number>();
  for (const list of byTarget.values()) {
    list.sort((a, b) => a.targetIndex - b.targetIndex);
    list.forEach((e, i) => renumber.set(e, i));
  }
  return edges.map((e) => {
    const i = renumber.get(e);
    return i === undefined || i === e.targetIndex ? e : { ...e, targetIndex: i, id: edgeId(e.source, e.target, i) };
  });
}

/**
 * Connect `source` to input slot `targetIndex` of `target`. A single-input
 * layer's existing input edge is replaced (as dropping a new wire on an
 * occupied socket does in most node editors).
 */
export function connect(doc: GraphDoc, source: string, target: string, targetIndex: number): GraphDoc {
  const def = getLayerDef(doc.nodes.find((n) => n.id === target)?.type ?? '');
  const single = !def || def.inputs.max <= 1;
  const edges = doc.edges.filter((e) => !(e.target === target && (single || e.targetIndex === targetIndex)));
  const slot = single ? 0 : targetIndex;
  return { ...doc, edges: [...edges, { id: edgeId(source, target, slot), source, target, targetIndex: slot }] };
}

function updateNode(doc: GraphDoc, id: string, f: (n: GraphNode) => GraphNode): GraphDoc {
  let changed = false;
  const nodes = doc.nodes.map((n) => {
    if (n.id !== id) return n;
    const m = f(n);
    if (m !== n) changed = true;
    return m;
  });
  return changed ? { ...doc, nodes } : doc;
}

export function setParam(doc: GraphDoc, id: string, key: string, value: unknown): GraphDoc {
  return updateNode(doc, id, (n) => (Object.is(n.params[key], value) ? n : { ...n, params: { ...n.params, [key]: value } }));
}

/** Rename a node; an empty name removes it (the analysis derives one). */
export function setName(doc: GraphDoc, id: string, name: string): GraphDoc {
  const trimmed = name.trim();
  return updateNode(doc, id, (n) => {
    if ((n.name ?? '') === trimmed) return n;
    const { name: _old, ...rest } = n;
    return trimmed ? { ...rest, name: trimmed } : rest;
  });
}

export function setFrozen(doc: GraphDoc, ids: readonly string[], frozen: boolean): GraphDoc {
  const set = new Set(ids);
  let changed = false;
  const nodes = doc.nodes.map((n) => {
    if (!set.has(n.id) || !!n.frozen === frozen) return n;
    changed = true;
    const { frozen: _f, ...rest } = n;
    return frozen ? { ...rest, frozen: true } : rest;
  });
  return changed ? { ...doc, nodes } : doc;
}

/** Move nodes to new positions (rounded to whole pixels). */
export function moveNodes(doc: GraphDoc, positions: ReadonlyMap<string, XY>): GraphDoc {
  if (!positions.size) return doc;
  let changed = false;
  const nodes = doc.nodes.map((n) => {
    const p = positions.get(n.id);
    if (!p) return n;
    const x = Math.round(p.x);
    const y = Math.round(p.y);
    if (x === n.position.x && y === n.position.y) return n;
    changed = true;
    return { ...n, position: { x, y } };
  });
  return changed ? { ...doc, nodes } : doc;
}

export function renameDoc(doc: GraphDoc, name: string): GraphDoc {
  return doc.name === name ? doc : { ...doc, name };
}

/** What the clipboard holds: nodes and the edges between them. */
export interface ClipboardData {
  kind: 'cnn-designer.clipboard';
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export function copyElements(doc: GraphDoc, nodeIds: readonly string[]): ClipboardData | null {
  const set = new Set(nodeIds);
  const nodes = doc.nodes.filter((n) => set.has(n.id));
  if (!nodes.length) return null;
  const edges = doc.edges.filter((e) => set.has(e.source) && set.has(e.target));
  return structuredClone({ kind: 'cnn-designer.clipboard', nodes, edges });
}

/**
 * Paste clipboard nodes with fresh ids (and no names, which must stay unique),
 * shifted by `offset`. Returns the new document and the new node ids.
 */
export function pasteElements(doc: GraphDoc, clip: ClipboardData, offset: XY): { doc: GraphDoc; ids: string[] } {
  const taken = new Set(doc.nodes.map((n) => n.id));
  const idMap = new Map<string, string>();
  const nodes: GraphNode[] = clip.nodes.map((n) => {
    const id = freshNodeId(n.type, taken);
    taken.add(id);
    idMap.set(n.id, id);
    const { name: _name, ...rest } = structuredClone(n);
    return { ...rest, id, position: { x: Math.round(n.position.x + offset.x), y: Math.round(n.position.y + offset.y) } };
  });
  const edges: GraphEdge[] = clip.edges.flatMap((e) => {
    const s = idMap.get(e.source);
    const t = idMap.get(e.target);
    return s && t ? [{ id: edgeId(s, t, e.targetIndex), source: s, target: t, targetIndex: e.targetIndex }] : [];
  });
  return { doc: addNodes(doc, nodes, edges), ids: nodes.map((n) => n.id) };
}

/** Whether `to` can be reached from `from` along edges (to refuse a connection that makes a cycle). */
export function reaches(doc: Pick<GraphDoc, 'edges'>, from: string, to: string): boolean {
  if (from === to) return true;
  const out = new Map<string, string[]>();
  for (const e of doc.edges) out.set(e.source, [...(out.get(e.source) ?? []), e.target]);
  const seen = new Set<string>([from]);
  const stack = [from];
  while (stack.length) {
    const n = stack.pop()!;
    for (const m of out.get(n) ?? []) {
      if (m === to) return true;
      if (!seen.has(m)) {
        seen.add(m);
        stack.push(m);
      }
    }
  }
  return false;
}
