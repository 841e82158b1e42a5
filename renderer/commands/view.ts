/** Commands on history, selection and the view. */
import { defineCommand } from './define';
import { fitSoon, getFlow } from '../canvas/flow-ref';
import { layoutDoc } from '../canvas/layout';
import { moveNodes } from '../state/doc-ops';
import { useGraphStore } from '../state/graph-store';
import { useUiStore } from '../state/ui-store';

export const undo = defineCommand({
  id: 'undo',
  label: 'Undo',
  keys: ['Mod+Z'],
  run: ({ graph }) => graph.undo(),
});

export const redo = defineCommand({
  id: 'redo',
  label: 'Redo',
  keys: ['Mod+Shift+Z', 'Mod+Y'],
  run: ({ graph }) => graph.redo(),
});

export const selectAll = defineCommand({
  id: 'select-all',
  label: 'Select all',
  keys: ['Mod+A'],
  run: ({ graph }) => graph.select(graph.doc.nodes.map((n) => n.id)),
});

export const autoLayout = defineCommand({
  id: 'auto-layout',
  label: 'Tidy layout',
  keys: ['L'],
  enabled: (c) => c.graph.doc.nodes.length > 0,
  async run({ graph }) {
    const sizes = new Map(graph.nodes.filter((n) => n.measured?.width).map((n) => [n.id, { width: n.measured!.width!, height: n.measured!.height! }]));
    const pos = await layoutDoc(graph.doc, sizes);
    // The document may have changed while ELK worked: lay out what is there now.
    const now = useGraphStore.getState().doc;
    fitSoon();
    return { doc: moveNodes(now, pos), capture: 'immediately' };
  },
});

export const fitView = defineCommand({
  id: 'fit-view',
  label: 'Fit to view',
  keys: ['F'],
  run: () => fitSoon(),
});

export const zoomIn = defineCommand({ id: 'zoom-in', label: 'Zoom in', keys: ['Mod+=', '+'], run: () => void getFlow()?.zoomIn({ duration: 150 }) });
export const zoomOut = defineCommand({ id: 'zoom-out', label: 'Zoom out', keys: ['Mod+-', '-'], run: () => void getFlow()?.zoomOut({ duration: 150 }) });

export const toggleMinimap = defineCommand({
  id: 'toggle-minimap',
  label: 'Minimap',
  keys: ['M'],
  run: () => useUiStore.getState().set({ minimap: !useUiStore.getState().minimap }),
});

export const showWelcome = defineCommand({
  id: 'show-welcome',
  label: 'Templates',
  run: () => useUiStore.getState().set({ welcomeOpen: true }),
});

export const escape = defineCommand({
  id: 'escape',
  label: 'Deselect',
  keys: ['Escape'],
  run({ graph }) {
    const ui = useUiStore.getState();
    if (ui.addPopup) ui.set({ addPopup: null });
    else graph.select([]);
  },
});
