/**
 * Export / fine-tune dialog. Export: pick a format and a folder; the engine
 * writes the network with its trained (or fresh) weights as a job, with
 * progress and cancel. Fine-tune: the transfer-learning document operations
 * (freeze everything before the selected layer, unfreeze all, replace the
 * classifier head, the suggested smaller learning rate), each one undoable
 * step through the graph store.
 */
import { useEffect, useState } from 'react';
import type { JobEnd, JobProgress } from '../../../engine/api/contract';
import { fineTuneSettings, findHead, freezeBefore, replaceHead, unfreezeAll, FINE_TUNE_LR_FACTOR } from '../../../engine/transfer/doc-ops';
import { confirmDiscard, showDoc } from '../../files/file-actions';
import { getEngine } from '../../ipc/engine';
import { useAnalysisStore } from '../../state/analysis-store';
import { useUiStore } from '../../state/ui-store';
import type { FolderPurpose } from '../../../engine/api/contract';
import { selectedNodeIds, useGraphStore } from '../../state/graph-store';
import { resolveWeightsPath } from '../inspect/inspect-store';
import { defaultExportDir, FORMATS, useExportStore } from './export-store';

/** The toolbar button that opens the dialog. */
export function ExportButton() {
  const hasNodes = useGraphStore((s) => s.doc.nodes.length > 0);
  const set = useExportStore((s) => s.set);
  return (
    <button className="btn" disabled={!hasNodes} onClick={() => set({ open: true, error: null })} title="Export the trained model (TF.js, ONNX, Keras, PyTorch) or prepare it for fine-tuning" data-testid="cmd-export-model">
      Export / fine-tune…
    </button>
  );
}

let subscribed = false;
function follow(): void {
  if (subscribed) return;
  subscribed = true;
  const engine = getEngine();
  engine.onJobProgress((p: JobProgress) => {
    const s = useExportStore.getState();
    if (s.job?.jobId === p.jobId) s.set({ job: { ...s.job, fraction: p.fraction, message: p.message } });
  });
  engine.onJobEnd((e: JobEnd) => {
    const s = useExportStore.getState();
    if (s.job?.jobId !== e.jobId || e.kind !== 'export') return;
    if (e.status === 'done') s.set({ job: null, done: { files: e.result.files, notes: e.result.notes ?? [] }, error: null });
    else s.set({ job: null, error: e.status === 'cancelled' ? 'Export cancelled.' : e.error.message });
  });
}

export function ExportDialog() {
  const open = useExportStore((s) => s.open);
  if (!open) return null;
  return <ExportDialogBody />;
}

function ExportDialogBody() {
  const s = useExportStore();
  const doc = useGraphStore((g) => g.doc);
  const filePath = useGraphStore((g) => g.filePath);
  // A string, not an array: a new array each render would make the store update loop.
  const selectionKey = useGraphStore((g) => selectedNodeIds(g).join('\n'));
  const selection = selectionKey ? selectionKey.split('\n') : [];
  const analysis = useAnalysisStore((a) => a.analysis);
  const weightsPath = resolveWeightsPath(filePath, doc.weights?.path);
  const [classes, setClasses] = useState(() => {
    const head = findHead(doc);
    return head ? String(head.params.units ?? 10) : '10';
  });
  const [info, setInfo] = useState<string | null>(null);
  const [importPath, setImportPath] = useState('');

  useEffect(() => {
    if (!s.dir) s.set({ dir: defaultExportDir(filePath, s.format) });
  }, [filePath]); // eslint-disable-line react-hooks/exhaustive-deps

  const close = () => s.set({ open: false });
  const useTrained = s.weights === 'trained' && !!weightsPath;
  const start = async () => {
    if (!s.dir.trim()) {
      s.set({ error: 'Type the folder to export into.' });
      return;
    }
    follow();
    s.set({ error: null, done: null });
    const r = await getEngine().exportModel({ model: useTrained ? { doc, weightsPath } : { doc }, format: s.format, dir: s.dir.trim() });
    if (!r.ok) s.set({ error: r.error.message });
    else s.set({ job: { jobId: r.value.jobId, fraction: 0 } });
  };

  const commit = (next: typeof doc, label: string) => useGraphStore.getState().commit(next, 'immediately', label);
  const one = selection.length === 1 ? selection[0] : null;
  const oneName = one ? (analysis?.nodes[one]?.name ?? one) : null;
  const head = findHead(doc);
  const frozenCount = doc.nodes.filter((n) => n.frozen).length;
  const lr = fineTuneSettings(doc.training).learningRate!;

  return (
    <div className="overlay" onMouseDown={(e) => e.target === e.currentTarget && !s.job && close()}>
      <div className="dialog" role="dialog" aria-label="Export and fine-tune" data-testid="export-dialog" style={{ width: 'min(620px, 94vw)' }}>
        <div className="dialog-head">Export the model</div>
        <div className="dialog-body" style={{ display: 'grid', gap: 'var(--s3)' }}>
          <fieldset style={{ border: 0, padding: 0, margin: 0, display: 'grid', gap: 'var(--s1)' }}>
            {FORMATS.map((f) => (
              <label key={f.id} style={{ display: 'flex', gap: 'var(--s2)', alignItems: 'baseline' }}>
                <input
                  type="radio"
                  name="export-format"
                  data-testid={`export-format-${f.id}`}
                  checked={s.format === f.id}
                  onChange={() => s.set({ format: f.id, dir: !s.dir || s.dir === defaultExportDir(filePath, s.format) ? defaultExportDir(filePath, f.id) : s.dir })}
                />
                <span>
                  <strong>{f.label}</strong> — {f.help}
                </span>
              </label>
            ))}
          </fieldset>
          <label style={{ display: 'grid', gap: 'var(--s1)' }}>
            Folder
            <span style={{ display: 'flex', gap: 'var(--s2)' }}>
              <input data-testid="export-dir" style={{ flex: 1 }} value={s.dir} placeholder="/path/to/folder" onChange={(e) => s.set({ dir: e.target.value })} />
              <ChooseFolderButton purpose="export" testId="export-choose-dir" onChosen={(dir) => s.set({ dir, error: null })} onError={(error) => s.set({ error })} />
            </span>
          </label>
          <div>
            {weightsPath ? (
              <label style={{ display: 'flex', gap: 'var(--s2)' }}>
                <input type="checkbox" data-testid="export-random" checked={s.weights === 'random'} onChange={(e) => s.set({ weights: e.target.checked ? 'random' : 'trained' })} />
                Export fresh random weights instead of the trained ones ({doc.weights?.path})
              </label>
            ) : (
              <span data-testid="export-untrained">This network has no trained weights yet: the export holds freshly initialised weights.</span>
            )}
          </div>
          {s.job && (
            <div className="insp-progress" data-testid="export-progress">
              <progress max={1} value={s.job.fraction ?? undefined} /> <span>{s.job.message ?? 'Exporting…'}</span>
              <button className="btn btn-outline" onClick={() => void getEngine().cancelJob(s.job!.jobId)}>
                Cancel
              </button>
            </div>
          )}
          {s.error && (
            <div role="alert" data-testid="export-error" style={{ color: 'var(--danger, #b91c1c)' }}>
              {s.error}
            </div>
          )}
          {s.done && (
            <div data-testid="export-done">
              <div>Written:</div>
              <ul style={{ margin: 0 }}>
                {s.done.files.map((f) => (
                  <li key={f}>
                    <code>{f}</code>
                  </li>
                ))}
              </ul>
              {s.done.notes.map((n) => (
                <p key={n} style={{ margin: 'var(--s1) 0 0' }}>
                  {n}
                </p>
              ))}
            </div>
          )}

          <div className="dialog-head" style={{ padding: 0, border: 0 }}>
            Fine-tune (transfer learning)
          </div>
          <p style={{ margin: 0 }}>
            Keep what a trained network learnt: freeze its early layers, give it a new head for your classes, then train with a {1 / FINE_TUNE_LR_FACTOR}× smaller learning rate. {frozenCount} layer{frozenCount === 1 ? '' : 's'} frozen now.
          </p>
          <div style={{ display: 'flex', gap: 'var(--s2)', flexWrap: 'wrap' }}>
            <button
              className="btn"
              data-testid="freeze-before"
              disabled={!one}
              title={one ? undefined : 'Select one layer on the canvas first'}
              onClick={() => {
                const r = freezeBefore(doc, one!);
                if (r.ok) commit(r.doc, `Freeze before ${oneName}`);
                setInfo(r.ok ? `Froze every layer before ${oneName}.` : r.error);
              }}
            >
              Freeze everything before {oneName ?? 'the selected layer'}
            </button>
            <button className="btn" data-testid="unfreeze-all" disabled={frozenCount === 0} onClick={() => commit(unfreezeAll(doc), 'Unfreeze all')}>
              Unfreeze all
            </button>
          </div>
          <div style={{ display: 'flex', gap: 'var(--s2)', alignItems: 'center', flexWrap: 'wrap' }}>
            <span>New head with</span>
            <input data-testid="head-classes" type="number" min={1} value={classes} onChange={(e) => setClasses(e.target.value)} style={{ width: 80 }} />
            <span>classes</span>
            <button
              className="btn"
              data-testid="replace-head"
              disabled={!head}
              title={head ? undefined : 'The network does not end in a Dense layer'}
              onClick={() => {
                const r = replaceHead(doc, Number(classes));
                if (r.ok) commit(r.doc, `New head (${classes} classes)`);
                setInfo(r.ok ? `The head is now ${r.headName} with ${classes} outputs; it starts from fresh weights, the others load from the trained ones by name.` : r.error);
              }}
            >
              Replace the head
            </button>
          </div>
          <div style={{ display: 'flex', gap: 'var(--s2)', alignItems: 'center', flexWrap: 'wrap' }}>
            <span>
              Suggested fine-tuning learning rate: <strong data-testid="finetune-lr">{lr.toPrecision(2)}</strong>
            </span>
            <button className="btn" data-testid="apply-finetune-lr" onClick={() => commit({ ...doc, training: fineTuneSettings(doc.training) }, 'Fine-tuning learning rate')}>
              Use it
            </button>
          </div>
          {info && <div data-testid="finetune-info">{info}</div>}

          <div className="dialog-head" style={{ padding: 0, border: 0 }}>
            Import a TF.js / Keras model
          </div>
          <div style={{ display: 'flex', gap: 'var(--s2)', alignItems: 'center' }}>
            <input data-testid="import-path" style={{ flex: 1 }} value={importPath} placeholder="/path/to/model.json" onChange={(e) => setImportPath(e.target.value)} />
            <ChooseFolderButton purpose="import" testId="import-choose-dir" onChosen={setImportPath} onError={(error) => s.set({ error })} />
            <button
              className="btn"
              data-testid="import-start"
              disabled={!importPath.trim()}
              onClick={async () => {
                setInfo(null);
                const r = await getEngine().importModel({ path: importPath.trim() });
                if (!r.ok) {
                  s.set({ error: r.error.message });
                  return;
                }
                const d = r.value.weightsPath ? { ...r.value.doc, weights: { path: r.value.weightsPath } } : r.value.doc;
                // A new, unsaved document replaces the current one, as Open does (asking about unsaved changes).
                if (!(await confirmDiscard())) return;
                await showDoc(d, null, { dirty: true });
                s.set({ error: null });
                setInfo(`Imported a ${r.value.kind} model: ${d.nodes.length} layers${r.value.weightsPath ? ', with its trained weights' : ' (no weights)'}.${r.value.notes.length ? ' ' + r.value.notes.join(' ') : ''}`);
              }}
            >
              Import
            </button>
          </div>
        </div>
        <div className="dialog-foot">
          <button className="btn" onClick={close} disabled={!!s.job}>
            Close
          </button>
          <button className="btn btn-primary" data-testid="export-start" disabled={!!s.job} onClick={() => void start()}>
            Export
          </button>
        </div>
      </div>
    </div>
  );
}

/**
 * "Choose…": the host's native folder dialog (Electron only; the web host has
 * none, and the typed path field stays the way to name a folder there). In
 * Electron the host accepts only folders chosen like this, or ones beside the
 * open document.
 */
function ChooseFolderButton(p: { purpose: FolderPurpose; testId: string; onChosen: (dir: string) => void; onError: (message: string) => void }) {
  const native = useUiStore((u) => u.host?.nativeDialogs ?? false);
  if (!native) return null;
  return (
    <button
      type="button"
      className="btn"
      data-testid={p.testId}
      onClick={async () => {
        const r = await getEngine().chooseFolder({ purpose: p.purpose });
        if (!r.ok) p.onError(r.error.message);
        else if (r.value) p.onChosen(r.value.path);
      }}
    >
      Choose…
    </button>
  );
}
