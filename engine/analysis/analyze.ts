/**
 * analyzeGraph: for a graph document, every node's output shape, parameters
 * (with formula), multiply-adds, activation size and receptive field, the
 * totals, and every problem as an Issue on the node that causes it.
 *
 * Pure and synchronous; runs live in the renderer on every edit and again in
 * the engine before a model is built. It never throws on a user's graph, and
 * it knows no layer type by name: everything comes from the LayerDef.
 *
 * Linear in nodes + edges (target: 1,000 layers well under 5 ms).
 */
import { ISSUE_CODES, isLayerError, type Issue, type IssueCode } from '../core/issues';
import { describeValue } from '../core/describe';
import { formatShape, shapeSize, type Shape } from '../core/shape';
import type { GraphDoc, GraphEdge, GraphNode } from '../graph/doc';
import { getLayerDef, type AnyLayerDef, type ParamCount, type RfRule } from '../layers';
import { resolveParamsCached } from './resolve';
import { applyStep, globalState, inputState, mergeStates, summarize, type RfState } from './receptive-field';
import { topoSort } from './topo';
import type { GraphAnalysis, GraphTotals, NodeAnalysis } from './types';

/** Bytes per number: weights and activations are float32. */
export const BYTES_PER_VALUE = 4;

/** A layer above these is flagged W103 (it will be slow or not fit in memory). */
export const HUGE_PARAMS = 100_000_000;
export const HUGE_ACTIVATION_VALUES = 100_000_000;

/**
 * Layer names TensorFlow.js accepts (its tensorNameRegex, without '/', which
 * opens a name scope); anything else fails when the model is built.
 */
export const LAYER_NAME = /^[A-Za-z0-9][-A-Za-z0-9._]*$/;

/** Most slots a layer of unknown type may be wired to before we call it nonsense. */
const MAX_UNKNOWN_SLOTS = 64;

const isError = (c: IssueCode) => c.startsWith('E');

/** Issue with severity filled in from its code. */
function issue(code: IssueCode, message: string, extra: Partial<Issue> = {}): Issue {
  return { code, severity: isError(code) ? 'error' : 'warning', message, ...extra };
}

const quote = (x: unknown) => describeValue(x, 60);

interface Working {
  node: GraphNode;
  id: string;
  name: string;
  type: string;
  def: AnyLayerDef | undefined;
  /** Source node index per input slot (-1 where nothing is connected). */
  slots: number[];
  /** Consumer node indices (one per accepted edge). */
  succ: number[];
  /** Edges that arrive here (accepted or not), for "unconnected" checks. */
  degree: number;
  out: Shape | null;
  /** Receptive field state (null where not defined: no image input, errors). */
  rf: RfState | null;
  /** Index of the node whose own error stops this one (itself if it has one). */
  rootCause: number;
  result: NodeAnalysis;
}

/**
 * Analyse a graph document. Tolerates any content (missing arrays, wrong
 * types, unknown layers, cycles) and reports it as issues.
 */
export function analyzeGraph(doc: GraphDoc): GraphAnalysis {
  const rawNodes: unknown[] = Array.isArray(doc?.nodes) ? doc.nodes : [];
  const rawEdges: unknown[] = Array.isArray(doc?.edges) ? doc.edges : [];
  const issues: Issue[] = [];
  // Null prototype: node ids such as "__proto__" are plain keys here.
  const nodesOut = Object.create(null) as Record<string, NodeAnalysis>;

  // [1] Index nodes; a repeated id is an error and the repeat is ignored.
  const W: Working[] = [];
  const byId = new Map<string, number>();
  for (let i = 0; i < rawNodes.length; i++) {
    const node = rawNodes[i] as GraphNode;
    if (!node || typeof node !== 'object') {
      issues.push(issue('E001', `nodes[${i}] is not a layer; received ${quote(node)}`, { fix: 'Remove it from the file.' }));
      continue;
    }
    const id = typeof node.id === 'string' ? node.id : `#${i}`;
    if (byId.has(id)) {
      issues.push(issue('E018', `Two layers have the id "${id}" (nodes[${byId.get(id)}] and nodes[${i}]); the second is ignored`, { nodeId: id, fix: 'Give every layer its own id.' }));
      continue;
    }
    const type = typeof node.type === 'string' ? node.type : quote(node.type);
    const def = getLayerDef(type);
    const result: NodeAnalysis = {
      id,
      name: '',
      type,
      inputShapes: [],
      outputShape: null,
      params: {},
      paramCount: 0,
      trainable: 0,
      nonTrainable: 0,
      formula: '',
      macs: 0,
      activationBytes: 0,
      receptiveField: null,
      frozen: node.frozen === true,
      issues: [],
    };
    byId.set(id, W.length);
    W.push({ node, id, name: '', type, def, slots: [], succ: [], degree: 0, out: null, rf: null, rootCause: -1, result });
    nodesOut[id] = result;
  }
  const n = W.length;

  // [2] Names: the node's own, else `${type}_${n}` counted per type in
  // document order (as Keras numbers layers), skipping names already taken.
  const taken = new Map<string, number>();
  for (let k = 0; k < n; k++) {
    const nm = W[k].node.name;
    if (typeof nm !== 'string' || nm === '') continue;
    if (!LAYER_NAME.test(nm))
      addIssue(k, issue('E001', `Layer name ${quote(nm)} cannot be used in a model: TensorFlow.js names start with a letter or digit and contain only letters, digits, _ - .`, { field: 'name', fix: 'Rename the layer, e.g. "block1_conv1".' }));
    if (taken.has(nm)) {
      const first = W[taken.get(nm)!];
      addIssue(k, issue('E017', `Layer name "${nm}" is already used by layer "${first.id}"`, { field: 'name', fix: 'Rename one of them: weights are matched by layer name.' }));
    } else taken.set(nm, k);
    W[k].name = nm;
  }
  const counters = new Map<string, number>();
  for (let k = 0; k < n; k++) {
    if (W[k].name) continue;
    let c = counters.get(W[k].type) ?? 0;
    let nm: string;
    do nm = `${W[k].type}_${++c}`;
    while (taken.has(nm));
    counters.set(W[k].type, c);
    taken.set(nm, k);
    W[k].name = nm;
  }
  for (const w of W) w.result.name = w.name;

  function addIssue(k: number, is: Issue) {
    is.nodeId ??= W[k].id;
    W[k].result.issues.push(is);
    issues.push(is);
  }
  const label = (k: number) => `"${W[k].name}"`;

  // [3] Edges: both ends must exist, the slot must exist and be free.
  for (let e = 0; e < rawEdges.length; e++) {
    const edge = rawEdges[e] as GraphEdge;
    if (!edge || typeof edge !== 'object') {
      issues.push(issue('E013', `edges[${e}] is not a connection; received ${quote(edge)}`, { fix: 'Remove it from the file.' }));
      continue;
    }
    const eid = typeof edge.id === 'string' ? edge.id : `edges[${e}]`;
    const s = byId.get(edge.source as string);
    const t = byId.get(edge.target as string);
    if (s === undefined || t === undefined) {
      const missing = [s === undefined ? `source ${quote(edge.source)}` : '', t === undefined ? `target ${quote(edge.target)}` : ''].filter(Boolean).join(' and ');
      const is = issue('E013', `Connection ${eid} points to a missing layer (${missing})`, { edgeId: eid, fix: 'Delete the connection and wire it again.' });
      const at = s ?? t;
      if (at !== undefined) addIssue(at, is);
      else issues.push(is);
      continue;
    }
    W[s].degree++;
    W[t].degree++;
    const slot = edge.targetIndex ?? 0;
    const def = W[t].def;
    const maxSlots = def ? def.inputs.max : MAX_UNKNOWN_SLOTS;
    if (typeof slot !== 'number' || !Number.isInteger(slot) || slot < 0 || slot >= maxSlots) {
      const what = def ? (maxSlots === 0 ? `${def.label} takes no input` : `${def.label} has ${maxSlots === 1 ? 'one input (slot 0)' : `input slots 0–${maxSlots - 1}`}`) : 'it has no such input';
      addIssue(t, issue('E013', `Connection ${eid} from ${label(s)} goes to input slot ${quote(slot)} of ${label(t)}, but ${what}`, { edgeId: eid, fix: def && maxSlots === 0 ? 'Delete the connection: an Input layer is where data enters.' : 'Connect it to an existing input.' }));
      continue;
    }
    const slots = W[t].slots;
    while (slots.length <= slot) slots.push(-1);
    if (slots[slot] !== -1) {
      addIssue(t, issue('E013', `Input slot ${slot} of ${label(t)} receives both ${label(slots[slot])} and ${label(s)}`, { edgeId: eid, fix: def && def.inputs.max > 1 ? 'Connect the second one to another slot.' : 'Use an Add or Concatenate layer to combine them.' }));
      continue;
    }
    slots[slot] = s;
    W[s].succ.push(t);
  }

  // [4] Order; cycles named with their members.
  const succ = W.map((w) => w.succ);
  const topo = topoSort(n, succ);
  for (const cyc of topo.cycles) {
    const names = cyc.map((k) => W[k].name);
    const path = cyc.length > 8 ? `${names.slice(0, 8).join(' → ')} → … (${cyc.length} layers)` : [...names, names[0]].join(' → ');
    for (const k of cyc) {
      W[k].rootCause = k;
      addIssue(k, issue('E008', `${label(k)} is on a cycle: ${path}`, { fix: 'Data must flow one way: remove one connection of the loop.' }));
    }
  }
  for (const k of topo.onCycle) {
    // Nodes on a cycle that the loop chosen for the message did not pass through.
    if (W[k].rootCause === k) continue;
    W[k].rootCause = k;
    addIssue(k, issue('E008', `${label(k)} is on a cycle`, { fix: 'Data must flow one way: remove one connection of the loop.' }));
  }
  for (const k of topo.afterCycle) {
    W[k].rootCause = W[k].slots.find((s) => s >= 0 && topo.onCycle.has(s)) ?? k;
    addIssue(k, issue('E015', `${label(k)} comes after a cycle, so its shape cannot be worked out`, { fix: 'Fix the cycle above it first.' }));
  }

  // [5] Exactly one Input (a layer with no input slots).
  const sources: number[] = [];
  for (let k = 0; k < n; k++) if (W[k].def && W[k].def!.inputs.max === 0) sources.push(k);
  if (n > 0 && sources.length === 0)
    issues.push(issue('E011', 'The network has no Input layer', { fix: 'Add an Input layer and connect it to the first layer.' }));
  for (const k of sources.slice(1)) {
    W[k].rootCause = k;
    addIssue(k, issue('E010', `${label(k)} is a second Input; the network already starts at ${label(sources[0])}`, { fix: 'Delete one Input layer, or connect everything to the same one.' }));
  }

  // [6] Each node in order.
  for (const k of topo.order) {
    try {
      analyzeNode(k);
    } catch (err) {
      // Only reachable through a bug or a value no schema would let in (e.g. a
      // parameter nested thousands deep); the user still gets a message.
      const why = err instanceof RangeError ? 'a parameter value is nested too deeply' : err instanceof Error ? err.message : quote(err);
      addIssue(k, issue('E001', `${label(k)} could not be analysed: ${why}`, { fix: 'Reset this layer to its defaults.' }));
      W[k].out = null;
      W[k].result.outputShape = null;
      W[k].rootCause = k;
    }
  }

  function analyzeNode(k: number) {
    const w = W[k];
    const def = w.def;
    const r = w.result;
    if (!def) {
      w.rootCause = k;
      addIssue(k, issue('E012', `Unknown layer type ${quote(w.type)}`, { field: 'type', fix: 'Delete this layer and add it again from the palette (this file may come from a newer version).' }));
      return;
    }
    const raw = w.node.params;
    const resolved = resolveParamsCached(def, raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : undefined);
    r.params = resolved.params;
    let ownError = w.rootCause === k;
    if (raw !== undefined && (raw === null || typeof raw !== 'object' || Array.isArray(raw))) {
      addIssue(k, issue('E001', `${label(k)}: params must be an object; received ${quote(raw)}`, { field: 'params', fix: 'Reset the layer to its defaults.' }));
      ownError = true;
    }
    for (const e of resolved.errors) {
      addIssue(k, issue('E001', `${def.label} ${label(k)}: ${e.message}`, { field: e.field, fix: 'Change the value in the inspector.' }));
      ownError = true;
    }
    for (const u of resolved.unknown)
      addIssue(k, issue('W104', `${def.label} has no parameter ${quote(u)}; it is ignored`, { field: u, fix: 'Remove it (it may come from a newer version).' }));

    // Inputs, slot by slot.
    const need = def.inputs.min;
    const nSlots = Math.max(w.slots.length, need);
    const connected = w.slots.filter((s) => s >= 0).length;
    if (connected === 0 && need > 0) {
      if (w.degree === 0) {
        addIssue(k, issue('E014', `${label(k)} is not connected to anything`, { fix: 'Connect it into the network, or delete it.' }));
      } else {
        addIssue(k, issue('E009', `${label(k)} has no input`, { fix: 'Connect a layer to its input.' }));
      }
      ownError = true;
    } else {
      for (let i = 0; i < nSlots; i++)
        // A gap below a connected slot; too few inputs altogether is E004 below.
        if (i < w.slots.length && w.slots[i] < 0) {
          addIssue(k, issue('E009', `${label(k)}: input slot ${i} is not connected`, { fix: `Connect a layer to input ${i + 1}.` }));
          ownError = true;
        }
      if (connected < need) {
        addIssue(k, issue('E004', `${def.label} ${label(k)} needs at least ${need} inputs; it has ${connected}`, { fix: 'Connect another branch to it.' }));
        ownError = true;
      }
    }
    if (need === 0 && w.succ.length === 0 && n > 1 && w.degree === 0) {
      addIssue(k, issue('E014', `${label(k)} is not connected to anything`, { fix: 'Connect it to the first layer, or delete it.' }));
      ownError = true;
    }

    const inShapes: (Shape | null)[] = [];
    let upstream = -1;
    for (let i = 0; i < nSlots; i++) {
      const s = w.slots[i] ?? -1;
      const shape = s >= 0 ? W[s].out : null;
      inShapes.push(shape);
      if (s >= 0 && !shape && upstream < 0) upstream = W[s].rootCause >= 0 ? W[s].rootCause : s;
    }
    r.inputShapes = inShapes;
    if (ownError || w.rootCause === k) {
      w.rootCause = k;
      return;
    }
    if (upstream >= 0) {
      w.rootCause = upstream;
      addIssue(k, issue('E015', `${label(k)} cannot be worked out because of the problem at ${label(upstream)}`, { fix: `Fix ${label(upstream)} first.` }));
      return;
    }

    const inputs = inShapes as Shape[];
    const p = resolved.params as never;
    try {
      const out = def.outputShape(inputs, p);
      if (isLayerError(out)) {
        const code: IssueCode = out.code in ISSUE_CODES ? out.code : 'E005';
        addIssue(k, issue(code, out.message, { field: out.field, fix: out.fix }));
        w.rootCause = k;
        return;
      }
      if (!Array.isArray(out) || out.some((d) => !Number.isFinite(d) || !Number.isInteger(d) || d <= 0)) {
        addIssue(k, issue('E002', `${def.label} ${label(k)}: output would be ${formatShape(out as Shape)}`, { fix: 'Use a smaller kernel or stride, or a larger input.' }));
        w.rootCause = k;
        return;
      }
      w.out = out;
      r.outputShape = out;
      const pc: ParamCount = def.paramCount(inputs, p, out);
      const total = pc.trainable + pc.nonTrainable;
      r.paramCount = total;
      if (r.frozen) {
        r.trainable = 0;
        r.nonTrainable = total;
      } else {
        r.trainable = pc.trainable;
        r.nonTrainable = pc.nonTrainable;
      }
      r.formula = pc.formula;
      r.macs = def.macs(inputs, p, out);
      const values = shapeSize(out);
      r.activationBytes = values * BYTES_PER_VALUE;

      // Dense on H×W×C works (Keras applies it per pixel) but is almost never
      // what a learner meant.
      if (def.category === 'dense' && inputs.length === 1 && inputs[0].length === 3)
        addIssue(k, issue('W101', `${def.label} ${label(k)} receives an image-shaped input ${formatShape(inputs[0])}; it will act on each pixel separately, giving ${formatShape(out)}`, { fix: 'Add Flatten or GlobalAvgPool2D before it.' }));
      if (total > HUGE_PARAMS || values > HUGE_ACTIVATION_VALUES)
        addIssue(k, issue('W103', `${label(k)} is huge: ${total.toLocaleString('en-US')} parameters, output ${formatShape(out)}`, { fix: 'Downsample earlier (stride, pooling) or use fewer units/filters.' }));

      // Receptive field, measured in the pixels of an image-shaped Input.
      if (inputs.length === 0) {
        if (out.length === 3) w.rf = inputState([out[0], out[1]]);
      } else {
        const ins = w.slots.filter((s) => s >= 0).map((s) => W[s].rf);
        if (ins.every((x) => x)) {
          const merged = mergeStates(ins as RfState[], out);
          const rule: RfRule = def.rf(inputs, p);
          w.rf = rule === 'identity' ? merged : rule === 'global' ? globalState(merged) : applyStep(merged, rule);
        }
      }
      r.receptiveField = w.rf ? summarize(w.rf) : null;
    } catch (err) {
      // A layer definition that throws is a bug in our catalog, not the
      // user's fault; still, the user gets a message instead of a blank app.
      addIssue(k, issue('E005', `${def.label} ${label(k)} could not be analysed: ${err instanceof Error ? err.message : quote(err)}`, { fix: 'Try other parameters; please report this.' }));
      w.out = null;
      r.outputShape = null;
      w.rootCause = k;
    }
  }

  // [7] Outputs: analysed nodes nothing consumes. More than one is allowed by
  // Keras but rarely meant: all but the last get W102.
  const outputIds: string[] = [];
  const sinks = topo.order.filter((k) => W[k].succ.length === 0 && W[k].degree > 0);
  for (let i = 0; i < sinks.length; i++) {
    const k = sinks[i];
    outputIds.push(W[k].id);
    if (i < sinks.length - 1 && W[k].out)
      addIssue(k, issue('W102', `The output of ${label(k)} is not used by any layer, so the model has ${sinks.length} outputs`, { fix: 'Connect it onward, or delete it if it is left over.' }));
  }

  const totals: GraphTotals = { params: 0, trainable: 0, nonTrainable: 0, macs: 0, bytes: 0, activationBytes: 0 };
  for (const w of W) {
    if (!w.out) continue;
    totals.params += w.result.paramCount;
    totals.trainable += w.result.trainable;
    totals.nonTrainable += w.result.nonTrainable;
    totals.macs += w.result.macs;
    totals.activationBytes += w.result.activationBytes;
  }
  totals.bytes = totals.params * BYTES_PER_VALUE;

  // Root causes first, then what follows from them, then warnings.
  const rank = (i: Issue) => (i.severity === 'warning' ? 2 : i.code === 'E015' ? 1 : 0);
  const sorted = issues.map((i, at) => [rank(i), at, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map((x) => x[2]);
  for (const w of W) if (w.result.issues.length > 1) w.result.issues.sort((a, b) => rank(a) - rank(b));

  return {
    nodes: nodesOut,
    order: topo.order.map((k) => W[k].id),
    issues: sorted,
    totals,
    inputId: sources.length === 1 ? W[sources[0]].id : null,
    outputIds,
  };
}

/** True when the analysis has no errors (warnings allowed): the model can be built. */
export function isBuildable(a: GraphAnalysis): boolean {
  return !a.issues.some((i) => i.severity === 'error');
}
