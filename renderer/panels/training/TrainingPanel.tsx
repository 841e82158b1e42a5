/**
 * The training panel: a full-height drawer (opened by the toolbar's "Train" button) with
 * three tabs — Train (settings, dataset picker with sample images and class
 * counts, the network/dataset compatibility check with one-click fixes, live
 * curves, progress with ETA, stop), Evaluate (confusion matrix, mistakes) and
 * Try an image. Mount <TrainingPanel /> once in the app; it talks to the
 * engine only through the contract client.
 */
import { useEffect, useMemo } from 'react';
import { checkCompatibility, applyDocFix, type CompatFix } from '../../../engine/train/compat';
import { useAnalysisStore } from '../../state/analysis-store';
import { useGraphStore } from '../../state/graph-store';
import { useUiStore } from '../../state/ui-store';
import { getEngine } from '../../ipc/engine';
import { Curves } from './Curves';
import { EvaluationView } from './EvaluationView';
import { currentModel, keepSettingsInDoc, loadDatasets, loadPreview, startTraining, stopTraining } from './run-training';
import { formFromDoc, useTrainingStore, type Tab, type TrainingState } from './training-store';
import { TryImageView } from './TryImageView';
import './training.css';

export function TrainingPanel() {
  const open = useTrainingStore((s) => s.open);
  // Opened from the toolbar's button (renderer/panels/Toolbar.tsx), which sets `open`.
  return open ? <TrainingDrawer /> : null;
}

const TABS: { id: Tab; label: string }[] = [
  { id: 'train', label: 'Train' },
  { id: 'evaluate', label: 'Evaluate' },
  { id: 'try', label: 'Try an image' },
];

function TrainingDrawer() {
  const s = useTrainingStore();
  const doc = useGraphStore((g) => g.doc);
  // First open: the document's saved settings and dataset, and the dataset list.
  useEffect(() => {
    const st = useTrainingStore.getState();
    if (st.status === 'idle') st.set({ settings: formFromDoc(doc.training) });
    if (!st.datasets) void loadDatasets();
    const spec = doc.dataset?.spec ?? st.spec;
    if (!st.preview || st.preview.spec !== spec) void loadPreview(spec);
  }, []); // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <div className="panel-drawer" role="dialog" aria-label="Training" data-testid="training-panel">
      <div className="trn-head">
        <h2>Training · {doc.name}</h2>
        <nav className="trn-tabs">
          {TABS.map((t) => (
            <button key={t.id} className={`btn ${s.tab === t.id ? 'btn-primary' : ''}`} data-testid={`training-tab-${t.id}`} onClick={() => s.set({ tab: t.id })}>
              {t.label}
            </button>
          ))}
        </nav>
        <button
          className="btn"
          data-testid="training-close"
          onClick={() => {
            keepSettingsInDoc();
            s.set({ open: false });
          }}
        >
          Close
        </button>
      </div>
      {s.tab === 'train' && <TrainView />}
      {s.tab === 'evaluate' && <EvaluationView />}
      {s.tab === 'try' && <TryImageView />}
    </div>
  );
}

/** Thread counts offered besides Automatic (those above the machine's cores are hidden). */
const THREAD_CHOICES = [1, 2, 4, 8];

function num(v: string, fallback: number) {
  const n = Number(v);
  return Number.isFinite(n) ? n : fallback;
}

function SettingsForm({ disabled }: { disabled: boolean }) {
  const f = useTrainingStore((s) => s.settings);
  const set = useTrainingStore((s) => s.set);
  const threads = useTrainingStore((s) => s.threads);
  const cores = typeof navigator !== 'undefined' ? navigator.hardwareConcurrency || 1 : 1;
  const up = (p: Partial<TrainingState['settings']>) => set({ settings: { ...f, ...p } });
  return (
    <fieldset className="trn-form" disabled={disabled} data-testid="training-settings">
      <legend>Settings</legend>
      <label>
        Optimizer
        <select value={f.optimizer} onChange={(e) => up({ optimizer: e.target.value as typeof f.optimizer, learningRate: e.target.value === 'sgd' ? 0.01 : 0.001 })}>
          <option value="adam">Adam</option>
          <option value="sgd">SGD with momentum</option>
          <option value="rmsprop">RMSprop</option>
        </select>
      </label>
      <label>
        Learning rate
        <input type="number" min={0} step="any" value={f.learningRate} onChange={(e) => up({ learningRate: num(e.target.value, f.learningRate) })} data-testid="setting-lr" />
      </label>
      {f.optimizer === 'sgd' && (
        <label>
          Momentum
          <input type="number" min={0} max={0.999} step={0.05} value={f.momentum} onChange={(e) => up({ momentum: num(e.target.value, f.momentum) })} />
        </label>
      )}
      <label>
        Batch size
        <input type="number" min={1} step={1} value={f.batchSize} onChange={(e) => up({ batchSize: Math.max(1, Math.round(num(e.target.value, f.batchSize))) })} data-testid="setting-batch" />
      </label>
      <label>
        Epochs
        <input type="number" min={1} step={1} value={f.epochs} onChange={(e) => up({ epochs: Math.max(1, Math.round(num(e.target.value, f.epochs))) })} data-testid="setting-epochs" />
      </label>
      <label>
        Validation share
        <input type="number" min={0} max={0.9} step={0.05} value={f.validationSplit} onChange={(e) => up({ validationSplit: Math.min(0.9, Math.max(0, num(e.target.value, f.validationSplit))) })} />
      </label>
      <label className="trn-check">
        <input type="checkbox" checked={f.augment.flip} onChange={(e) => up({ augment: { ...f.augment, flip: e.target.checked } })} /> Flip left–right
      </label>
      <label>
        Shift (share of size)
        <input type="number" min={0} max={0.5} step={0.05} value={f.augment.shift} onChange={(e) => up({ augment: { ...f.augment, shift: Math.min(0.5, Math.max(0, num(e.target.value, 0))) } })} />
      </label>
      <label className="trn-check">
        <input type="checkbox" checked={f.patience !== null} onChange={(e) => up({ patience: e.target.checked ? 3 : null })} /> Early stopping
      </label>
      {f.patience !== null && (
        <label>
          Patience (epochs)
          <input type="number" min={1} step={1} value={f.patience} onChange={(e) => up({ patience: Math.max(1, Math.round(num(e.target.value, 3))) })} />
        </label>
      )}
      <label title="Each batch is shared by this many threads, one per processor core. Automatic uses every core (up to 4) when batches are large enough; 1 leaves the other cores free.">
        Threads
        <select value={threads} onChange={(e) => set({ threads: Number(e.target.value) })} data-testid="setting-threads">
          <option value={0}>Automatic</option>
          {THREAD_CHOICES.filter((n) => n === 1 || n <= cores).map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </label>
    </fieldset>
  );
}

function DatasetPicker({ disabled }: { disabled: boolean }) {
  const s = useTrainingStore();
  const p = s.preview;
  const choices = s.datasets ?? [];
  const known = choices.some((d) => d.spec === s.spec);
  return (
    <section className="trn-dataset" data-testid="dataset-picker">
      <label>
        Dataset
        <select value={s.spec} disabled={disabled} onChange={(e) => void loadPreview(e.target.value)} data-testid="dataset-select">
          {!known && <option value={s.spec}>{s.spec}</option>}
          {choices.map((d) => (
            <option key={d.spec} value={d.spec} disabled={!d.available} title={d.detail}>
              {d.name}
              {d.available ? '' : ' (not found)'}
            </option>
          ))}
        </select>
      </label>
      <label>
        or a spec
        <input
          type="text"
          defaultValue={s.spec}
          key={s.spec}
          disabled={disabled}
          placeholder="folder:/path/to/images"
          onKeyDown={(e) => e.key === 'Enter' && void loadPreview((e.target as HTMLInputElement).value.trim())}
          data-testid="dataset-spec"
        />
      </label>
      <ChooseDatasetFolder disabled={disabled} />
      {s.datasetsError && <p className="trn-error">{s.datasetsError}</p>}
      {s.previewLoading && <p className="trn-muted">Reading the dataset…</p>}
      {s.previewError && <p className="trn-error">{s.previewError}</p>}
      {p && (
        <>
          <p className="trn-muted" data-testid="dataset-summary">
            {p.name}: {p.inputShape.join('×')} images, {p.classNames.length} classes, {p.classCounts.reduce((a, b) => a + b, 0).toLocaleString('en-US')} training and {p.testCount.toLocaleString('en-US')} test images
          </p>
          <table className="trn-classes">
            <tbody>
              {p.classNames.map((n, k) => (
                <tr key={k}>
                  <th>{n}</th>
                  <td className="trn-num">{p.classCounts[k].toLocaleString('en-US')}</td>
                  <td className="trn-samples">
                    {p.samples
                      .filter((x) => x.label === k)
                      .slice(0, 6)
                      .map((x, i) => (
                        <img key={i} src={`data:image/png;base64,${x.image}`} alt={n} />
                      ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

/** The network-vs-dataset check, with fix buttons. */
function CompatCheck() {
  const doc = useGraphStore((g) => g.doc);
  const analysis = useAnalysisStore((a) => a.analysis);
  const preview = useTrainingStore((s) => s.preview);
  const adaptInput = useTrainingStore((s) => s.adaptInput);
  const set = useTrainingStore((s) => s.set);
  const report = useMemo(
    () => (preview ? checkCompatibility(doc, analysis, { inputShape: preview.inputShape, classNames: preview.classNames }, { adaptInput }) : null),
    [doc, analysis, preview, adaptInput],
  );
  if (!report) return null;
  const apply = (fix: CompatFix) => {
    if (fix.kind === 'settings') set({ adaptInput: fix.settings.adaptInput ?? adaptInput });
    else {
      const g = useGraphStore.getState();
      g.commit(applyDocFix(g.doc, fix), 'immediately', fix.label);
    }
  };
  return (
    <section className="trn-compat" data-testid="compat-check">
      {report.problems.length === 0 && <p className="trn-ok">The network fits this dataset.</p>}
      {report.problems.map((p, i) => (
        <div key={i} className={`trn-problem trn-${p.severity}`} data-testid={`compat-${p.code}`}>
          <span>{p.message}</span>
          {p.fixes.map((f) => (
            <button key={f.id} className="btn" data-testid={`fix-${f.id}`} onClick={() => apply(f)}>
              {f.label}
            </button>
          ))}
          {p.code === 'RESIZED' && (
            <button className="btn" onClick={() => set({ adaptInput: false })}>
              Don't resize
            </button>
          )}
        </div>
      ))}
      {report.ok ? null : <p className="trn-muted">Fix the problems above to start training.</p>}
    </section>
  );
}

function fmtEta(sec: number | null) {
  if (sec == null || !Number.isFinite(sec)) return '';
  const s = Math.round(sec);
  return s >= 60 ? `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s` : `${s} s`;
}

/** Start from trained weights instead of random ones (transfer learning / fine-tuning). */
function FineTuneOption({ disabled }: { disabled: boolean }) {
  const fineTune = useTrainingStore((s) => s.fineTune);
  const set = useTrainingStore((s) => s.set);
  // Re-render when a run finishes or the document's weights change.
  useTrainingStore((s) => s.result);
  useGraphStore((g) => g.doc.weights?.path);
  const model = currentModel();
  if (!model) return null;
  const from = 'modelId' in model ? 'the run that just finished' : 'the weights saved with this network';
  return (
    <label className="trn-row" data-testid="training-finetune" title="Layers whose name and shape match get the trained weights; a replaced head starts fresh. Freeze layers in Export / fine-tune… and use a smaller learning rate.">
      <input type="checkbox" checked={fineTune} disabled={disabled} onChange={(e) => set({ fineTune: e.target.checked })} />
      <span>Start from trained weights ({from})</span>
    </label>
  );
}

function TrainView() {
  const s = useTrainingStore();
  const doc = useGraphStore((g) => g.doc);
  const analysis = useAnalysisStore((a) => a.analysis);
  const running = s.status === 'starting' || s.status === 'running' || s.status === 'stopping';
  const fits = s.preview ? checkCompatibility(doc, analysis, { inputShape: s.preview.inputShape, classNames: s.preview.classNames }, { adaptInput: s.adaptInput }).ok : false;
  const last = s.epochs[s.epochs.length - 1];
  return (
    <div className="trn-train">
      <div className="trn-left">
        <DatasetPicker disabled={running} />
        <CompatCheck />
        <SettingsForm disabled={running} />
        <FineTuneOption disabled={running} />
        <div className="trn-row">
          {!running ? (
            <button className="btn btn-primary" data-testid="training-start" disabled={!fits || s.previewLoading} onClick={() => void startTraining()}>
              Start training
            </button>
          ) : (
            <button className="btn" data-testid="training-stop" disabled={s.status === 'stopping'} onClick={() => void stopTraining()}>
              Stop
            </button>
          )}
        </div>
      </div>
      <div className="trn-right">
        <div className="trn-progress" data-testid="training-progress" data-status={s.status}>
          <progress max={1} value={s.fraction ?? 0} />
          <span>{s.message}</span>
          {running && s.etaSeconds != null && <span className="trn-muted">ETA {fmtEta(s.etaSeconds)}</span>}
          {s.imagesPerSecond != null && (
            <span className="trn-muted" title="Training images per second; each batch is shared by this many threads (one per core)">
              {Math.round(s.imagesPerSecond)} images/s{s.runThreads ? ` · ${s.runThreads} threads` : ''}
            </span>
          )}
        </div>
        {s.error && (
          <p className="trn-error" data-testid="training-error">
            {s.error}
          </p>
        )}
        {(s.status === 'done' || s.status === 'cancelled') && s.result && (
          <p className="trn-ok" data-testid="training-done">
            {s.status === 'cancelled' ? 'Stopped' : 'Done'} after {s.result.epochsRun} epoch{s.result.epochsRun === 1 ? '' : 's'}
            {s.result.final.valAccuracy != null ? ` · validation accuracy ${(s.result.final.valAccuracy * 100).toFixed(1)}%` : ''}
            {s.result.weightsPath ? ` · weights saved in ${s.result.weightsPath}` : ''}.{' '}
            <button className="btn" onClick={() => s.set({ tab: 'evaluate' })}>
              Evaluate
            </button>
          </p>
        )}
        <Curves metric="loss" batches={s.batches} epochs={s.epochs} />
        <Curves metric="accuracy" batches={s.batches} epochs={s.epochs} />
        {last && (
          <p className="trn-muted" data-testid="last-epoch">
            Epoch {last.epoch}: loss {last.loss.toFixed(4)}
            {last.accuracy != null ? `, accuracy ${(last.accuracy * 100).toFixed(1)}%` : ''}
            {last.valLoss != null ? `, validation loss ${last.valLoss.toFixed(4)}` : ''}
            {last.valAccuracy != null ? `, validation accuracy ${(last.valAccuracy * 100).toFixed(1)}%` : ''}
          </p>
        )}
      </div>
    </div>
  );
}

/**
 * "Choose folder…" (Electron only: the host's native folder dialog; the web
 * host has none and the spec field stays the way to name a folder). The
 * chosen folder becomes `folder:DIR` (one sub-folder per class); edit the
 * spec's kind for MNIST-style files in that folder. In Electron the host
 * reads only folders chosen like this (or beside the open document, or
 * under /usr/share/datasets).
 */
function ChooseDatasetFolder({ disabled }: { disabled: boolean }) {
  const native = useUiStore((u) => u.host?.nativeDialogs ?? false);
  if (!native) return null;
  return (
    <button
      type="button"
      className="btn"
      disabled={disabled}
      data-testid="dataset-choose-dir"
      onClick={async () => {
        const r = await getEngine().chooseFolder({ purpose: 'dataset' });
        if (!r.ok) useTrainingStore.setState({ previewError: r.error.message });
        else if (r.value) void loadPreview(`folder:${r.value.path}`);
      }}
    >
      Choose folder…
    </button>
  );
}
