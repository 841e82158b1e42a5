/**
 * A TF.js or Keras model.json (topology, with or without weights) → an
 * editable graph document. Reads Sequential and Functional models as Keras 2
 * writes them, as the TF.js converter and `model.save()` in TF.js write them
 * (`modelTopology`, optionally wrapped in `model_config`), and Keras 3's
 * inbound-node form. Layer names are kept, so weights in the same folder (or
 * any weights saved from the same Keras model) load by name.
 *
 * All or nothing: every unsupported layer or option is collected and reported
 * in one ImportError, and a document the analysis finds errors in is refused;
 * no half-imported graph is ever returned.
 */
import { analyzeGraph } from '../analysis';
import { LAYER_NAME } from '../analysis/analyze';
import { GRAPH_FORMAT, GRAPH_VERSION, type GraphDoc, type GraphEdge, type GraphNode } from '../graph/doc';
import { KERAS_LAYERS, UnsupportedOption, inputShape, type KerasConfig } from './keras-layers';
import { layoutDoc } from './layout';

/** Why a model could not be imported; `problems` has one line per cause. */
export class ImportError extends Error {
  constructor(
    message: string,
    readonly problems: readonly string[],
  ) {
    super(problems.length ? `${message}:\n${problems.map((p) => `- ${p}`).join('\n')}` : message);
    this.name = 'ImportError';
  }
}

interface KerasLayer {
  class_name: string;
  name?: string;
  config: KerasConfig;
  inbound_nodes?: unknown[];
}

/** An import, with remarks for the user (e.g. what was renamed). */
export interface ImportedModel {
  doc: GraphDoc;
  /** The model kind read: `Sequential` or `Functional`. */
  kind: 'Sequential' | 'Functional';
  /** Keras version or TF.js generator recorded in the file, when present. */
  source?: string;
  notes: string[];
}

const obj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** Find the {class_name, config} model object inside the ways files wrap it. */
function unwrap(json: unknown): { model: Record<string, unknown>; source?: string } {
  if (!obj(json)) throw new ImportError('not a model file: expected a JSON object', []);
  let t: unknown = json.modelTopology ?? json;
  let source = typeof json.generatedBy === 'string' ? json.generatedBy : undefined;
  if (obj(t) && obj(t.model_config)) {
    if (typeof t.keras_version === 'string') source = `Keras ${t.keras_version}`;
    t = t.model_config;
  }
  if (obj(t) && typeof t.keras_version === 'string') source ??= `Keras ${t.keras_version}`;
  if (!obj(t) || typeof t.class_name !== 'string') {
    if (obj(json) && 'format' in json && json.format === 'graph-model')
      throw new ImportError('this is a TF.js graph model (a frozen TensorFlow graph), not a Layers model; convert the Keras model with --output_format tfjs_layers_model', []);
    throw new ImportError('not a Keras / TF.js Layers model: no modelTopology with a class_name', []);
  }
  return { model: t, source };
}

function layerName(l: KerasLayer): string {
  return String(l.name ?? l.config?.name ?? '');
}

/** [name, nodeIndex, tensorIndex] of each tensor a layer call consumed (Keras 2, TF.js, Keras 3). */
function inboundNames(l: KerasLayer, problems: string[]): string[] {
  const nodes = l.inbound_nodes ?? [];
  if (nodes.length === 0) return [];
  if (nodes.length > 1) {
    problems.push(`layer ${layerName(l)} is called ${nodes.length} times (a shared layer); shared layers are not supported`);
    return [];
  }
  const node = nodes[0];
  const out: string[] = [];
  const history = (v: unknown): void => {
    if (Array.isArray(v)) {
      // Keras 2 / TF.js: [name, nodeIndex, tensorIndex, kwargs]
      if (typeof v[0] === 'string' && typeof v[1] === 'number') {
        if (v[2] !== 0 && v[2] !== undefined) problems.push(`layer ${layerName(l)} takes output ${v[2]} of ${v[0]}; layers with several outputs are not supported`);
        out.push(v[0]);
      } else v.forEach(history);
    } else if (obj(v)) {
      // Keras 3: {class_name: '__keras_tensor__', config: {keras_history: [name, n, t]}}
      const h = obj(v.config) ? v.config.keras_history : undefined;
      if (Array.isArray(h) && typeof h[0] === 'string') out.push(h[0]);
      else if (Array.isArray(v.args)) v.args.forEach(history);
    }
  };
  history(obj(node) && 'args' in node ? (node as { args: unknown }).args : node);
  return out;
}

/**
 * Parse a model.json (already JSON-parsed) into a graph document named
 * `name`. Throws ImportError naming every unsupported layer or option.
 */
export function importKerasModel(json: unknown, name?: string): ImportedModel {
  const { model, source } = unwrap(json);
  const cls = model.class_name as string;
  const config = model.config;
  const kind = cls === 'Sequential' ? 'Sequential' : cls === 'Model' || cls === 'Functional' ? 'Functional' : null;
  if (!kind) throw new ImportError(`unsupported model class '${cls}': only Sequential and Functional (Model) models can be imported`, []);
  const layers = (Array.isArray(config) ? config : obj(config) && Array.isArray(config.layers) ? config.layers : null) as KerasLayer[] | null;
  if (!layers) throw new ImportError(`the ${kind} model has no layer list`, []);
  const problems: string[] = [];
  const notes: string[] = [];
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const idOf = new Map<string, string>();
  const usedIds = new Set<string>();

  const addNode = (l: KerasLayer, type: string, params: Record<string, unknown>, nm: string): GraphNode => {
    let id = nm.replace(/[^A-Za-z0-9_-]/g, '_') || 'layer';
    for (let i = 2; usedIds.has(id); i++) id = `${nm}_${i}`;
    usedIds.add(id);
    let nodeName = nm;
    if (!LAYER_NAME.test(nodeName)) {
      nodeName = nm.replace(/[^-A-Za-z0-9._]/g, '_').replace(/^[^A-Za-z0-9]+/, '') || id;
      notes.push(`layer "${nm}" renamed to "${nodeName}" (TF.js refuses the original name); its weights will not load by name`);
    }
    const n: GraphNode = { id, type, params, position: { x: 0, y: 0 }, name: nodeName };
    if (l.config?.trainable === false) n.frozen = true;
    nodes.push(n);
    idOf.set(nm, id);
    return n;
  };

  const convert = (l: KerasLayer): { type: string; params: Record<string, unknown> } | null => {
    const nm = layerName(l);
    if (l.class_name === 'Sequential' || l.class_name === 'Functional' || l.class_name === 'Model') {
      problems.push(`layer ${nm} is a nested ${l.class_name} model; nested models are not supported (rebuild it as one flat model)`);
      return null;
    }
    const f = Object.prototype.hasOwnProperty.call(KERAS_LAYERS, l.class_name) ? KERAS_LAYERS[l.class_name] : undefined;
    if (!f) {
      problems.push(`layer ${nm} is a ${l.class_name}, which CNN Designer does not have (supported: ${Object.keys(KERAS_LAYERS).join(', ')})`);
      return null;
    }
    try {
      return f(l.config ?? {});
    } catch (e) {
      if (e instanceof UnsupportedOption) {
        problems.push(`layer ${nm} (${l.class_name}): ${e.message} is not supported`);
        return null;
      }
      throw e;
    }
  };

  if (kind === 'Sequential') {
    let prev: GraphNode | null = null;
    layers.forEach((l, i) => {
      if (!obj(l) || typeof l.class_name !== 'string') {
        problems.push(`layer ${i + 1} is not a {class_name, config} object`);
        return;
      }
      const nm = layerName(l) || `layer_${i + 1}`;
      if (i === 0 && l.class_name !== 'InputLayer') {
        const bs = (l.config?.batch_input_shape ?? l.config?.batch_shape) as unknown[] | undefined;
        if (!Array.isArray(bs)) problems.push(`the first layer ${nm} does not say its input shape (batch_input_shape)`);
        else
          try {
            prev = addNode({ class_name: 'InputLayer', config: {} }, 'input', { shape: inputShape(bs) }, `${nm}_input`);
          } catch (e) {
            problems.push(`the first layer ${nm}: ${(e as Error).message}`);
          }
      }
      const c = convert(l);
      if (!c) return;
      const n = addNode(l, c.type, c.params, nm);
      if (prev && c.type !== 'input') edges.push({ id: `e${edges.length + 1}`, source: prev.id, target: n.id, targetIndex: 0 });
      prev = n;
    });
  } else {
    const ins = (obj(config) ? config.input_layers : undefined) as unknown[] | undefined;
    if (Array.isArray(ins) && ins.length > 1 && Array.isArray(ins[0])) problems.push(`the model has ${ins.length} inputs; CNN Designer networks have one Input`);
    const pending: { target: string; sources: string[]; layer: string }[] = [];
    layers.forEach((l, i) => {
      if (!obj(l) || typeof l.class_name !== 'string') {
        problems.push(`layer ${i + 1} is not a {class_name, config} object`);
        return;
      }
      const c = convert(l);
      const nm = layerName(l) || `layer_${i + 1}`;
      const sources = inboundNames(l, problems);
      if (!c) return;
      const n = addNode(l, c.type, c.params, nm);
      pending.push({ target: n.id, sources, layer: nm });
    });
    for (const p of pending)
      p.sources.forEach((s, slot) => {
        const src = idOf.get(s);
        if (!src) {
          if (!problems.some((x) => x.includes(` ${s} `))) problems.push(`layer ${p.layer} takes its input from ${s}, which is not in the model`);
          return;
        }
        edges.push({ id: `e${edges.length + 1}`, source: src, target: p.target, targetIndex: slot });
      });
  }

  if (problems.length) throw new ImportError(`the model cannot be imported (${problems.length} problem${problems.length === 1 ? '' : 's'})`, problems);
  const modelName = (obj(config) && typeof config.name === 'string' ? config.name : undefined) ?? 'model';
  const doc: GraphDoc = { format: GRAPH_FORMAT, version: GRAPH_VERSION, name: name ?? modelName, description: `Imported from a ${kind} ${source ?? 'Keras/TF.js'} model "${modelName}".`, nodes, edges };
  const analysis = analyzeGraph(doc);
  const errors = analysis.issues.filter((i) => i.severity === 'error');
  if (errors.length)
    throw new ImportError(
      'the imported network has problems',
      errors.slice(0, 20).map((e) => `${e.nodeId ? `${analysis.nodes[e.nodeId]?.name ?? e.nodeId}: ` : ''}${e.message}`),
    );
  return { doc: layoutDoc(doc, analysis.order), kind, source, notes };
}
