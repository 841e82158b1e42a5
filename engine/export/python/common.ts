/**
 * What the Keras and PyTorch code generators share: Python literals, safe
 * identifiers, and the walk over the analysed graph in topological order
 * (each layer with its resolved parameters, shapes and input variables).
 */
import type { GraphAnalysis } from '../../analysis/types';
import type { Shape } from '../../core/shape';
import type { GraphDoc } from '../../graph/doc';
import type { CodeLayer } from '../../layers/export-types';
import { assertExportable } from '../onnx/export';

export { py, pyFloat, pyText } from './literals';

export type { CodeLayer } from '../../layers/export-types';

/** The layers in topological order with their inputs, and the output variables. */
export function walk(doc: GraphDoc, analysis: GraphAnalysis): { layers: CodeLayer[]; outputs: CodeLayer[]; input: CodeLayer } {
  assertExportable(analysis);
  const byId = new Map(doc.nodes.map((n) => [n.id, n]));
  const incoming = new Map<string, { source: string; slot: number }[]>();
  for (const e of doc.edges) incoming.set(e.target, [...(incoming.get(e.target) ?? []), { source: e.source, slot: e.targetIndex }]);
  const used = new Set<string>(['x', 'model', 'self', 'np', 'torch', 'nn', 'F', 'keras', 'layers', 'inputs', 'outputs', 'math']);
  const vars = new Map<string, string>();
  const layers: CodeLayer[] = [];
  for (const id of analysis.order) {
    const a = analysis.nodes[id];
    let v = a.name.replace(/[^A-Za-z0-9_]/g, '_');
    if (/^[0-9]/.test(v)) v = `l_${v}`;
    if (PY_KEYWORDS.has(v)) v = `${v}_`;
    const base = v;
    for (let i = 2; used.has(v); i++) v = `${base}_${i}`;
    used.add(v);
    vars.set(id, v);
    const inputs = (incoming.get(id) ?? []).slice().sort((x, y) => x.slot - y.slot).map((e) => vars.get(e.source)!);
    layers.push({
      id,
      type: byId.get(id)!.type,
      name: a.name,
      v,
      p: a.params,
      inShapes: a.inputShapes as Shape[],
      outShape: a.outputShape!,
      inputs,
      frozen: !!byId.get(id)!.frozen,
    });
  }
  const byLayer = new Map(layers.map((l) => [l.id, l]));
  return { layers, outputs: analysis.outputIds.map((id) => byLayer.get(id)!), input: byLayer.get(analysis.inputId!)! };
}

const PY_KEYWORDS = new Set(
  'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield input print list dict set type id len max min sum range'.split(' '),
);
