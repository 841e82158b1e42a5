/**
 * Graph document → tf.LayersModel, with the functional API so branches and
 * merges (ResNet, Inception, U-Net) build as drawn. Every layer comes from its
 * LayerDef's `toTfjs`; this file knows no layer type by name.
 *
 * The analysis is the contract: a graph it finds errors in is never built, and
 * the built model's names, shapes and parameter counts are the ones it shows
 * (test/unit/build checks that against tfjs on many random graphs).
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { GraphAnalysis } from '../analysis/types';
import type { GraphDoc, GraphEdge } from '../graph/doc';
import { getLayerDef, type TF } from '../layers';
import { registerCustomLayers } from '../layers/tfjs-classes';

/** Thrown when the graph cannot be built; `issues` lists what to fix. */
export class BuildError extends Error {
  constructor(
    message: string,
    /** The analysis errors (or the one problem found while building). */
    readonly issues: readonly { nodeId?: string; message: string; fix?: string }[],
  ) {
    super(message);
    this.name = 'BuildError';
  }
}

/**
 * Build the tf.js model of a document that `analysis` (its analyzeGraph
 * result) found free of errors. Layer names are the analysis names, a node's
 * inputs are wired in the order of their edges' targetIndex, and frozen nodes
 * get `trainable = false`.
 *
 * `initialize: false` creates every weight as zeros instead of running the
 * layers' random initializers, for a model whose weights are loaded right
 * after (every one of them: loadWeightsInto refuses a file that lacks one).
 * Glorot-uniform over VGG-16's 138 M weights takes ~8 s here; zeros, a
 * fraction of a second.
 *
 * @throws BuildError listing the analysis errors when there are any.
 */
export function buildModel(tf: TF, doc: GraphDoc, analysis: GraphAnalysis, o: { initialize?: boolean } = {}): tfjs.LayersModel {
  const errors = analysis.issues.filter((i) => i.severity === 'error');
  if (errors.length > 0) {
    const lines = errors.slice(0, 10).map((i) => `- ${i.message}${i.fix ? ` (${i.fix})` : ''}`);
    if (errors.length > 10) lines.push(`- … and ${errors.length - 10} more`);
    throw new BuildError(`The network has ${errors.length} problem${errors.length === 1 ? '' : 's'} to fix before it can be built:\n${lines.join('\n')}`, errors);
  }
  if (analysis.inputId === null || analysis.outputIds.length === 0)
    throw new BuildError('The network needs an Input layer connected to at least one other layer before it can be built.', [
      { message: 'no Input layer, or nothing connected to it', fix: 'Add an Input layer and connect layers after it.' },
    ]);

  // Corrected classes (BatchNormalization) must be registered before any
  // model that contains them is serialised or loaded.
  registerCustomLayers(tf);

  const nodes = new Map(doc.nodes.map((n) => [n.id, n]));
  const incoming = new Map<string, GraphEdge[]>();
  for (const e of doc.edges) {
    const list = incoming.get(e.target) ?? [];
    list.push(e);
    incoming.set(e.target, list);
  }

  const outputs = new Map<string, tfjs.SymbolicTensor>();
  let modelInput: tfjs.SymbolicTensor | null = null;
  for (const id of analysis.order) {
    const node = nodes.get(id);
    const a = analysis.nodes[id];
    const def = node && getLayerDef(node.type);
    // The analysis has already reported all of these; reaching here means the
    // analysis does not belong to this document.
    if (!node || !a || !def) throw new BuildError(`Layer "${id}" is not in this document (analysis out of date?)`, [{ nodeId: id, message: 'analysis does not match the document' }]);

    const layer = def.toTfjs(tf, a.params as never, a.name, a.inputShapes.filter((s): s is NonNullable<typeof s> => s !== null));
    if (o.initialize === false) zeroInitializers(tf, layer);
    if (node.frozen) layer.trainable = false;
    const sources = (incoming.get(id) ?? []).slice().sort((x, y) => x.targetIndex - y.targetIndex).map((e) => outputs.get(e.source));
    let out: tfjs.SymbolicTensor;
    if (def.inputs.max === 0) {
      // An InputLayer makes its own symbolic tensor (what tf.input() returns).
      out = layer.inboundNodes[0].outputTensors[0];
      modelInput = out;
    } else {
      if (sources.length === 0 || sources.some((s) => s === undefined))
        throw new BuildError(`Layer "${a.name}" has an input that was not built (analysis out of date?)`, [{ nodeId: id, message: 'input not built' }]);
      const x = sources as tfjs.SymbolicTensor[];
      out = layer.apply(def.inputs.max === 1 ? x[0] : x) as tfjs.SymbolicTensor;
    }
    outputs.set(id, out);
  }

  const modelOutputs = analysis.outputIds.map((id) => outputs.get(id)).filter((t): t is tfjs.SymbolicTensor => t !== undefined);
  if (!modelInput || modelOutputs.length === 0)
    throw new BuildError('The network has no Input or no output to build.', [{ message: 'nothing to build', fix: 'Connect layers after the Input layer.' }]);
  return tf.model({ inputs: modelInput, outputs: modelOutputs.length === 1 ? modelOutputs[0] : modelOutputs, name: modelName(doc.name) });
}

/**
 * Make every initializer of `layer` (kernelInitializer, biasInitializer,
 * gammaInitializer, movingVarianceInitializer, depthwiseInitializer, …:
 * tfjs-layers keeps them as fields named *Initializer) create zeros. Runs
 * before the layer is applied, which is when its weights are made.
 */
function zeroInitializers(tf: TF, layer: tfjs.layers.Layer): void {
  const fields = layer as unknown as Record<string, unknown>;
  for (const key of Object.keys(fields))
    if (key.endsWith('Initializer') && fields[key] instanceof tf.serialization.Serializable) fields[key] = tf.initializers.zeros();
}

/** tfjs model names end up in saved files: keep letters, digits, _ and -. */
function modelName(name: string | undefined): string {
  const s = (name ?? '').trim().replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '');
  return s || 'model';
}
