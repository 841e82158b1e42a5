/**
 * The welcome screen: start a new network, open a file or a recent one,
 * recover unsaved work after a crash, or open a classic architecture from
 * the template gallery (cards with year, key idea and totals).
 */
import type { TemplateSummary } from '../../engine/api/contract';
import { discardRecovery, newDocument, openDocument, openTemplate, recover } from '../files/file-actions';
import { formatCompact, formatInt } from '../format';
import { useGraphStore } from '../state/graph-store';
import { useUiStore } from '../state/ui-store';
import { IconNew, IconOpen } from './icons';

const SHELVES = [
  { group: 'classic', title: 'Classic architectures' },
  { group: 'trainable', title: 'Small networks to train on this computer' },
] as const;

function TemplateCard({ t }: { t: TemplateSummary }) {
  const busy = useUiStore((s) => s.busy === t.id);
  return (
    <button className="card" onClick={() => void openTemplate(t.id)} data-testid={`template-${t.id}`} disabled={busy}>
      <div className="card-top">
        <span className="card-name">{t.name}</span>
        {t.meta.year && <span className="card-year">{t.meta.year}</span>}
      </div>
      <p className="card-idea">{busy ? 'Opening…' : t.meta.idea || t.description}</p>
      <div className="card-stats">
        <div className="stat">
          <span className="k">Parameters</span>
          <span className="v" data-testid="template-params">
            {t.totals ? formatInt(t.totals.params) : '—'}
          </span>
        </div>
        <div className="stat">
          <span className="k" title="Multiply-adds per image">MACs</span>
          <span className="v">{t.totals ? formatCompact(t.totals.macs) : '—'}</span>
        </div>
        <div className="stat">
          <span className="k">Input</span>
          <span className="v">{t.inputShape ? t.inputShape.join('×') : '—'}</span>
        </div>
      </div>
    </button>
  );
}

export function Welcome() {
  const open = useUiStore((s) => s.welcomeOpen);
  const templates = useUiStore((s) => s.templates);
  const templatesError = useUiStore((s) => s.templatesError);
  const recent = useUiStore((s) => s.recent);
  const recovery = useUiStore((s) => s.recovery);
  const engineError = useUiStore((s) => s.engineError);
  const set = useUiStore((s) => s.set);
  const hasDoc = useGraphStore((s) => s.doc.nodes.length > 0);
  if (!open) return null;
  return (
    <div className="welcome" data-testid="welcome">
      <div className="welcome-inner">
        <div className="welcome-hero">
          <div>
            <h1>Design convolutional networks you can see</h1>
            <p className="lead">Drag layers together and watch every shape, parameter count and receptive field update as you edit. Start from a classic architecture or an empty canvas.</p>
          </div>
          <div className="welcome-actions">
            {hasDoc && (
              <button className="btn btn-outline btn-lg" onClick={() => set({ welcomeOpen: false })} data-testid="welcome-back">
                Back to editor
              </button>
            )}
            <button className="btn btn-outline btn-lg" onClick={() => void openDocument()} data-testid="welcome-open">
              <IconOpen /> Open…
            </button>
            <button className="btn btn-primary btn-lg" onClick={() => void newDocument()} data-testid="welcome-new">
              <IconNew /> New network
            </button>
          </div>
        </div>
        {engineError && <div className="callout error">{engineError}</div>}
        {recovery && (
          <div className="recovery" data-testid="recovery">
            <p>
              <b>Unsaved work was found</b> from {new Date(recovery.savedAt).toLocaleString()}: “{recovery.doc.name}”, {recovery.doc.nodes.length} layers{recovery.path ? ` (${recovery.path})` : ''}.
            </p>
            <button className="btn btn-outline" onClick={() => void discardRecovery()} data-testid="recovery-discard">
              Discard
            </button>
            <button className="btn btn-primary" onClick={() => void recover()} data-testid="recovery-restore">
              Recover
            </button>
          </div>
        )}
        <div className="welcome-cols">
          <section data-testid="gallery">
            {templatesError && <div className="callout error">Could not load the templates: {templatesError}</div>}
            {!templates && !templatesError && <p className="muted">Loading templates…</p>}
            {SHELVES.map((shelf) => {
              const list = templates?.filter((t) => (t.group ?? 'classic') === shelf.group) ?? [];
              return list.length ? (
                <div key={shelf.group} style={{ marginBottom: 28 }}>
                  <h2>{shelf.title}</h2>
                  <div className="gallery">
                    {list.map((t) => (
                      <TemplateCard key={t.id} t={t} />
                    ))}
                  </div>
                </div>
              ) : null;
            })}
          </section>
          <aside>
            <div className="side-box">
              <h2>Recent</h2>
              {recent.length === 0 && <p className="muted" style={{ margin: 0 }}>Networks you open or save appear here.</p>}
              <ul className="recent-list" data-testid="recent">
                {recent.slice(0, 8).map((r) => (
                  <li key={r.path}>
                    <button onClick={() => void openDocument(r.path)} disabled={!r.exists} title={r.exists ? r.path : 'File not found'}>
                      {r.name}
                      <span className="path">{r.exists ? r.path : 'missing: ' + r.path}</span>
                    </button>
                  </li>
                ))}
              </ul>
            </div>
            <div className="side-box">
              <h2>Shortcuts</h2>
              <dl className="kv" style={{ fontSize: 13 }}>
                <dt>Undo / redo</dt>
                <dd><kbd>Ctrl Z</kbd> <kbd>Ctrl ⇧ Z</kbd></dd>
                <dt>Copy / paste</dt>
                <dd><kbd>Ctrl C</kbd> <kbd>Ctrl V</kbd></dd>
                <dt>Delete</dt>
                <dd><kbd>Del</kbd></dd>
                <dt>Tidy / fit</dt>
                <dd><kbd>L</kbd> <kbd>F</kbd></dd>
                <dt>Add layer</dt>
                <dd>double-click</dd>
              </dl>
            </div>
          </aside>
        </div>
      </div>
    </div>
  );
}
