/**
 * Undo/redo of document edits, stored as patches (tldraw's HistoryManager,
 * excalidraw's captureUpdate): each entry holds, for every node and edge that
 * changed, its value before and after, so undo applies the "before" side and
 * redo the "after" side. Only document changes are recorded; selection and
 * viewport never enter history.
 *
 * Capture modes (see {@link Capture}):
 * - `immediately`: the change is one undo step of its own.
 * - `eventually`: the change is merged into a pending step that is closed by
 *   {@link History.commit} (a drag: every tick is merged, the gesture is one step).
 * - `never`: not recorded (e.g. loading a file resets history instead).
 */
import type { GraphDoc, GraphEdge, GraphNode } from '../../engine/graph/doc';

/** How a document change enters the undo history. */
export type Capture = 'immediately' | 'eventually' | 'never';

/** Before/after of one record; null means "absent" on that side. */
export type Change<T> = readonly [before: T | null, after: T | null];

/**
 * The difference between two documents. Records are compared by identity:
 * the store never mutates a node or edge in place, so an unchanged record is
 * the same object and costs nothing to diff.
 */
export interface DocPatch {
  nodes: Record<string, Change<GraphNode>>;
  edges: Record<string, Change<GraphEdge>>;
  /** Top-level fields other than nodes/edges (name, description, meta, training, …). */
  fields: Record<string, Change<unknown>>;
  /** Node and edge id order, when it changed (so undoing a delete puts things back where they were). */
  nodeOrder?: Change<string[]>;
  edgeOrder?: Change<string[]>;
}

const FIELD_SKIP = new Set(['nodes', 'edges']);

function diffRecords<T extends { id: string }>(a: readonly T[], b: readonly T[]): { changes: Record<string, Change<T>>; orderChanged: boolean } {
  const changes: Record<string, Change<T>> = {};
  const before = new Map(a.map((r) => [r.id, r]));
  const after = new Map(b.map((r) => [r.id, r]));
  for (const [id, r] of before) {
    const n = after.get(id);
    if (n !== r) changes[id] = [r, n ?? null];
  }
  for (const [id, r] of after) if (!before.has(id)) changes[id] = [null, r];
  let orderChanged = a.length !== b.length;
  if (!orderChanged) for (let i = 0; i < a.length; i++) if (a[i].id !== b[i].id) { orderChanged = true; break; }
  return { changes, orderChanged };
}

/** The patch that turns `a` into `b`. */
export function diffDocs(a: GraphDoc, b: GraphDoc): DocPatch {
  const n = diffRecords(a.nodes, b.nodes);
  const e = diffRecords(a.edges, b.edges);
  const fields: Record<string, Change<unknown>> = {};
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    if (FIELD_SKIP.has(k)) continue;
    const va = (a as unknown as Record<string, unknown>)[k];
    const vb = (b as unknown as Record<string, unknown>)[k];
    if (va !== vb) fields[k] = [va ?? null, vb ?? null];
  }
  const patch: DocPatch = { nodes: n.changes, edges: e.changes, fields };
  if (n.orderChanged) patch.nodeOrder = [a.nodes.map((x) => x.id), b.nodes.map((x) => x.id)];
  if (e.orderChanged) patch.edgeOrder = [a.edges.map((x) => x.id), b.edges.map((x) => x.id)];
  return patch;
}

export function isEmptyPatch(p: DocPatch): boolean {
  return !p.nodeOrder && !p.edgeOrder && isEmptyObj(p.nodes) && isEmptyObj(p.edges) && isEmptyObj(p.fields);
}

function isEmptyObj(o: object): boolean {
  for (const _ in o) return false;
  return true;
}

/** Swap before and after. */
export function invertPatch(p: DocPatch): DocPatch {
  const flip = <T>(rec: Record<string, Change<T>>) => Object.fromEntries(Object.entries(rec).map(([k, [b, a]]) => [k, [a, b] as const]));
  const out: DocPatch = { nodes: flip(p.nodes), edges: flip(p.edges), fields: flip(p.fields) };
  if (p.nodeOrder) out.nodeOrder = [p.nodeOrder[1], p.nodeOrder[0]];
  if (p.edgeOrder) out.edgeOrder = [p.edgeOrder[1], p.edgeOrder[0]];
  return out;
}

/**
 * Merge two consecutive patches (p then q) into one: the "before" of each
 * record is the earliest, the "after" the latest. Records that end where they
 * started are dropped.
 */
export function composePatches(p: DocPatch, q: DocPatch): DocPatch {
  const merge = <T>(a: Record<string, Change<T>>, b: Record<string, Change<T>>) => {
    const out: Record<string, Change<T>> = { ...a };
    for (const [k, [, after]] of Object.entries(b)) {
      const first = k in a ? a[k][0] : b[k][0];
      if (first === after) delete out[k];
      else out[k] = [first, after];
    }
    return out;
  };
  const out: DocPatch = { nodes: merge(p.nodes, q.nodes), edges: merge(p.edges, q.edges), fields: merge(p.fields, q.fields) };
  const nodeOrder = composeOrder(p.nodeOrder, q.nodeOrder);
  const edgeOrder = composeOrder(p.edgeOrder, q.edgeOrder);
  if (nodeOrder) out.nodeOrder = nodeOrder;
  if (edgeOrder) out.edgeOrder = edgeOrder;
  return out;
}

function composeOrder(a: Change<string[]> | undefined, b: Change<string[]> | undefined): Change<string[]> | undefined {
  if (!a) return b;
  if (!b) return a;
  return [a[0], b[1]];
}

function applyRecords<T extends { id: string }>(list: readonly T[], changes: Record<string, Change<T>>, order: string[] | undefined): T[] {
  const map = new Map(list.map((r) => [r.id, r]));
  for (const [id, [, after]] of Object.entries(changes)) {
    if (after === null) map.delete(id);
    else map.set(id, after);
  }
  if (order) {
    const out: T[] = [];
    for (const id of order) {
      const r = map.get(id);
      if (r) {
        out.push(r);
        map.delete(id);
      }
    }
    // Records the order does not know of (should not happen) are kept, at the end.
    for (const r of map.values()) out.push(r);
    return out;
  }
  // Same order as before; new records at the end.
  const out: T[] = [];
  for (const r of list) {
    const n = map.get(r.id);
    if (n) {
      out.push(n);
      map.delete(r.id);
    }
  }
  for (const r of map.values()) out.push(r);
  return out;
}

/** Apply the "after" side of a patch to a document, returning a new document. */
export function applyPatch(doc: GraphDoc, p: DocPatch): GraphDoc {
  const out = { ...doc } as unknown as Record<string, unknown>;
  for (const [k, [, after]] of Object.entries(p.fields)) {
    if (after === null) delete out[k];
    else out[k] = after;
  }
  out.nodes = isEmptyObj(p.nodes) && !p.nodeOrder ? doc.nodes : applyRecords(doc.nodes, p.nodes, p.nodeOrder?.[1] ?? undefined);
  out.edges = isEmptyObj(p.edges) && !p.edgeOrder ? doc.edges : applyRecords(doc.edges, p.edges, p.edgeOrder?.[1] ?? undefined);
  return out as unknown as GraphDoc;
}

/** One undo step, with the label of the command that made it ("Delete", "Move"). */
export interface HistoryEntry {
  label: string;
  patch: DocPatch;
}

/**
 * Undo and redo stacks. Pure data plus methods; the graph store owns one
 * and asks it what the document should become.
 */
export class History {
  private undoStack: HistoryEntry[] = [];
  private redoStack: HistoryEntry[] = [];
  private pending: HistoryEntry | null = null;

  constructor(private readonly limit = 500) {}

  /** Record the change from `before` to `after` with the given capture mode. */
  record(before: GraphDoc, after: GraphDoc, capture: Capture, label = 'Edit'): void {
    if (capture === 'never' || before === after) return;
    const patch = diffDocs(before, after);
    if (isEmptyPatch(patch)) return;
    if (capture === 'eventually') {
      this.pending = this.pending ? { label: this.pending.label, patch: composePatches(this.pending.patch, patch) } : { label, patch };
      this.redoStack = [];
      return;
    }
    this.commit();
    this.push({ label, patch });
  }

  /** Close the pending (eventually-captured) step, e.g. when a drag ends. */
  commit(): void {
    if (!this.pending) return;
    const p = this.pending;
    this.pending = null;
    if (!isEmptyPatch(p.patch)) this.push(p);
  }

  private push(e: HistoryEntry): void {
    this.undoStack.push(e);
    if (this.undoStack.length > this.limit) this.undoStack.shift();
    this.redoStack = [];
  }

  get canUndo(): boolean {
    return this.undoStack.length > 0 || (this.pending !== null && !isEmptyPatch(this.pending.patch));
  }
  get canRedo(): boolean {
    return this.redoStack.length > 0 && this.pending === null;
  }
  /** Label of the step undo would revert, for menus ("Undo Delete"). */
  get undoLabel(): string | null {
    return this.pending?.label ?? this.undoStack[this.undoStack.length - 1]?.label ?? null;
  }
  get redoLabel(): string | null {
    return this.redoStack[this.redoStack.length - 1]?.label ?? null;
  }

  /** The document after undoing the last step, or null if there is none. */
  undo(doc: GraphDoc): GraphDoc | null {
    this.commit();
    const e = this.undoStack.pop();
    if (!e) return null;
    this.redoStack.push(e);
    return applyPatch(doc, invertPatch(e.patch));
  }

  /** The document after redoing the last undone step, or null if there is none. */
  redo(doc: GraphDoc): GraphDoc | null {
    if (this.pending) return null;
    const e = this.redoStack.pop();
    if (!e) return null;
    this.undoStack.push(e);
    return applyPatch(doc, e.patch);
  }

  clear(): void {
    this.undoStack = [];
    this.redoStack = [];
    this.pending = null;
  }
}
