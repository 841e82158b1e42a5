/**
 * The document store: the graph document being edited, the React Flow view of
 * it (nodes/edges with selection and measured sizes), the undo history and
 * the file it belongs to.
 *
 * The document is the truth. React Flow nodes are derived from it and carry
 * only what the user chose (type, params, name, frozen); shapes and counts
 * come from the analysis store, so they can never go stale.
 */
import { applyEdgeChanges, applyNodeChanges, Position, type Edge, type EdgeChange, type Node, type NodeChange } from '@xyflow/react';
import { create } from 'zustand';
import { emptyDoc, type GraphDoc, type GraphNode } from '../../engine/graph/doc';
import { History, type Capture } from './history';
import { moveNodes, type XY } from './doc-ops';
import { getLayerDef } from '../../engine/layers';
import { handleCount } from '../canvas/handles';

/** What a layer node carries: only the user's choices. */
export type LayerNodeData = {
  type: string;
  params: Record<string, unknown>;
  name?: string;
  frozen?: boolean;
};
export type LayerFlowNode = Node<LayerNodeData, 'layer'>;
export type ShapeFlowEdge = Edge<Record<string, never>, 'shape'>;

export interface GraphState {
  doc: GraphDoc;
  nodes: LayerFlowNode[];
  edges: ShapeFlowEdge[];
  /** Path of the file the document was opened from / saved to; null if never saved. */
  filePath: string | null;
  /** The document as last saved or opened, to tell whether there are unsaved changes. */
  savedDoc: GraphDoc;
  /** Bumped whenever history changes, so undo/redo buttons re-render. */
  historyTick: number;
  /** Replace the document with an edited one, recording it in history. */
  commit(next: GraphDoc, capture: Capture, label: string, select?: readonly string[]): void;
  /** Close a pending 'eventually' step (end of a drag). */
  closeStep(): void;
  onNodesChange(changes: NodeChange<LayerFlowNode>[]): void;
  onEdgesChange(changes: EdgeChange<ShapeFlowEdge>[]): void;
  /** Select exactly these nodes (and edges); never enters history. */
  select(nodeIds: readonly string[], edgeIds?: readonly string[]): void;
  undo(): void;
  redo(): void;
  /** Start over with a document (new, open, template): clears history. */
  load(doc: GraphDoc, filePath: string | null, opts?: { dirty?: boolean }): void;
  /** Mark the current document as saved at `filePath`. */
  markSaved(filePath: string, doc?: GraphDoc): void;
}

/**
 * Size of a layer node before the browser has measured it (px). With this
 * size and the handle positions below, React Flow can cull nodes outside the
 * view from the very first render, instead of rendering all of them once to
 * measure them: that is what keeps opening ResNet-152 fast.
 */
export const NODE_W = 220;
export const NODE_H = 62;
const HANDLE = 12;

/** Handle boxes of an unmeasured node, as LayerNode will draw them. */
export function guessHandles(id: string, type: string, slots: number): NonNullable<LayerFlowNode['handles']> {
  const def = getLayerDef(type);
  const n = handleCount(def?.inputs.max ?? 1, slots);
  const hs: NonNullable<LayerFlowNode['handles']> = [];
  for (let i = 0; i < n; i++) {
    const cx = n > 1 ? ((i + 1) / (n + 1)) * NODE_W : NODE_W / 2;
    hs.push({ id: `in-${i}`, type: 'target', position: Position.Top, x: cx - HANDLE / 2, y: -HANDLE / 2, width: HANDLE, height: HANDLE });
  }
  if (type !== 'output') hs.push({ id: 'out', type: 'source', position: Position.Bottom, x: NODE_W / 2 - HANDLE / 2, y: NODE_H - HANDLE / 2, width: HANDLE, height: HANDLE });
  return hs;
}

/** The one history instance; exported for tests and the undo buttons' labels. */
export const history = new History();

function nodeFromDoc(n: GraphNode, prev: LayerFlowNode | undefined, selected: boolean | undefined, slots: () => Map<string, number>): LayerFlowNode {
  if (
    prev &&
    prev.data.type === n.type &&
    prev.data.params === n.params &&
    prev.data.name === n.name &&
    prev.data.frozen === n.frozen &&
    prev.position.x === n.position.x &&
    prev.position.y === n.position.y &&
    (selected === undefined || !!prev.selected === selected) &&
    (!prev.handles || prev.handles.length === guessHandles(n.id, n.type, slots().get(n.id) ?? 0).length)
  )
    return prev;
  const data: LayerNodeData = { type: n.type, params: n.params };
  if (n.name !== undefined) data.name = n.name;
  if (n.frozen !== undefined) data.frozen = n.frozen;
  const sameData = prev && prev.data.type === n.type && prev.data.params === n.params && prev.data.name === n.name && prev.data.frozen === n.frozen;
  // Never measured by the browser: keep the guessed size, with handles for the current number of inputs.
  const guess = !prev || prev.handles ? { measured: { width: NODE_W, height: NODE_H }, handles: guessHandles(n.id, n.type, slots().get(n.id) ?? 0) } : {};
  return {
    ...(prev ?? {}),
    ...guess,
    id: n.id,
    type: 'layer',
    position: prev && prev.position.x === n.position.x && prev.position.y === n.position.y ? prev.position : { ...n.position },
    data: sameData ? prev.data : data,
    selected: selected ?? prev?.selected ?? false,
  };
}

/**
 * React Flow nodes for a document, reusing the previous node objects that
 * did not change (so a parameter edit re-renders one node, not all of them).
 */
export function syncNodes(doc: GraphDoc, prev: readonly LayerFlowNode[], select?: readonly string[]): LayerFlowNode[] {
  const byId = new Map(prev.map((n) => [n.id, n]));
  const sel = select ? new Set(select) : null;
  let slotMap: Map<string, number> | null = null;
  const slots = () => {
    if (!slotMap) {
      slotMap = new Map();
      for (const e of doc.edges) slotMap.set(e.target, Math.max(slotMap.get(e.target) ?? 0, e.targetIndex + 1));
    }
    return slotMap;
  };
  return doc.nodes.map((n) => nodeFromDoc(n, byId.get(n.id), sel ? sel.has(n.id) : undefined, slots));
}

export function syncEdges(doc: GraphDoc, prev: readonly ShapeFlowEdge[], clearSelection = false): ShapeFlowEdge[] {
  const byId = new Map(prev.map((e) => [e.id, e]));
  return doc.edges.map((e) => {
    const p = byId.get(e.id);
    if (p && p.source === e.source && p.target === e.target && p.targetHandle === `in-${e.targetIndex}` && !(clearSelection && p.selected)) return p;
    return { id: e.id, source: e.source, target: e.target, sourceHandle: 'out', targetHandle: `in-${e.targetIndex}`, type: 'shape', selected: clearSelection ? false : (p?.selected ?? false) };
  });
}

export const useGraphStore = create<GraphState>()((set, get) => {
  const initial = emptyDoc();
  return {
    doc: initial,
    nodes: [],
    edges: [],
    filePath: null,
    savedDoc: initial,
    historyTick: 0,

    commit(next, capture, label, select) {
      const { doc, nodes, edges, historyTick } = get();
      if (next === doc && !select) return;
      history.record(doc, next, capture, label);
      set({
        doc: next,
        nodes: next === doc && !select ? nodes : syncNodes(next, nodes, select),
        edges: next.edges === doc.edges && !select ? edges : syncEdges(next, edges, !!select),
        historyTick: historyTick + 1,
      });
    },

    closeStep() {
      history.commit();
      set({ historyTick: get().historyTick + 1 });
    },

    onNodesChange(changes) {
      const { nodes, doc } = get();
      // Removal goes through the delete command (one undo step with its edges),
      // so React Flow's own remove changes are ignored here.
      const kept = changes.filter((c) => c.type !== 'remove' && c.type !== 'add' && c.type !== 'replace');
      if (!kept.length) return;
      let nextNodes = applyNodeChanges(kept, nodes);
      // Measured by the browser: from now on React Flow reads the handles from the DOM.
      const measured = new Set<string>();
      for (const c of kept) if (c.type === 'dimensions') measured.add(c.id);
      if (measured.size) nextNodes = nextNodes.map((n) => (measured.has(n.id) && n.handles ? { ...n, handles: undefined } : n));
      const moved = new Map<string, XY>();
      let dragEnded = false;
      for (const c of kept)
        if (c.type === 'position') {
          if (c.position) moved.set(c.id, c.position);
          if (c.dragging === false) dragEnded = true;
        }
      if (moved.size) {
        const next = moveNodes(doc, moved);
        // Each drag tick merges into one pending step, closed when the drag ends.
        history.record(doc, next, 'eventually', 'Move');
        if (dragEnded) history.commit();
        set({ nodes: nextNodes, doc: next, historyTick: get().historyTick + 1 });
      } else {
        if (dragEnded) history.commit();
        set({ nodes: nextNodes });
      }
    },

    onEdgesChange(changes) {
      const kept = changes.filter((c) => c.type === 'select');
      if (kept.length) set({ edges: applyEdgeChanges(kept, get().edges) });
    },

    select(nodeIds, edgeIds = []) {
      const ns = new Set(nodeIds);
      const es = new Set(edgeIds);
      set({
        nodes: get().nodes.map((n) => (!!n.selected === ns.has(n.id) ? n : { ...n, selected: ns.has(n.id) })),
        edges: get().edges.map((e) => (!!e.selected === es.has(e.id) ? e : { ...e, selected: es.has(e.id) })),
      });
    },

    undo() {
      const { doc, nodes, edges } = get();
      const next = history.undo(doc);
      if (next) set({ doc: next, nodes: syncNodes(next, nodes), edges: syncEdges(next, edges), historyTick: get().historyTick + 1 });
    },

    redo() {
      const { doc, nodes, edges } = get();
      const next = history.redo(doc);
      if (next) set({ doc: next, nodes: syncNodes(next, nodes), edges: syncEdges(next, edges), historyTick: get().historyTick + 1 });
    },

    load(doc, filePath, opts) {
      history.clear();
      set({
        doc,
        nodes: syncNodes(doc, [], []),
        edges: syncEdges(doc, [], true),
        filePath,
        savedDoc: opts?.dirty ? emptyDoc() : doc,
        historyTick: get().historyTick + 1,
      });
    },

    markSaved(filePath, doc) {
      set({ filePath, savedDoc: doc ?? get().doc });
    },
  };
});

/** Ids of the selected nodes, in document order. */
export function selectedNodeIds(s: Pick<GraphState, 'nodes'>): string[] {
  const out: string[] = [];
  for (const n of s.nodes) if (n.selected) out.push(n.id);
  return out;
}

export function selectedEdgeIds(s: Pick<GraphState, 'edges'>): string[] {
  const out: string[] = [];
  for (const e of s.edges) if (e.selected) out.push(e.id);
  return out;
}

export const isDirty = (s: Pick<GraphState, 'doc' | 'savedDoc'>) => s.doc !== s.savedDoc;
