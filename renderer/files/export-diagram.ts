/**
 * Export the diagram as SVG or PNG, as the React Flow docs' "Download Image"
 * example does: render the viewport element with html-to-image, transformed
 * so the whole graph fits the image, then hand the bytes to the host to write.
 */
import { getNodesBounds, getViewportForBounds } from '@xyflow/react';
import { toPng, toSvg } from 'html-to-image';
import { getFlow } from '../canvas/flow-ref';
import { getEngine } from '../ipc/engine';
import { useGraphStore } from '../state/graph-store';
import { pickFile, useUiStore } from '../state/ui-store';
import { confirmReplace, slug } from './file-actions';

const PAD = 40;
/** Longest side of the exported image, px: large graphs are scaled down to fit. */
const MAX_SIDE = 8000;

/** Render the diagram; returns a data URL. */
export async function renderDiagram(format: 'svg' | 'png'): Promise<string> {
  const flow = getFlow();
  const viewport = document.querySelector<HTMLElement>('.react-flow__viewport');
  if (!flow || !viewport) throw new Error('The canvas is not on screen.');
  const nodes = flow.getNodes();
  if (!nodes.length) throw new Error('The canvas is empty: add layers first.');
  const bounds = getNodesBounds(nodes);
  const scale = Math.min(1.5, MAX_SIDE / Math.max(bounds.width + 2 * PAD, bounds.height + 2 * PAD));
  const width = Math.ceil((bounds.width + 2 * PAD) * scale);
  const height = Math.ceil((bounds.height + 2 * PAD) * scale);
  const vp = getViewportForBounds(bounds, width, height, scale * 0.5, scale, PAD / Math.max(width, height));
  const opts = {
    backgroundColor: '#ffffff',
    width,
    height,
    style: { width: `${width}px`, height: `${height}px`, transform: `translate(${vp.x}px, ${vp.y}px) scale(${vp.zoom})` },
    // Handles are editing affordances, not part of the diagram.
    filter: (el: HTMLElement) => !(el.classList && el.classList.contains('react-flow__handle')),
  };
  return format === 'svg' ? toSvg(viewport, opts) : toPng(viewport, { ...opts, pixelRatio: 1 });
}

export async function exportDiagram(format: 'svg' | 'png'): Promise<void> {
  const ui = useUiStore.getState();
  const name = slug(useGraphStore.getState().doc.name);
  let dataUrl: string;
  try {
    dataUrl = await renderDiagram(format);
  } catch (e) {
    ui.toast('error', `Could not draw the diagram: ${(e as Error).message}`);
    return;
  }
  let path: string | undefined;
  if (!ui.host?.nativeDialogs) {
    path = (await pickFile({ mode: 'save', title: `Export diagram as ${format.toUpperCase()}`, extension: `.${format}`, suggestedName: name })) ?? undefined;
    if (!path) return;
  }
  const comma = dataUrl.indexOf(',');
  const body = dataUrl.slice(comma + 1);
  const req =
    format === 'svg'
      ? { format: 'svg' as const, svg: dataUrl.slice(0, comma).includes('base64') ? atob(body) : decodeURIComponent(body), path, suggestedName: name }
      : { format: 'png' as const, base64: body, path, suggestedName: name };
  let r = await getEngine().exportDiagram(req);
  if (!r.ok && r.error.code === 'ALREADY_EXISTS' && path) {
    if (!(await confirmReplace(path))) return;
    r = await getEngine().exportDiagram({ ...req, overwrite: true });
  }
  if (!r.ok) ui.toast('error', `Could not export: ${r.error.message}`);
  else if (r.value) ui.toast('success', `Diagram saved to ${r.value.path}`);
}
