/**
 * The layer palette, generated from the catalog (LAYER_DEFS) and grouped by
 * category. Drag an entry onto the canvas, or click it to add it in the
 * middle of the view.
 */
import { useMemo, useState, type CSSProperties, type DragEvent } from 'react';
import { LAYER_CATEGORIES, type AnyLayerDef } from '../../engine/layers';
import { categoryColor } from '../canvas/categories';
import { getFlow } from '../canvas/flow-ref';
import { LAYER_DND_TYPE } from '../canvas/GraphCanvas';
import { runCommand } from '../commands/registry';
import { searchLayers } from './layer-search';

/** Add a layer in the middle of what is on screen (a little offset each time so repeats don't stack). */
let nudge = 0;
export function addAtCentre(type: string): void {
  const flow = getFlow();
  const el = document.querySelector('.react-flow');
  let pos = { x: 0, y: 0 };
  if (flow && el) {
    const r = el.getBoundingClientRect();
    pos = flow.screenToFlowPosition({ x: r.left + r.width / 2, y: r.top + r.height / 2 });
  }
  nudge = (nudge + 1) % 6;
  void runCommand('add-layer', { type, position: { x: pos.x - 110 + nudge * 24, y: pos.y - 31 + nudge * 24 } });
}

function PaletteItem({ def }: { def: AnyLayerDef }) {
  const onDragStart = (e: DragEvent) => {
    e.dataTransfer.setData(LAYER_DND_TYPE, def.type);
    e.dataTransfer.setData('text/plain', def.label);
    e.dataTransfer.effectAllowed = 'copy';
  };
  return (
    <button
      type="button"
      className="palette-item"
      draggable
      onDragStart={onDragStart}
      onClick={() => addAtCentre(def.type)}
      title={def.help}
      data-testid={`palette-${def.type}`}
      style={{ '--cat': categoryColor(def.category) } as CSSProperties}
    >
      <span>{def.label}</span>
    </button>
  );
}

export function Palette() {
  const [query, setQuery] = useState('');
  const found = useMemo(() => searchLayers(query), [query]);
  const groups = useMemo(
    () => LAYER_CATEGORIES.map((c) => ({ ...c, defs: found.filter((d) => d.category === c.id) })).filter((g) => g.defs.length > 0),
    [found],
  );
  return (
    <aside className="panel panel-left" aria-label="Layers">
      <div className="panel-head">
        <h2 className="panel-title">Layers</h2>
        <input className="search" type="search" placeholder="Search layers" value={query} onChange={(e) => setQuery(e.target.value)} aria-label="Search layers" data-testid="palette-search" />
      </div>
      <div className="panel-body">
        {groups.length === 0 && <div className="palette-empty">No layer matches “{query}”.</div>}
        {groups.map((g) => (
          <section key={g.id} className="palette-group">
            <div className="palette-group-title">
              <span className="cat-swatch" style={{ background: categoryColor(g.id) }} />
              {g.label}
            </div>
            {g.defs.map((d) => (
              <PaletteItem key={d.type} def={d} />
            ))}
          </section>
        ))}
        <p className="palette-hint">
          Drag a layer onto the canvas, or double-click the canvas to search. Connect layers by dragging from the dot at the bottom of one to the top of another.
        </p>
      </div>
    </aside>
  );
}
