/**
 * Automatic layout with ELK's layered algorithm, top to bottom, as a network
 * diagram reads: input at the top, outputs at the bottom. Node sizes are the
 * measured ones, so wide nodes do not overlap.
 */
import type { ELK } from 'elkjs/lib/elk-api';
import type { GraphDoc } from '../../engine/graph/doc';
import type { XY } from '../state/doc-ops';

/** Default node size before React Flow has measured it. */
export const NODE_SIZE = { width: 220, height: 62 };

let elk: Promise<ELK> | null = null;

/**
 * ELK is large (1.6 MB): loaded on first use, and run in a Web Worker where
 * there is one so a big layout never freezes the window.
 */
function getElk(): Promise<ELK> {
  elk ??= (async () => {
    if (typeof Worker !== 'undefined') {
      try {
        const [{ default: ElkApi }, { default: workerUrl }] = await Promise.all([import('elkjs/lib/elk-api.js'), import('elkjs/lib/elk-worker.min.js?url')]);
        return new ElkApi({ workerUrl });
      } catch (e) {
        // A host that refuses workers (a strict CSP, file://) still gets a layout, in this thread.
        console.warn('ELK worker unavailable, laying out in the page:', e);
      }
    }
    return inPageElk();
  })();
  return elk;
}

async function inPageElk(): Promise<ELK> {
  const { default: Elk } = await import('elkjs/lib/elk.bundled.js');
  return new Elk();
}

/**
 * Positions (top-left, pixels) for every node of `doc`. `sizes` gives measured
 * sizes by node id. Edges keep their input order, so a Concatenate's inputs
 * stay left to right in slot order.
 */
export async function layoutDoc(doc: GraphDoc, sizes: ReadonlyMap<string, { width: number; height: number }>): Promise<Map<string, XY>> {
  const engine = await getElk();
  const graph = {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.layered.spacing.nodeNodeBetweenLayers': '36',
      'elk.spacing.nodeNode': '40',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
      'elk.layered.crossingMinimization.semiInteractive': 'true',
      'elk.edgeRouting': 'SPLINES',
    },
    children: doc.nodes.map((n) => {
      const s = sizes.get(n.id) ?? NODE_SIZE;
      return { id: n.id, width: s.width, height: s.height };
    }),
    edges: [...doc.edges]
      .sort((a, b) => a.targetIndex - b.targetIndex)
      .map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] })),
  };
  let out;
  try {
    out = await engine.layout(graph);
  } catch (e) {
    // The worker failed to load or crashed: retry once in the page and keep using that.
    console.warn('ELK layout in the worker failed, retrying in the page:', e);
    elk = inPageElk();
    out = await (await elk).layout(graph);
  }
  const pos = new Map<string, XY>();
  for (const c of out.children ?? []) pos.set(c.id, { x: Math.round(c.x ?? 0), y: Math.round(c.y ?? 0) });
  return pos;
}
