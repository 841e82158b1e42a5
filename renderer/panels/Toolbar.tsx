/** The top bar: document name, file commands, history, layout and export. */
import { useEffect, useState } from 'react';
import { runCommand } from '../commands/registry';
import { history, isDirty, useGraphStore } from '../state/graph-store';
import { ExportButton } from './export/ExportDialog';
import { IconFit, IconGrid, IconImage, IconLayout, IconNew, IconOpen, IconRedo, IconSave, IconUndo, Logo } from './icons';

function DocName() {
  const name = useGraphStore((s) => s.doc.name);
  const dirty = useGraphStore(isDirty);
  const path = useGraphStore((s) => s.filePath);
  const [text, setText] = useState(name);
  useEffect(() => setText(name), [name]);
  return (
    <div className="docname" title={path ?? 'Not saved yet'}>
      <input
        aria-label="Network name"
        data-testid="doc-name"
        value={text}
        onChange={(e) => setText(e.target.value)}
        onBlur={() => void runCommand('rename-document', { name: text })}
        onKeyDown={(e) => e.key === 'Enter' && (e.target as HTMLInputElement).blur()}
      />
      {dirty && <span className="dirty-dot" title="Unsaved changes" data-testid="dirty" />}
    </div>
  );
}

export function Toolbar() {
  useGraphStore((s) => s.historyTick); // re-render when history changes
  const hasNodes = useGraphStore((s) => s.doc.nodes.length > 0);
  const mod = navigator.platform.startsWith('Mac') ? '⌘' : 'Ctrl+';
  return (
    <header className="topbar">
      <div className="brand">
        <span className="brand-mark">
          <Logo />
        </span>
        CNN Designer
      </div>
      <DocName />
      <div className="toolbar-group">
        <button className="btn" onClick={() => void runCommand('new')} title={`New (${mod}N)`} data-testid="cmd-new">
          <IconNew /> New
        </button>
        <button className="btn" onClick={() => void runCommand('open')} title={`Open (${mod}O)`} data-testid="cmd-open">
          <IconOpen /> Open
        </button>
        <button className="btn" onClick={() => void runCommand('save')} title={`Save (${mod}S)`} data-testid="cmd-save">
          <IconSave /> Save
        </button>
        <button className="btn" onClick={() => void runCommand('save-as')} title={`Save as (${mod}Shift+S)`} data-testid="cmd-save-as">
          Save as…
        </button>
      </div>
      <div className="toolbar-group">
        <button className="btn" disabled={!history.canUndo} onClick={() => void runCommand('undo')} title={`Undo ${history.undoLabel ?? ''} (${mod}Z)`} data-testid="cmd-undo">
          <IconUndo /> Undo
        </button>
        <button className="btn" disabled={!history.canRedo} onClick={() => void runCommand('redo')} title={`Redo ${history.redoLabel ?? ''} (${mod}Shift+Z)`} data-testid="cmd-redo">
          <IconRedo /> Redo
        </button>
      </div>
      <div className="toolbar-group">
        <button className="btn" disabled={!hasNodes} onClick={() => void runCommand('auto-layout')} title="Tidy the layout (L)" data-testid="cmd-layout">
          <IconLayout /> Tidy
        </button>
        <button className="btn" disabled={!hasNodes} onClick={() => void runCommand('fit-view')} title="Fit to view (F)" data-testid="cmd-fit">
          <IconFit /> Fit
        </button>
      </div>
      <div className="toolbar-group">
        <button className="btn" disabled={!hasNodes} onClick={() => void runCommand('export-svg')} title="Export the diagram as SVG" data-testid="cmd-export-svg">
          <IconImage /> SVG
        </button>
        <button className="btn" disabled={!hasNodes} onClick={() => void runCommand('export-png')} title="Export the diagram as PNG" data-testid="cmd-export-png">
          PNG
        </button>
        <ExportButton />
      </div>
      <span className="toolbar-spacer" />
      <button className="btn btn-outline" onClick={() => void runCommand('show-welcome')} data-testid="cmd-gallery">
        <IconGrid /> Templates
      </button>
    </header>
  );
}
