/**
 * Teaching view: the receptive field of a layer drawn as a square on a sample
 * image at the network's input size, and how it grows layer by layer along
 * the path from the input (step through it with the slider). The square is
 * the region one output value in the middle of the layer's output sees; dots
 * mark where its neighbours' regions are centred (the jump).
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { GraphAnalysis, NodeAnalysis } from '../../engine/analysis/types';
import type { GraphDoc } from '../../engine/graph/doc';
import { getLayerDef } from '../../engine/layers';
import { useAnalysisStore } from '../state/analysis-store';
import { useGraphStore } from '../state/graph-store';
import { drawSampleImage } from './sample-image';
import { rfSentence } from './Inspector';

/** The chain from the Input to `id`, following each layer's first input. */
export function pathFromInput(doc: GraphDoc, id: string): string[] {
  const firstInput = new Map<string, string>();
  for (const e of doc.edges) {
    const cur = firstInput.get(e.target);
    if (cur === undefined || e.targetIndex === 0) firstInput.set(e.target, e.source);
  }
  const path = [id];
  const seen = new Set(path);
  for (let n = firstInput.get(id); n !== undefined && !seen.has(n); n = firstInput.get(n)) {
    path.push(n);
    seen.add(n);
  }
  return path.reverse();
}

/** The layer to show when none is selected: the deepest one whose field is still local. */
function defaultLayer(a: GraphAnalysis): string | null {
  for (let i = a.order.length - 1; i >= 0; i--) {
    const rf = a.nodes[a.order[i]]?.receptiveField;
    if (rf && !rf.global) return a.order[i];
  }
  return null;
}

const STAGE = 600; // drawing resolution of the stage, px (CSS scales it to the panel)
const COLORS = ['#38bdf8', '#a78bfa', '#f472b6', '#facc15', '#4ade80', '#fb923c'];

function draw(canvas: HTMLCanvasElement, input: readonly number[], steps: NodeAnalysis[], current: number) {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const [H, W, C] = input;
  // Image in the middle, with a margin so fields that reach into the padding show.
  const margin = 0.16;
  const scale = (STAGE * (1 - 2 * margin)) / Math.max(H, W);
  const ox = (STAGE - W * scale) / 2;
  const oy = (STAGE - H * scale) / 2;
  ctx.fillStyle = '#0f172a';
  ctx.fillRect(0, 0, STAGE, STAGE);
  const img = document.createElement('canvas');
  img.width = W;
  img.height = H;
  drawSampleImage(img, C === 1);
  ctx.imageSmoothingEnabled = Math.max(H, W) > 96;
  ctx.drawImage(img, ox, oy, W * scale, H * scale);
  ctx.strokeStyle = 'rgba(255,255,255,0.35)';
  ctx.lineWidth = 1;
  ctx.strokeRect(ox - 0.5, oy - 0.5, W * scale + 1, H * scale + 1);

  const rect = (a: NodeAnalysis) => {
    const rf = a.receptiveField!;
    const out = a.outputShape ?? [1, 1];
    if (rf.global) return { x: 0, y: 0, w: W, h: H, cy: (H - 1) / 2, cx: (W - 1) / 2 };
    const iy = Math.floor(((out[0] ?? 1) - 1) / 2);
    const ix = Math.floor(((out[1] ?? 1) - 1) / 2);
    const cy = rf.start[0] + iy * rf.stride[0];
    const cx = rf.start[1] + ix * rf.stride[1];
    return { x: cx - (rf.size[1] - 1) / 2, y: cy - (rf.size[0] - 1) / 2, w: rf.size[1], h: rf.size[0], cy, cx };
  };

  // Earlier layers: thin outlines, so the growth reads as nested squares.
  for (let k = 0; k < current; k++) {
    const a = steps[k];
    if (!a.receptiveField) continue;
    const r = rect(a);
    ctx.strokeStyle = COLORS[k % COLORS.length] + '99';
    ctx.lineWidth = 1.5;
    ctx.strokeRect(ox + r.x * scale, oy + r.y * scale, r.w * scale, r.h * scale);
  }

  const a = steps[current];
  if (!a?.receptiveField) return;
  const rf = a.receptiveField;
  const r = rect(a);
  // Where the neighbouring output values look (centres), when few enough to see.
  const out = a.outputShape;
  if (!rf.global && out && out.length === 3 && out[0] * out[1] <= 4096) {
    ctx.fillStyle = 'rgba(255,255,255,0.75)';
    const rad = Math.max(1.5, Math.min(3, (rf.stride[0] * scale) / 5));
    for (let i = 0; i < out[0]; i++)
      for (let j = 0; j < out[1]; j++) {
        const y = oy + (rf.start[0] + i * rf.stride[0] + 0.5) * scale;
        const x = ox + (rf.start[1] + j * rf.stride[1] + 0.5) * scale;
        ctx.beginPath();
        ctx.arc(x, y, rad, 0, Math.PI * 2);
        ctx.fill();
      }
  }
  ctx.fillStyle = 'rgba(250, 204, 21, 0.22)';
  ctx.fillRect(ox + r.x * scale, oy + r.y * scale, r.w * scale, r.h * scale);
  ctx.strokeStyle = '#facc15';
  ctx.lineWidth = 3;
  ctx.strokeRect(ox + r.x * scale, oy + r.y * scale, r.w * scale, r.h * scale);
  // The centre unit itself.
  ctx.fillStyle = '#ef4444';
  ctx.beginPath();
  ctx.arc(ox + (r.cx + 0.5) * scale, oy + (r.cy + 0.5) * scale, 5, 0, Math.PI * 2);
  ctx.fill();
}

export function ReceptiveFieldView({ selected }: { selected: string | null }) {
  const doc = useGraphStore((s) => s.doc);
  const analysis = useAnalysisStore((s) => s.analysis);
  const target = selected && analysis.nodes[selected]?.receptiveField ? selected : defaultLayer(analysis);
  const path = useMemo(() => (target ? pathFromInput(doc, target).filter((id) => analysis.nodes[id]?.receptiveField) : []), [doc, analysis, target]);
  const steps = useMemo(() => path.map((id) => analysis.nodes[id]), [path, analysis]);
  const [k, setK] = useState(Math.max(0, steps.length - 1));
  useEffect(() => setK(Math.max(0, steps.length - 1)), [target, steps.length]);
  const canvas = useRef<HTMLCanvasElement>(null);
  const inputShape = analysis.inputId ? analysis.nodes[analysis.inputId]?.outputShape : null;
  const imageOk = !!inputShape && inputShape.length === 3;
  const cur = steps[Math.min(k, steps.length - 1)];

  useEffect(() => {
    if (canvas.current && imageOk && steps.length) draw(canvas.current, inputShape!, steps, Math.min(k, steps.length - 1));
  }, [steps, k, imageOk, inputShape]);

  if (!imageOk) return <p className="insp-help" style={{ marginTop: 16 }}>Add an Input layer with an image shape (height × width × channels) to see receptive fields.</p>;
  if (!cur) return <p className="insp-help" style={{ marginTop: 16 }}>Connect some layers to the Input, then select one to see what part of the image it sees.</p>;
  const def = getLayerDef(cur.type);
  return (
    <div data-testid="rf-view">
      <p className="insp-help" style={{ marginTop: 12 }}>
        The yellow square is the part of a {inputShape!.slice(0, 2).join('×')} input image that one value in the middle of the layer’s output depends on. Step through the layers to watch it grow.
      </p>
      <div className="rf-stage">
        <canvas ref={canvas} width={STAGE} height={STAGE} data-testid="rf-canvas" />
      </div>
      <div className="rf-steps">
        <button className="btn btn-outline" disabled={k <= 0} onClick={() => setK(k - 1)} aria-label="Previous layer">
          ◀
        </button>
        <input type="range" min={0} max={steps.length - 1} value={Math.min(k, steps.length - 1)} onChange={(e) => setK(Number(e.target.value))} aria-label="Layer" data-testid="rf-slider" />
        <button className="btn btn-outline" disabled={k >= steps.length - 1} onClick={() => setK(k + 1)} aria-label="Next layer">
          ▶
        </button>
      </div>
      <div className="rf-caption" data-testid="rf-caption">
        {k + 1}/{steps.length} · {cur.name} <span className="muted">({def?.label ?? cur.type})</span>
      </div>
      <p className="rf-legend">{rfSentence(cur)}</p>
      {!cur.receptiveField!.global && (
        <dl className="kv">
          <dt>Receptive field</dt>
          <dd data-testid="rf-view-size">{cur.receptiveField!.size.join('×')} px</dd>
          <dt>Jump</dt>
          <dd>{cur.receptiveField!.stride.join('×')} px</dd>
          <dt>Output</dt>
          <dd>{cur.outputShape?.join('×') ?? '?'}</dd>
        </dl>
      )}
      <div className="section">
        <h3 className="section-title">Parameters of this layer</h3>
        <div className="formula">{cur.formula}</div>
      </div>
    </div>
  );
}
