/**
 * "Look inside": pick an image (a dataset sample or a file), a layer and a
 * class, and see the layer's feature maps, the first convolution's filters,
 * saliency (gradient, SmoothGrad), Grad-CAM, and the receptive field of any
 * feature-map pixel you click (theoretical box at once from the analysis,
 * effective field from the engine). Everything is computed by inspect jobs
 * in the engine, with progress and cancel.
 */
import { useEffect, useMemo, useRef, useState, type MouseEvent } from 'react';
import type { InspectPicture, InspectResult } from '../../../engine/api/contract';
import { rfUnitRegion } from '../../../engine/analysis/receptive-field';
import { gridHit } from '../../../engine/inspect/image';
import { useAnalysisStore } from '../../state/analysis-store';
import { useGraphStore } from '../../state/graph-store';
import { resolveWeightsPath, useInspectStore, type RunningJob } from './inspect-store';
import { cancelSlot, isBigNetwork, lastSpatialNode, maximizeSteps, runMainViews, runMaximize, runSmoothGrad, runUnitErf } from './run-inspect';
import './inspect.css';

const png = (b64: string) => `data:image/png;base64,${b64}`;
const pick = (r: InspectResult | null, view: string) => r?.images.find((i) => (i.view ?? r.view) === view) ?? null;
/** Shown width: small pictures enlarged by a whole factor (crisp pixels) up to about `max` px. */
const shownWidth = (p: { width: number }, max: number) => p.width * Math.max(1, Math.min(4, Math.floor(max / p.width)));

export function InspectPanel() {
  const open = useInspectStore((s) => s.open);
  // Opened from the toolbar's button (renderer/panels/Toolbar.tsx), which sets `open`.
  return open ? <InspectDrawer /> : null;
}

function Progress({ job, slot }: { job: RunningJob | null; slot: 'main' | 'erf' | 'maximize' | 'smooth' }) {
  if (!job) return null;
  return (
    <div className="insp-progress" data-testid={`inspect-progress-${slot}`}>
      <progress max={1} value={job.fraction ?? undefined} />
      <span>
        {job.what}
        {job.message ? ` · ${job.message}` : ''}
      </span>
      <button className="btn btn-outline" data-testid={`inspect-cancel-${slot}`} onClick={() => cancelSlot(slot)}>
        Cancel
      </button>
    </div>
  );
}

function InspectDrawer() {
  const s = useInspectStore();
  const doc = useGraphStore((g) => g.doc);
  const filePath = useGraphStore((g) => g.filePath);
  const analysis = useAnalysisStore((a) => a.analysis);

  // First open for this document: weights from the document, the layer the engine would pick.
  const docKey = `${filePath ?? ''}|${doc.weights?.path ?? ''}`;
  const lastDocKey = useRef<string | null>(null);
  useEffect(() => {
    if (lastDocKey.current === docKey) return;
    lastDocKey.current = docKey;
    const wp = resolveWeightsPath(filePath, doc.weights?.path);
    s.set({
      weightsPath: wp,
      weights: wp ? 'trained' : 'random',
      image: s.image.kind === 'sample' ? { ...s.image, spec: doc.dataset?.spec ?? s.image.spec } : s.image,
      nodeId: lastSpatialNode(),
      camNodeId: null,
      result: null,
      erf: null,
      unit: null,
      maximize: null,
      smooth: null,
    });
  }, [docKey]); // eslint-disable-line react-hooks/exhaustive-deps

  // Layers worth looking at: everything with a known output after the Input.
  const layers = useMemo(
    () => analysis.order.map((id) => analysis.nodes[id]).filter((n) => n && n.outputShape && n.type !== 'input'),
    [analysis],
  );
  const outNode = analysis.outputIds.length ? analysis.nodes[analysis.outputIds[0]] : null;
  const classes = outNode?.outputShape?.length === 1 ? outNode.outputShape[0] : 0;
  const names = s.result?.classNames ?? [];

  // The views follow every choice (debounced; a new job cancels the running one).
  const imageKey = s.image.kind === 'sample' ? `${s.image.spec}|${s.image.split}|${s.image.index}` : `file|${s.image.name}|${s.image.base64.length}`;
  const key = `${s.weights}|${s.weightsPath}|${imageKey}|${s.nodeId}|${s.camNodeId}|${s.classIndex}|${analysis.order.length}`;
  useEffect(() => {
    if (!s.nodeId) return;
    const t = setTimeout(() => void runMainViews(), 350);
    return () => clearTimeout(t);
  }, [key]); // eslint-disable-line react-hooks/exhaustive-deps

  const node = s.nodeId ? analysis.nodes[s.nodeId] : null;
  const fm = pick(s.result, 'activations');
  const filters = pick(s.result, 'filters');
  const sal = pick(s.result, 'saliency');
  const smooth = pick(s.result, 'smoothgrad') ?? pick(s.smooth, 'smoothgrad');
  const big = isBigNetwork();
  const cam = pick(s.result, 'gradcam');
  const erf = pick(s.erf, 'effective-rf') ?? pick(s.result, 'effective-rf');
  const input = s.result?.input;

  // The clicked unit's theoretical receptive field, straight from the analysis.
  const rf = node?.receptiveField ?? null;
  const box = useMemo(() => {
    if (!rf || !s.unit || !input) return null;
    const ry = rfUnitRegion(rf, 0, s.unit.row);
    const rx = rfUnitRegion(rf, 1, s.unit.col);
    if (!ry || !rx) return null;
    const k = input.scale;
    return { left: rx[0] * k, top: ry[0] * k, width: (rx[1] - rx[0] + 1) * k, height: (ry[1] - ry[0] + 1) * k };
  }, [rf, s.unit, input]);

  const onMapClick = (e: MouseEvent<HTMLImageElement>, pic: InspectPicture) => {
    if (!pic.grid) return;
    const el = e.currentTarget;
    const r = el.getBoundingClientRect();
    const x = ((e.clientX - r.left) * pic.width) / r.width;
    const y = ((e.clientY - r.top) * pic.height) / r.height;
    const hit = gridHit(pic.grid, x, y);
    if (hit) void runUnitErf({ row: hit.row, col: hit.col, channel: hit.channel });
  };

  const readFile = (f: File | undefined) => {
    if (!f) return;
    const fr = new FileReader();
    fr.onload = () => {
      const url = String(fr.result);
      s.set({ image: { kind: 'file', name: f.name, base64: url.slice(url.indexOf(',') + 1) } });
    };
    fr.readAsDataURL(f);
  };

  return (
    <div className="panel-drawer" data-testid="inspect-panel" role="dialog" aria-label="Look inside the network">
      <header className="insp-head">
        <h2>Look inside {doc.name ? `“${doc.name}”` : 'the network'}</h2>
        <button className="btn btn-outline" data-testid="inspect-close" onClick={() => s.set({ open: false })}>
          Close
        </button>
      </header>

      <div className="insp-controls">
        <label>
          Weights
          <select data-testid="inspect-weights" value={s.weights} onChange={(e) => s.set({ weights: e.target.value as 'trained' | 'random' })}>
            <option value="trained">Trained</option>
            <option value="random">Random (untrained)</option>
          </select>
        </label>
        {s.weights === 'trained' && (
          <label className="insp-wide">
            Weights folder
            <input data-testid="inspect-weights-path" value={s.weightsPath} placeholder="/path/to/my-net.weights" onChange={(e) => s.set({ weightsPath: e.target.value })} />
          </label>
        )}
        <label>
          Image
          <select
            data-testid="inspect-image-source"
            value={s.image.kind}
            onChange={(e) => (e.target.value === 'sample' ? s.set({ image: { kind: 'sample', spec: doc.dataset?.spec ?? 'builtin:shapes', split: 'test', index: 0 } }) : undefined)}
          >
            <option value="sample">Dataset sample</option>
            <option value="file" disabled={s.image.kind !== 'file'}>
              {s.image.kind === 'file' ? s.image.name : 'File (choose below)'}
            </option>
          </select>
        </label>
        {s.image.kind === 'sample' && (
          <>
            <label className="insp-wide">
              Dataset
              <input data-testid="inspect-dataset" value={s.image.spec} onChange={(e) => s.image.kind === 'sample' && s.set({ image: { ...s.image, spec: e.target.value } })} />
            </label>
            <label>
              Test image #
              <input
                type="number"
                min={0}
                data-testid="inspect-sample-index"
                value={s.image.index}
                onChange={(e) => s.image.kind === 'sample' && s.set({ image: { ...s.image, index: Math.max(0, Math.floor(Number(e.target.value) || 0)) } })}
              />
            </label>
            <button className="btn btn-outline" data-testid="inspect-next-sample" onClick={() => s.image.kind === 'sample' && s.set({ image: { ...s.image, index: s.image.index + 1 } })}>
              Next image
            </button>
          </>
        )}
        <label className="btn btn-outline insp-file">
          Image file…
          <input type="file" accept="image/png,image/jpeg,image/webp,image/gif" data-testid="inspect-file" onChange={(e) => readFile(e.target.files?.[0])} />
        </label>
        <label>
          Layer
          <select data-testid="inspect-layer" value={s.nodeId ?? ''} onChange={(e) => s.set({ nodeId: e.target.value || null })}>
            {layers.map((n) => (
              <option key={n.id} value={n.id}>
                {n.name} · {n.outputShape!.join('×')}
              </option>
            ))}
          </select>
        </label>
        <label>
          Class
          <select data-testid="inspect-class" value={s.classIndex ?? ''} onChange={(e) => s.set({ classIndex: e.target.value === '' ? null : Number(e.target.value) })}>
            <option value="">Top class</option>
            {Array.from({ length: classes }, (_, k) => (
              <option key={k} value={k}>
                {names[k] ?? `class ${k}`}
              </option>
            ))}
          </select>
        </label>
        <button className="btn btn-primary" data-testid="inspect-run" onClick={() => void runMainViews()} disabled={!s.nodeId}>
          Update
        </button>
      </div>
      <Progress job={s.jobs.main} slot="main" />
      {s.error && (
        <div className="insp-error" data-testid="inspect-error" role="alert">
          {s.error}
        </div>
      )}
      {!s.nodeId && <div className="insp-note">This network has no layer with a spatial output yet: add a convolution after the Input.</div>}

      <div className="insp-views">
        <section className="insp-card" data-testid="inspect-input">
          <h3>Image</h3>
          {input ? (
            <div className="insp-input-wrap" style={{ width: input.width, height: input.height }}>
              <img src={png(input.base64)} width={input.width} height={input.height} alt="the image the network looks at" className="pixelated" />
              {box && <div className="insp-rf-box" data-testid="inspect-rf-box" style={box} title="theoretical receptive field of the clicked unit" />}
            </div>
          ) : (
            <div className="insp-empty">…</div>
          )}
          {s.result?.prediction && (
            <ol className="insp-pred" data-testid="inspect-prediction">
              {s.result.prediction.slice(0, 3).map((p) => (
                <li key={p.index}>
                  <span>{p.name}</span>
                  <span className="mono">{(p.probability * 100).toFixed(1)}%</span>
                </li>
              ))}
            </ol>
          )}
          {s.result?.notes?.map((n) => (
            <p key={n} className="insp-note">
              {n}
            </p>
          ))}
        </section>

        <section className="insp-card insp-card-wide" data-testid="inspect-feature-maps">
          <h3>Feature maps</h3>
          {fm ? (
            <>
              <img src={png(fm.base64)} alt={fm.caption} className="pixelated insp-clickable" data-testid="inspect-feature-map-img" onClick={(e) => onMapClick(e, fm)} style={{ width: shownWidth(fm, 520) }} />
              <p className="insp-caption">{fm.caption}. Click a pixel to see its receptive field.</p>
            </>
          ) : (
            <div className="insp-empty">…</div>
          )}
        </section>

        <section className="insp-card" data-testid="inspect-erf">
          <h3>Receptive field</h3>
          <Progress job={s.jobs.erf} slot="erf" />
          {erf ? (
            <>
              <img src={png(erf.base64)} alt={erf.caption} className="pixelated" style={{ width: shownWidth(erf, 460) }} />
              <p className="insp-caption">{erf.caption}</p>
            </>
          ) : (
            <div className="insp-empty">…</div>
          )}
        </section>

        <section className="insp-card" data-testid="inspect-filters">
          <h3>Filters</h3>
          {filters ? (
            <>
              <img src={png(filters.base64)} alt={filters.caption} className="pixelated" style={{ width: shownWidth(filters, 320) }} />
              <p className="insp-caption">{filters.caption}</p>
            </>
          ) : (
            <div className="insp-empty">…</div>
          )}
        </section>

        <section className="insp-card" data-testid="inspect-gradcam">
          <h3>Grad-CAM</h3>
          <div className="insp-row">
            <label>
              At layer
              <select data-testid="inspect-cam-layer" value={s.camNodeId ?? ''} onChange={(e) => s.set({ camNodeId: e.target.value || null })}>
                <option value="">last convolution (usual)</option>
                {layers
                  .filter((n) => n.outputShape!.length === 3)
                  .map((n) => (
                    <option key={n.id} value={n.id}>
                      {n.name} · {n.outputShape!.join('×')}
                    </option>
                  ))}
              </select>
            </label>
          </div>
          {cam ? (
            <>
              <img src={png(cam.base64)} alt={cam.caption} className="pixelated" style={{ width: shownWidth(cam, 300) }} />
              <p className="insp-caption">{cam.caption}</p>
            </>
          ) : (
            <div className="insp-empty">…</div>
          )}
        </section>

        <section className="insp-card" data-testid="inspect-saliency">
          <h3>Saliency</h3>
          {sal ? (
            <>
              <img src={png(sal.base64)} alt={sal.caption} className="pixelated" data-testid="inspect-saliency-img" style={{ width: shownWidth(sal, 460) }} />
              <p className="insp-caption">{sal.caption}</p>
            </>
          ) : (
            <div className="insp-empty">…</div>
          )}
          {!smooth && big && sal && (
            <div className="insp-row">
              <button className="btn btn-outline" data-testid="inspect-smoothgrad-run" disabled={!!s.jobs.smooth} onClick={() => void runSmoothGrad(8)}>
                SmoothGrad (8 noisy copies: slow on a network this size)
              </button>
            </div>
          )}
          <Progress job={s.jobs.smooth} slot="smooth" />
          {smooth && (
            <>
              <img src={png(smooth.base64)} alt={smooth.caption} className="pixelated" style={{ width: shownWidth(smooth, 460) }} />
              <p className="insp-caption">{smooth.caption}</p>
            </>
          )}
        </section>

        <MaximizeCard channels={node?.outputShape ? node.outputShape[node.outputShape.length - 1] : 0} />
      </div>
    </div>
  );
}

function MaximizeCard({ channels }: { channels: number }) {
  const ch = useInspectStore((s) => s.maximizeChannel);
  const job = useInspectStore((s) => s.jobs.maximize);
  const res = useInspectStore((s) => s.maximize);
  const set = useInspectStore((s) => s.set);
  const [touched, setTouched] = useState(false);
  const pic = pick(res, 'maximize');
  return (
    <section className="insp-card" data-testid="inspect-maximize">
      <h3>What a channel looks for</h3>
      <div className="insp-row">
        <label>
          Channel
          <input type="number" min={0} max={Math.max(0, channels - 1)} value={ch} data-testid="inspect-max-channel" onChange={(e) => set({ maximizeChannel: Math.min(Math.max(0, Math.floor(Number(e.target.value) || 0)), Math.max(0, channels - 1)) })} />
        </label>
        <button
          className="btn btn-outline"
          data-testid="inspect-max-run"
          disabled={!channels || !!job}
          onClick={() => {
            setTouched(true);
            void runMaximize();
          }}
        >
          Find image
        </button>
      </div>
      <Progress job={job} slot="maximize" />
      {pic ? (
        <>
          <img src={png(pic.base64)} alt={pic.caption} className="pixelated" style={{ width: shownWidth(pic, 224) }} />
          <p className="insp-caption">{pic.caption}</p>
        </>
      ) : (
        !touched && <p className="insp-note">Gradient ascent on the input (jitter, blur, decay): {maximizeSteps()} steps for a network this size.</p>
      )}
    </section>
  );
}
