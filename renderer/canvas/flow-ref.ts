/**
 * The React Flow instance of the canvas, for commands that act on the view
 * (fit, zoom, centre on a node, export). Set by GraphCanvas when it mounts.
 */
import type { ReactFlowInstance } from '@xyflow/react';
import type { LayerFlowNode, ShapeFlowEdge } from '../state/graph-store';

export type Flow = ReactFlowInstance<LayerFlowNode, ShapeFlowEdge>;

let flow: Flow | null = null;

export function setFlow(f: Flow | null): void {
  flow = f;
}

export function getFlow(): Flow | null {
  return flow;
}

/** Fit the whole graph in view (after the next frame, so new nodes are measured). */
export function fitSoon(duration = 250): void {
  requestAnimationFrame(() => requestAnimationFrame(() => void flow?.fitView({ padding: 0.12, duration, maxZoom: 1.25 })));
}

/** Below this zoom the labels are unreadable (13-px text under 8 px; worse on a projector): show the start of the network instead of all of it. */
const READABLE_ZOOM = 0.6;

/**
 * The view for a document just opened: the whole graph if it fits at a
 * readable size, else the top (the input end) at a comfortable zoom, centred
 * on the graph's column. Computed from node positions alone, so it needs no
 * measured nodes.
 */
export function showStart(nodes: readonly { position: { x: number; y: number } }[], nodeW: number, nodeH: number): void {
  const run = () => {
    if (!flow || !nodes.length) return;
    const el = document.querySelector('.react-flow');
    if (!el) return;
    const { width: W, height: H } = el.getBoundingClientRect();
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (const n of nodes) {
      x0 = Math.min(x0, n.position.x);
      y0 = Math.min(y0, n.position.y);
      x1 = Math.max(x1, n.position.x + nodeW);
      y1 = Math.max(y1, n.position.y + nodeH);
    }
    const pad = 0.12;
    const fit = Math.min((W * (1 - pad)) / (x1 - x0), (H * (1 - pad)) / (y1 - y0));
    if (fit >= READABLE_ZOOM) {
      const z = Math.min(fit, 1.25);
      void flow.setViewport({ x: W / 2 - ((x0 + x1) / 2) * z, y: H / 2 - ((y0 + y1) / 2) * z, zoom: z });
    } else {
      const z = Math.max(READABLE_ZOOM, Math.min(0.85, (W * (1 - pad)) / (x1 - x0)));
      void flow.setViewport({ x: W / 2 - ((x0 + x1) / 2) * z, y: 24 - y0 * z, zoom: z });
    }
  };
  run();
}
