/**
 * The live analysis of the document being edited. Analysis is pure and runs
 * here in the renderer on every structural edit (not on moves: positions do
 * not change shapes or counts).
 *
 * Besides the raw {@link GraphAnalysis}, the store keeps one small
 * {@link NodeView} per node with a stable identity while its content is
 * unchanged, so after an edit only the nodes whose badges changed re-render.
 */
import { create } from 'zustand';
import { analyzeGraph } from '../../engine/analysis/analyze';
import type { GraphAnalysis } from '../../engine/analysis/types';
import type { Issue } from '../../engine/core/issues';
import { formatShape } from '../../engine/core/shape';
import type { GraphDoc } from '../../engine/graph/doc';
import { getLayerDef, type LayerCategory } from '../../engine/layers';
import { useGraphStore } from './graph-store';

/** What a node on the canvas shows, derived from the analysis. */
export interface NodeView {
  /** Display name of the layer type, e.g. `Conv2D`. */
  label: string;
  category: LayerCategory | 'unknown';
  /** Key parameters, e.g. `64 · 3×3 /2`. */
  summary: string;
  /** Output shape as shown, e.g. `56×56×64`, or null when unknown (error upstream). */
  shape: string | null;
  /** Parameters of this layer (trainable + non-trainable). */
  params: number;
  /** Unique layer name (the user's or a derived one). */
  name: string;
  /** Errors and warnings on this node. */
  issues: readonly Issue[];
  severity: 'error' | 'warning' | null;
}

export interface AnalysisState {
  analysis: GraphAnalysis;
  views: Record<string, NodeView>;
  /** Input slots in use per node (highest connected slot + 1), for merge handles. */
  slots: Record<string, number>;
  /** Milliseconds the last analysis took (shown in the bench, not in the UI). */
  lastMs: number;
}

function viewKey(v: NodeView): string {
  return `${v.label}|${v.category}|${v.summary}|${v.shape}|${v.params}|${v.name}|${v.severity}|${v.issues.map((i) => i.code + i.message + (i.fix ?? '')).join('§')}`;
}

function summaryOf(type: string, params: Record<string, unknown>): string {
  const def = getLayerDef(type);
  if (!def) return '';
  try {
    return def.summary(params as never);
  } catch {
    // A summary must never break the canvas; the analysis reports the bad params.
    return '';
  }
}

/** Node views for an analysis, reusing unchanged ones from `prev`. */
export function buildViews(doc: GraphDoc, a: GraphAnalysis, prev: Record<string, NodeView>): Record<string, NodeView> {
  const out: Record<string, NodeView> = {};
  for (const n of doc.nodes) {
    const na = a.nodes[n.id];
    const def = getLayerDef(n.type);
    const issues = na?.issues ?? a.issues.filter((i) => i.nodeId === n.id);
    // E015 "upstream error" marks victims, not causes: no red outline for them
    // (their shape shows "?"), so the eye goes to the node that needs fixing.
    const own = issues.filter((i) => i.code !== 'E015');
    const severity = own.some((i) => i.severity === 'error') ? 'error' : own.length ? 'warning' : null;
    const v: NodeView = {
      label: def?.label ?? n.type,
      category: def?.category ?? 'unknown',
      summary: summaryOf(n.type, na?.params ?? n.params),
      shape: na?.outputShape ? formatShape(na.outputShape) : null,
      params: na?.paramCount ?? 0,
      name: na?.name ?? n.name ?? n.id,
      issues: own,
      severity,
    };
    const p = prev[n.id];
    out[n.id] = p && viewKey(p) === viewKey(v) ? p : v;
  }
  return out;
}

/** Whether two documents can differ in analysis (anything but positions changed). */
export function structureChanged(a: GraphDoc, b: GraphDoc): boolean {
  if (a === b) return false;
  if (a.edges !== b.edges || a.nodes.length !== b.nodes.length) return true;
  for (let i = 0; i < a.nodes.length; i++) {
    const x = a.nodes[i];
    const y = b.nodes[i];
    if (x === y) continue;
    if (x.id !== y.id || x.type !== y.type || x.params !== y.params || x.name !== y.name || x.frozen !== y.frozen) return true;
  }
  return false;
}

function analyse(doc: GraphDoc, prev: Record<string, NodeView>): AnalysisState {
  const t0 = performance.now();
  const analysis = analyzeGraph(doc);
  const views = buildViews(doc, analysis, prev);
  const slots: Record<string, number> = {};
  for (const e of doc.edges) slots[e.target] = Math.max(slots[e.target] ?? 0, e.targetIndex + 1);
  return { analysis, views, slots, lastMs: performance.now() - t0 };
}

let analysedDoc = useGraphStore.getState().doc;

export const useAnalysisStore = create<AnalysisState>()(() => analyse(analysedDoc, {}));

// Recompute synchronously on every structural change, so the badges update
// in the same frame as the edit.
useGraphStore.subscribe((s) => {
  if (s.doc === analysedDoc) return;
  const prev = analysedDoc;
  analysedDoc = s.doc;
  if (!structureChanged(prev, s.doc)) return;
  useAnalysisStore.setState(analyse(s.doc, useAnalysisStore.getState().views));
});
