/** Search-and-add popup, opened by double-clicking the canvas. Enter adds the highlighted layer. */
import { useEffect, useMemo, useRef, useState } from 'react';
import { LAYER_CATEGORIES } from '../../engine/layers';
import { categoryColor } from '../canvas/categories';
import { runCommand } from '../commands/registry';
import { useUiStore } from '../state/ui-store';
import { searchLayers } from './layer-search';

export function AddPopup() {
  const popup = useUiStore((s) => s.addPopup);
  const set = useUiStore((s) => s.set);
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const input = useRef<HTMLInputElement>(null);
  const found = useMemo(() => searchLayers(query), [query]);

  useEffect(() => {
    if (popup) {
      setQuery('');
      setActive(0);
      input.current?.focus();
    }
  }, [popup]);
  if (!popup) return null;

  const close = () => set({ addPopup: null });
  const add = (type: string) => {
    close();
    void runCommand('add-layer', { type, position: { x: popup.flow.x - 110, y: popup.flow.y - 31 } });
  };
  const left = Math.min(popup.screen.x, window.innerWidth - 316);
  const top = Math.min(popup.screen.y, window.innerHeight - 380);
  return (
    <>
      <div style={{ position: 'fixed', inset: 0, zIndex: 89 }} onMouseDown={close} />
      <div className="add-popup" style={{ left, top }} data-testid="add-popup">
        <input
          ref={input}
          className="search"
          placeholder="Add a layer…"
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            setActive(0);
          }}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown') setActive((a) => Math.min(a + 1, found.length - 1));
            else if (e.key === 'ArrowUp') setActive((a) => Math.max(a - 1, 0));
            else if (e.key === 'Enter' && found[active]) add(found[active].type);
            else if (e.key === 'Escape') close();
            else return;
            e.preventDefault();
          }}
        />
        <ul role="listbox">
          {found.map((d, i) => (
            <li key={d.type} role="option" aria-selected={i === active} className={i === active ? 'active' : ''} onMouseEnter={() => setActive(i)} onMouseDown={(e) => { e.preventDefault(); add(d.type); }}>
              <span className="cat-swatch" style={{ background: categoryColor(d.category) }} />
              {d.label}
              <span className="cat">{LAYER_CATEGORIES.find((c) => c.id === d.category)?.label}</span>
            </li>
          ))}
          {found.length === 0 && <li className="muted">No layer matches.</li>}
        </ul>
      </div>
    </>
  );
}
