/**
 * Transfer-learning edits of a graph document, as pure functions: each takes
 * a document and returns a new one (the input is never changed), so the
 * renderer wraps them as undoable commands and the CLI and tests call them
 * directly. Frozen nodes are built with `trainable = false` and counted as
 * non-trainable by the analysis.
 */
import { analyzeGraph } from '../analysis';
import type { GraphDoc, GraphNode, TrainingSettings } from '../graph/doc';
import { getLayerDef } from '../layers';

/** Result of a document operation that can refuse. */
export type DocOpResult<T = Record<never, never>> = ({ ok: true; doc: GraphDoc } & T) | { ok: false; error: string };

/** Whether a node's layer has weights to freeze (Input, ReLU, Pool… have none). */
export function hasWeights(doc: GraphDoc, nodeId: string): boolean {
  const a = analyzeGraph(doc).nodes[nodeId];
  return !!a && a.paramCount > 0;
}

function mapNodes(doc: GraphDoc, f: (n: GraphNode) => GraphNode): GraphDoc {
  return { ...doc, nodes: doc.nodes.map(f) };
}

function withFrozen(n: GraphNode, frozen: boolean): GraphNode {
  if (!!n.frozen === frozen) return n;
  const copy = { ...n };
  if (frozen) copy.frozen = true;
  else delete copy.frozen;
  return copy;
}

/** Freeze (or unfreeze) the given nodes. Unknown ids are ignored. */
export function setFrozen(doc: GraphDoc, nodeIds: readonly string[], frozen: boolean): GraphDoc {
  const ids = new Set(nodeIds);
  return mapNodes(doc, (n) => (ids.has(n.id) ? withFrozen(n, frozen) : n));
}

/** Unfreeze every node. */
export function unfreezeAll(doc: GraphDoc): GraphDoc {
  return mapNodes(doc, (n) => withFrozen(n, false));
}

/** Ids of every node upstream of `nodeId` (its ancestors), not including it. */
export function ancestorsOf(doc: GraphDoc, nodeId: string): Set<string> {
  const incoming = new Map<string, string[]>();
  for (const e of doc.edges) incoming.set(e.target, [...(incoming.get(e.target) ?? []), e.source]);
  const seen = new Set<string>();
  const stack = [...(incoming.get(nodeId) ?? [])];
  while (stack.length) {
    const id = stack.pop()!;
    if (seen.has(id) || id === nodeId) continue;
    seen.add(id);
    stack.push(...(incoming.get(id) ?? []));
  }
  return seen;
}

/**
 * "Freeze everything before this layer": every layer upstream of `nodeId` is
 * frozen, `nodeId` itself and everything after it are made trainable. Layers
 * on a parallel branch that does not feed `nodeId` are left as they were.
 */
export function freezeBefore(doc: GraphDoc, nodeId: string): DocOpResult {
  if (!doc.nodes.some((n) => n.id === nodeId)) return { ok: false, error: `no layer with id "${nodeId}" in the document` };
  const before = ancestorsOf(doc, nodeId);
  // Downstream of nodeId (including it): descendants.
  const outgoing = new Map<string, string[]>();
  for (const e of doc.edges) outgoing.set(e.source, [...(outgoing.get(e.source) ?? []), e.target]);
  const after = new Set<string>();
  const stack = [nodeId];
  while (stack.length) {
    const id = stack.pop()!;
    if (after.has(id)) continue;
    after.add(id);
    stack.push(...(outgoing.get(id) ?? []));
  }
  return { ok: true, doc: mapNodes(doc, (n) => (before.has(n.id) && !after.has(n.id) ? withFrozen(n, true) : after.has(n.id) ? withFrozen(n, false) : n)) };
}

/**
 * The classifier head: the Dense layer that produces the (single) output,
 * directly or through shape-keeping layers after it (Softmax, Activation,
 * Dropout). Null when the network does not end in a Dense layer.
 */
export function findHead(doc: GraphDoc): GraphNode | null {
  const a = analyzeGraph(doc);
  if (a.outputIds.length !== 1) return null;
  const byId = new Map(doc.nodes.map((n) => [n.id, n]));
  const incoming = new Map<string, string[]>();
  for (const e of doc.edges) incoming.set(e.target, [...(incoming.get(e.target) ?? []), e.source]);
  let id: string | undefined = a.outputIds[0];
  for (let steps = 0; id && steps < 10; steps++) {
    const n = byId.get(id);
    if (!n) return null;
    if (n.type === 'dense') return n;
    const def = getLayerDef(n.type);
    const passThrough = def && (def.category === 'activation' || def.category === 'regularization');
    const ins: string[] = incoming.get(id) ?? [];
    if (!passThrough || ins.length !== 1) return null;
    id = ins[0];
  }
  return null;
}

/** A layer name not used in the document (nor equal to any analysis name). */
function freshName(doc: GraphDoc, base: string): string {
  const used = new Set(Object.values(analyzeGraph(doc).nodes).map((n) => n.name));
  for (const n of doc.nodes) if (n.name) used.add(n.name);
  if (!used.has(base)) return base;
  for (let i = 2; ; i++) if (!used.has(`${base}_${i}`)) return `${base}_${i}`;
}

/**
 * Replace the classifier head for `classes` classes in one action: the head
 * Dense gets `classes` units, a new layer name (so weights loaded by name
 * leave it freshly initialised instead of failing on its old shape) and is
 * made trainable. Its activation and what follows it (e.g. Softmax) are kept.
 */
export function replaceHead(doc: GraphDoc, classes: number, opts: { name?: string } = {}): DocOpResult<{ headId: string; headName: string }> {
  if (!Number.isInteger(classes) || classes < 1 || classes > 1_000_000) return { ok: false, error: `the number of classes must be a whole number from 1 to 1,000,000; received ${classes}` };
  const head = findHead(doc);
  if (!head) return { ok: false, error: 'the network does not end in a Dense layer (optionally followed by Softmax/Activation/Dropout), so there is no classifier head to replace; add a Dense layer with one unit per class at the end' };
  const headName = opts.name ?? freshName(doc, `head_${classes}`);
  const next = mapNodes(doc, (n) => (n.id === head.id ? { ...withFrozen(n, false), name: headName, params: { ...n.params, units: classes } } : n));
  return { ok: true, doc: next, headId: head.id, headName };
}

/** How much smaller the fine-tuning learning rate is than the original. */
export const FINE_TUNE_LR_FACTOR = 0.1;

/**
 * The trainer's defaults (engine/train/settings DEFAULT_SETTINGS; a test keeps
 * them equal). Copied so the renderer can use these operations without
 * importing engine/train.
 */
const DEFAULT_OPTIMIZER = 'adam';
const DEFAULT_LR = { adam: 0.001, rmsprop: 0.001, sgd: 0.01 } as const;

/**
 * Training settings suggested for fine-tuning: the document's settings with
 * the learning rate 10× smaller (pre-trained features are changed gently).
 */
export function fineTuneSettings(training: TrainingSettings | undefined, factor = FINE_TUNE_LR_FACTOR): TrainingSettings {
  const base = training ?? {};
  const optimizer = base.optimizer ?? DEFAULT_OPTIMIZER;
  const lr = base.learningRate ?? DEFAULT_LR[optimizer];
  return { ...base, optimizer, learningRate: lr * factor };
}
