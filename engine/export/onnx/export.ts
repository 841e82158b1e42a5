/**
 * Graph document + trained weights → an ONNX model (opset 13), written by our
 * own encoder. The walk follows the analysis' topological order and calls
 * each layer's `onnx` hook (in its LayerDef); this file knows no layer type
 * by name (except Input, whose tensor is the graph input).
 *
 * The model's input is NHWC (batch × height × width × channels), exactly what
 * the engine takes, and each output has the engine's layout too; inside, image
 * tensors are NCHW (see ops.ts).
 */
import type { GraphAnalysis } from '../../analysis/types';
import type { GraphDoc } from '../../graph/doc';
import { getLayerDef } from '../../layers';
import { pickWeight, type LayerWeights } from '../weights';
import type { OnnxEmitCtx } from './ops';
import { encodeModel, type AttrValue, type OnnxModel, type OnnxNode, type OnnxTensor } from './proto';

/** The opset written; 13 has Softmax on one axis, Clip/Pad/Resize with tensor inputs. */
export const ONNX_OPSET = 13;
/** IR version 7 is the one that goes with opset 13. */
const IR_VERSION = 7;

export interface OnnxExport {
  /** The .onnx file bytes. */
  bytes: Uint8Array;
  /** Graph input name (NHWC float32, batch dimension 'batch'). */
  inputName: string;
  /** Output names, one per model output, in the analysis' output order (the layer names). */
  outputNames: string[];
  nodeCount: number;
}

/** Thrown for a graph that cannot be exported; the message names the layer. */
export class ExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExportError';
  }
}

/** Check the analysis is clean and buildable; throws ExportError otherwise. */
export function assertExportable(analysis: GraphAnalysis): void {
  const errors = analysis.issues.filter((i) => i.severity === 'error');
  if (errors.length > 0) throw new ExportError(`fix the network's ${errors.length} problem(s) before exporting: ${errors[0].message}`);
  if (analysis.inputId === null || analysis.outputIds.length === 0) throw new ExportError('the network needs one Input layer connected to at least one other layer');
}

/**
 * Build the ONNX model. `weights` are the trained (or initial) weights of the
 * model built from `doc`, keyed by layer name.
 */
export function exportOnnx(doc: GraphDoc, analysis: GraphAnalysis, weights: LayerWeights, opts: { producerVersion?: string } = {}): OnnxExport {
  assertExportable(analysis);
  const nodes: OnnxNode[] = [];
  const inits: OnnxTensor[] = [];
  const used = new Set<string>();
  const unique = (base: string) => {
    let n = base;
    for (let i = 1; used.has(n); i++) n = `${base}_${i}`;
    used.add(n);
    return n;
  };
  const docNodes = new Map(doc.nodes.map((n) => [n.id, n]));
  const incoming = new Map<string, { source: string; slot: number }[]>();
  for (const e of doc.edges) {
    const list = incoming.get(e.target) ?? [];
    list.push({ source: e.source, slot: e.targetIndex });
    incoming.set(e.target, list);
  }

  const inputNode = analysis.nodes[analysis.inputId!];
  const inputShape = inputNode.outputShape!;
  const inputName = unique('input');
  const tensorOf = new Map<string, string>();
  const rankOf = new Map<string, number>();

  for (const id of analysis.order) {
    const a = analysis.nodes[id];
    const type = docNodes.get(id)!.type;
    const emit = getLayerDef(type)?.onnx;
    if (!emit) throw new ExportError(`layer ${a.name} (${type}) has no ONNX form`);
    const sources = (incoming.get(id) ?? []).slice().sort((x, y) => x.slot - y.slot).map((e) => e.source);
    let x: string[];
    if (type === 'input') {
      // The engine's NHWC input, turned NCHW for the convolutions.
      x = [inputShape.length === 3 ? pushNode('Transpose', [inputName], { perm: [0, 3, 1, 2] }, `${a.name}_to_nchw`) : inputName];
    } else x = sources.map((s) => tensorOf.get(s)!);

    const ctx: OnnxEmitCtx = {
      name: a.name,
      p: a.params,
      x,
      inShapes: a.inputShapes as NonNullable<(typeof a.inputShapes)[number]>[],
      outShape: a.outputShape!,
      weight: (short) => pickWeight(weights, a.name, short),
      hasWeight: (short) => !!weights.get(a.name)?.some((w) => w.name === short),
      node: (op, inputs, attrs, outputs = 1) => {
        const outs = Array.from({ length: outputs }, () => unique(`${a.name}/${op}`));
        nodes.push({ op, inputs, outputs: outs, name: unique(`${a.name}/${op}_node`), attrs });
        return outs[0];
      },
      floats: (suffix, dims, data) => {
        const name = unique(`${a.name}/${suffix}`);
        inits.push({ name, dims, data: data instanceof Float32Array ? data : Float32Array.from(data) });
        return name;
      },
      ints: (suffix, values) => {
        const name = unique(`${a.name}/${suffix}`);
        inits.push({ name, dims: [values.length], data: BigInt64Array.from(values.map((v) => BigInt(v))) });
        return name;
      },
    };
    let out: string;
    try {
      out = emit(ctx);
    } catch (e) {
      throw new ExportError(`cannot export layer ${a.name} (${type}) to ONNX: ${(e as Error).message}`);
    }
    tensorOf.set(id, out);
    rankOf.set(id, a.outputShape!.length);
  }

  const outputNames: string[] = [];
  const outputs = analysis.outputIds.map((id) => {
    const a = analysis.nodes[id];
    const rank = rankOf.get(id)!;
    const name = unique(a.name);
    // Outputs leave in the engine's layout (NHWC for images).
    pushNode(rank === 3 ? 'Transpose' : 'Identity', [tensorOf.get(id)!], rank === 3 ? { perm: [0, 2, 3, 1] } : undefined, `${name}_output`, name);
    outputNames.push(name);
    return { name, dims: ['batch', ...a.outputShape!] as (string | number)[] };
  });

  const model: OnnxModel = {
    opset: ONNX_OPSET,
    irVersion: IR_VERSION,
    producer: 'CNN Designer',
    producerVersion: opts.producerVersion ?? '0.1.0',
    graphName: doc.name || 'model',
    nodes,
    initializers: inits,
    inputs: [{ name: inputName, dims: ['batch', ...inputShape] }],
    outputs,
    doc: `Exported from "${doc.name}". Input ${inputName}: NHWC float32 (batch × ${inputShape.join(' × ')}).`,
  };
  return { bytes: encodeModel(model), inputName, outputNames, nodeCount: nodes.length };

  function pushNode(op: string, inputs: string[], attrs: Record<string, AttrValue> | undefined, nodeName: string, output?: string): string {
    const out = output ?? unique(`${nodeName}_out`);
    nodes.push({ op, inputs, outputs: [out], name: unique(nodeName), attrs });
    return out;
  }
}
