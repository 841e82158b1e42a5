/**
 * Which connections the canvas accepts while the user drags a wire. Refused:
 * a node to itself, a cycle, an input of a layer that takes none (Input), a
 * slot the layer does not have, a duplicate wire, and a shape the target
 * layer would reject outright (its own outputShape says so with E005/E006/E007).
 * Problems that a parameter change can fix (a kernel too large) are allowed
 * and reported by the analysis on the node instead.
 */
import type { GraphAnalysis } from '../../engine/analysis/types';
import { isLayerError } from '../../engine/core/issues';
import type { Shape } from '../../engine/core/shape';
import type { GraphDoc } from '../../engine/graph/doc';
import { getLayerDef } from '../../engine/layers';
import { reaches } from '../state/doc-ops';

export interface ConnectionAttempt {
  source: string | null;
  target: string | null;
  sourceHandle?: string | null;
  targetHandle?: string | null;
}

export type ConnectionVerdict = { ok: true; targetIndex: number } | { ok: false; reason: string };

/** Slot index of a target handle id `in-3` → 3. */
export function slotOf(handle: string | null | undefined): number {
  const m = /^in-(\d+)$/.exec(handle ?? '');
  return m ? Number(m[1]) : 0;
}

/** Shape-rejection codes: the target cannot take this input whatever its parameters. */
const SHAPE_CODES = new Set(['E005', 'E006', 'E007']);

export function checkConnection(doc: GraphDoc, analysis: GraphAnalysis | null, c: ConnectionAttempt): ConnectionVerdict {
  const { source, target } = c;
  if (!source || !target) return { ok: false, reason: 'Drop the wire on a layer’s input.' };
  if (source === target) return { ok: false, reason: 'A layer cannot feed itself.' };
  const tNode = doc.nodes.find((n) => n.id === target);
  const sNode = doc.nodes.find((n) => n.id === source);
  if (!tNode || !sNode) return { ok: false, reason: 'That layer no longer exists.' };
  const def = getLayerDef(tNode.type);
  const label = def?.label ?? tNode.type;
  if (def && def.inputs.max === 0) return { ok: false, reason: `${label} is where data enters: it takes no input.` };
  const slot = slotOf(c.targetHandle);
  if (def && slot >= def.inputs.max) return { ok: false, reason: `${label} takes at most ${def.inputs.max} input${def.inputs.max === 1 ? '' : 's'}.` };
  if (doc.edges.some((e) => e.source === source && e.target === target && (def?.inputs.max ?? 1) <= 1))
    return { ok: false, reason: 'These layers are already connected.' };
  if (doc.edges.some((e) => e.source === source && e.target === target && e.targetIndex === slot)) return { ok: false, reason: 'Already connected.' };
  if (reaches(doc, target, source)) return { ok: false, reason: `That would make a loop: ${label} already feeds this layer.` };

  // Would the target reject the shape? Only when every shape involved is known.
  if (def && analysis) {
    const srcShape = analysis.nodes[source]?.outputShape;
    if (srcShape) {
      const single = def.inputs.max <= 1;
      const shapes: (Shape | null)[] = [];
      if (!single)
        for (const e of doc.edges)
          if (e.target === target && e.targetIndex !== slot) shapes[e.targetIndex] = analysis.nodes[e.source]?.outputShape ?? null;
      shapes[single ? 0 : slot] = srcShape;
      const inputs = shapes.filter((s): s is Shape => !!s);
      const complete = inputs.length === shapes.length;
      const params = analysis.nodes[target]?.params;
      // A merge is checked with what is wired so far, once it has two inputs.
      if (complete && params && (single || inputs.length >= 2)) {
        try {
          const out = def.outputShape(inputs, params as never);
          if (isLayerError(out) && SHAPE_CODES.has(out.code)) return { ok: false, reason: out.message };
        } catch {
          // A layer's shape code must not break the canvas; the analysis will report it.
        }
      }
    }
  }
  return { ok: true, targetIndex: def && def.inputs.max <= 1 ? 0 : slot };
}
