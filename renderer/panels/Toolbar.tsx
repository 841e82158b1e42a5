/**
 * The top bar: document name, file commands, history, layout, diagram export,
 * and on the right the work on the network itself (train, look inside,
 * export / fine-tune) next to the templates. Those three open full-screen
 * panels mounted in App; their buttons live here so nothing floats over the
 * canvas or the inspector.
 */
import { useEffect, useState } from 'react';
import { runCommand } from '../commands/registry';
import { history, isDirty, useGraphStore } from '../state/graph-store';
import { useExportStore } from './export/export-store';
import { IconExport, IconEye, IconFit, IconGrid, IconImage, IconLayout, IconNew, IconOpen, IconRedo, IconSave, IconTrain, IconUndo, Logo } from './icons';
import { useInspectStore } from './inspect/inspect-store';
import { useTrainingStore } from './training/training-store';

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
      <div className="brand" title="CNN Designer">
        <span className="brand-mark">
          <Logo />
        </span>
        <span className="brand-name">CNN Designer</span>
      </div>
      <DocName />
      <div className="toolbar-group">
        <button className="btn" onClick={() => void runCommand('new')} title={`New (${mod}N)`} data-testid="cmd-new">
          <IconNew /> <span className="btn-label">New</span>
        </button>
        <button className="btn" onClick={() => void runCommand('open')} title={`Open (${mod}O)`} data-testid="cmd-open">
          <IconOpen /> <span className="btn-label">Open</span>
        </button>
        <button className="btn" onClick={() => void runCommand('save')} title={`Save (${mod}S)`} data-testid="cmd-save">
          <IconSave /> <span className="btn-label">Save</span>
        </button>
        <button className="btn" onClick={() => void runCommand('save-as')} title={`Save as (${mod}Shift+S)`} data-testid="cmd-save-as">
          Save as…
        </button>
      </div>
      <div className="toolbar-group">
        <button className="btn" disabled={!history.canUndo} onClick={() => void runCommand('undo')} title={`Undo ${history.undoLabel ?? ''} (${mod}Z)`} data-testid="cmd-undo">
          <IconUndo /> <span className="btn-label">Undo</span>
        </button>
        <button className="btn" disabled={!history.canRedo} onClick={() => void runCommand('redo')} title={`Redo ${history.redoLabel ?? ''} (${mod}Shift+Z)`} data-testid="cmd-redo">
          <IconRedo /> <span className="btn-label">Redo</span>
        </button>
      </div>
      <div className="toolbar-group">
        <button className="btn" disabled={!hasNodes} onClick={() => void runCommand('auto-layout')} title="Tidy the layout (L)" data-testid="cmd-layout">
          <IconLayout /> <span className="btn-label">Tidy</span>
        </button>
        <button className="btn" disabled={!hasNodes} onClick={() => void runCommand('fit-view')} title="Fit to view (F)" data-testid="cmd-fit">
          <IconFit /> <span className="btn-label">Fit</span>
        </button>
      </div>
      <div className="toolbar-group">
        <button className="btn" disabled={!hasNodes} onClick={() => void runCommand('export-svg')} title="Export the diagram as SVG" data-testid="cmd-export-svg">
          <IconImage /> SVG
        </button>
        <button className="btn" disabled={!hasNodes} onClick={() => void runCommand('export-png')} title="Export the diagram as PNG" data-testid="cmd-export-png">
          PNG
        </button>
      </div>
      <span className="toolbar-spacer" />
      <div className="toolbar-group toolbar-work">
        <button className="btn" disabled={!hasNodes} onClick={() => useTrainingStore.getState().set({ open: true })} title="Train the network on a dataset, evaluate it and try images" data-testid="training-open">
          <IconTrain /> <span className="btn-label">Train</span>
        </button>
        <button className="btn" disabled={!hasNodes} onClick={() => useInspectStore.getState().set({ open: true })} title="Look inside: feature maps, filters, saliency and receptive fields of the trained network" data-testid="inspect-open">
          <IconEye /> <span className="btn-label">Look inside</span>
        </button>
        <button className="btn" disabled={!hasNodes} onClick={() => useExportStore.getState().set({ open: true, error: null })} title="Export the model (TF.js, ONNX, Keras, PyTorch) or prepare it for fine-tuning" data-testid="cmd-export-model">
          <IconExport /> <span className="btn-label">Export…</span>
        </button>
      </div>
      <button className="btn btn-outline" onClick={() => void runCommand('show-welcome')} data-testid="cmd-gallery" title="Open a classic architecture or a small trainable network">
        <IconGrid /> <span className="btn-label">Templates</span>
      </button>
    </header>
  );
}
