/**
 * Canvas positions for a graph that has none (an imported model): layers in
 * rows by longest path from the input, top to bottom, branches side by side,
 * on the same grid the templates use. Pure; returns a new document.
 */
import type { GraphDoc } from '../graph/doc';

/** Row and column spacing in pixels (nodes are about 220×62). */
export const LAYOUT_DX = 260;
export const LAYOUT_DY = 110;

/** Lay out `doc` top-down; `order` is a topological order of its node ids. */
export function layoutDoc(doc: GraphDoc, order: readonly string[]): GraphDoc {
  const incoming = new Map<string, string[]>();
  for (const e of doc.edges) incoming.set(e.target, [...(incoming.get(e.target) ?? []), e.source]);
  const depth = new Map<string, number>();
  for (const id of order) depth.set(id, Math.max(-1, ...(incoming.get(id) ?? []).map((s) => depth.get(s) ?? 0)) + 1);
  const rows = new Map<number, string[]>();
  for (const id of order) {
    const d = depth.get(id)!;
    rows.set(d, [...(rows.get(d) ?? []), id]);
  }
  const x = new Map<string, number>();
  for (const [, ids] of [...rows.entries()].sort((a, b) => a[0] - b[0])) {
    // Keep a node under its first input, so chains are straight columns.
    const want = ids.map((id) => ({ id, at: x.get((incoming.get(id) ?? [])[0]) ?? 0 }));
    want.sort((a, b) => a.at - b.at);
    // Place left to right at least LAYOUT_DX apart, then centre the row on
    // where its nodes wanted to be.
    const placed: number[] = [];
    want.forEach((w, i) => placed.push(i === 0 ? w.at : Math.max(w.at, placed[i - 1] + LAYOUT_DX)));
    const shift = want.reduce((s, w, i) => s + w.at - placed[i], 0) / want.length;
    want.forEach((w, i) => x.set(w.id, placed[i] + shift));
  }
  const xs = [...x.values()];
  const minX = xs.length ? Math.min(...xs) : 0;
  return {
    ...doc,
    nodes: doc.nodes.map((n) => ({ ...n, position: { x: Math.round((x.get(n.id) ?? 0) - minX), y: (depth.get(n.id) ?? 0) * LAYOUT_DY } })),
  };
}
