/** Modal dialogs: the renderer's file picker (browser host), confirmations, and toasts. */
import { useCallback, useEffect, useState } from 'react';
import type { DirListing } from '../../engine/api/contract';
import { getEngine } from '../ipc/engine';
import { useUiStore } from '../state/ui-store';
import { IconFile, IconFolder, IconUp } from './icons';

/** While a dialog is open, Escape cancels it (and nothing behind it sees the key). */
function useEscapeToCancel(open: boolean, cancel: () => void): void {
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      e.preventDefault();
      e.stopPropagation();
      cancel();
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [open, cancel]);
}

function FileDialog() {
  const req = useUiStore((s) => s.fileDialog);
  const set = useUiStore((s) => s.set);
  const projectsDir = useUiStore((s) => s.host?.projectsDir ?? undefined);
  const [listing, setListing] = useState<DirListing | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [chosen, setChosen] = useState<string | null>(null);

  const load = async (dir?: string) => {
    const r = await getEngine().listProjectFiles(dir ? { dir } : {});
    if (r.ok) {
      setListing(r.value);
      setError(null);
    } else setError(r.error.message);
  };
  useEffect(() => {
    if (!req) return;
    setChosen(null);
    setName(req.suggestedName ? req.suggestedName + req.extension : '');
    void load(projectsDir);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [req]);
  const cancel = useCallback(() => {
    if (!req) return;
    set({ fileDialog: null });
    req.resolve(null);
  }, [req, set]);
  useEscapeToCancel(!!req, cancel);
  if (!req) return null;

  const finish = (path: string | null) => {
    set({ fileDialog: null });
    req.resolve(path);
  };
  const join = (dir: string, file: string) => (dir.endsWith('/') || dir.endsWith('\\') ? dir + file : `${dir}/${file}`);
  const submit = () => {
    if (req.mode === 'open') {
      if (chosen) finish(chosen);
      return;
    }
    const n = name.trim();
    // No listing (e.g. the projects folder does not exist yet): save into the projects folder.
    const dir = listing?.dir ?? projectsDir;
    if (!n || !dir) return;
    if (/[/\\]/.test(n)) {
      setError('Type a file name only; pick the folder in the list.');
      return;
    }
    finish(join(dir, n.endsWith(req.extension) ? n : n + req.extension));
  };
  // The host lists folders and graph documents only.
  const files = listing?.entries ?? [];
  return (
    <div className="overlay" onMouseDown={(e) => e.target === e.currentTarget && finish(null)}>
      <div className="dialog" role="dialog" aria-label={req.title} data-testid="file-dialog">
        <div className="dialog-head">{req.title}</div>
        <div className="dialog-body">
          <div className="path-bar">
            <button className="btn btn-outline" disabled={!listing?.parent} onClick={() => listing?.parent && void load(listing.parent)} aria-label="Up one folder">
              <IconUp />
            </button>
            {/* The span is right-to-left so a long path is cut at its start; the
                path itself stays left-to-right (else its leading "/" jumps to the end). */}
            <span title={listing?.dir} data-testid="file-dir">
              <bdi dir="ltr">{listing?.dir ?? '…'}</bdi>
            </span>
          </div>
          <ul className="file-list" data-testid="file-list">
            {files.length === 0 && <li className="empty">This folder has no networks yet.</li>}
            {files.map((e) => (
              <li
                key={e.path}
                className={chosen === e.path ? 'chosen' : ''}
                data-testid={`file-${e.name}`}
                onClick={() => (e.kind === 'dir' ? void load(e.path) : req.mode === 'open' ? setChosen(e.path) : setName(e.name))}
                onDoubleClick={() => e.kind === 'file' && (req.mode === 'open' ? finish(e.path) : setName(e.name))}
              >
                {e.kind === 'dir' ? <IconFolder /> : <IconFile />}
                {e.name}
                {e.size !== undefined && <span className="size">{(e.size / 1024).toFixed(1)} KB</span>}
              </li>
            ))}
          </ul>
          {req.mode === 'save' && (
            <div className="field" style={{ gridTemplateColumns: '80px 1fr' }}>
              <label htmlFor="file-name">File name</label>
              <input id="file-name" type="text" value={name} autoFocus onChange={(e) => setName(e.target.value)} onKeyDown={(e) => e.key === 'Enter' && submit()} data-testid="file-name" />
            </div>
          )}
          {error && <div className="callout error">{error}</div>}
        </div>
        <div className="dialog-foot">
          <button className="btn btn-outline" onClick={() => finish(null)}>
            Cancel
          </button>
          <button className="btn btn-primary" onClick={submit} disabled={req.mode === 'open' ? !chosen : !name.trim()} data-testid="file-dialog-ok">
            {req.mode === 'open' ? 'Open' : 'Save'}
          </button>
        </div>
      </div>
    </div>
  );
}

function ConfirmDialog() {
  const req = useUiStore((s) => s.confirm);
  const set = useUiStore((s) => s.set);
  const cancel = useCallback(() => {
    if (!req) return;
    set({ confirm: null });
    req.resolve('cancel');
  }, [req, set]);
  useEscapeToCancel(!!req, cancel);
  if (!req) return null;
  const finish = (c: 'confirm' | 'alt' | 'cancel') => {
    set({ confirm: null });
    req.resolve(c);
  };
  return (
    <div className="overlay">
      <div className="dialog" role="alertdialog" aria-label={req.title} data-testid="confirm-dialog" style={{ width: 'min(440px, 92vw)' }}>
        <div className="dialog-head">{req.title}</div>
        <div className="dialog-body">{req.message}</div>
        <div className="dialog-foot">
          <button className="btn btn-outline" onClick={() => finish('cancel')}>
            Cancel
          </button>
          {req.altLabel && (
            <button className="btn btn-outline" onClick={() => finish('alt')}>
              {req.altLabel}
            </button>
          )}
          <button className="btn btn-primary" onClick={() => finish('confirm')} data-testid="confirm-ok">
            {req.confirmLabel}
          </button>
        </div>
      </div>
    </div>
  );
}

function Toasts() {
  const toasts = useUiStore((s) => s.toasts);
  const dismiss = useUiStore((s) => s.dismissToast);
  return (
    <div className="toasts" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} className={`toast ${t.kind}`} data-testid={`toast-${t.kind}`}>
          <span>{t.text}</span>
          <button onClick={() => dismiss(t.id)} aria-label="Dismiss">
            ✕
          </button>
        </div>
      ))}
    </div>
  );
}

export function Dialogs() {
  return (
    <>
      <FileDialog />
      <ConfirmDialog />
      <Toasts />
    </>
  );
}
