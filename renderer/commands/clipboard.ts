/**
 * Copy, cut, paste and duplicate. The clipboard lives in the renderer (and is
 * mirrored to the system clipboard as JSON when the browser allows it), so
 * pasting works in the same window without any permission prompt.
 */
import { defineCommand } from './define';
import { copyElements, pasteElements, removeElements, type ClipboardData } from '../state/doc-ops';

let clipboard: ClipboardData | null = null;
/** How many times the current clipboard was pasted: each paste is offset further. */
let pasteCount = 0;

/** For tests. */
export function resetClipboard(): void {
  clipboard = null;
  pasteCount = 0;
}

function store(c: ClipboardData | null): void {
  if (!c) return;
  clipboard = c;
  pasteCount = 0;
  try {
    void navigator.clipboard?.writeText(JSON.stringify(c)).catch(() => undefined);
  } catch {
    // No system clipboard (tests, denied permission): the in-app one is enough.
  }
}

export const copy = defineCommand({
  id: 'copy',
  label: 'Copy',
  keys: ['Mod+C'],
  enabled: (c) => c.selection.length > 0,
  run({ graph, selection }) {
    store(copyElements(graph.doc, selection));
  },
});

export const cut = defineCommand({
  id: 'cut',
  label: 'Cut',
  keys: ['Mod+X'],
  enabled: (c) => c.selection.length > 0,
  run({ graph, selection }) {
    store(copyElements(graph.doc, selection));
    return { doc: removeElements(graph.doc, selection), capture: 'immediately', select: [] };
  },
});

export const paste = defineCommand({
  id: 'paste',
  label: 'Paste',
  keys: ['Mod+V'],
  enabled: () => clipboard !== null,
  run({ graph }) {
    if (!clipboard) return null;
    pasteCount++;
    const { doc, ids } = pasteElements(graph.doc, clipboard, { x: 40 * pasteCount, y: 40 * pasteCount });
    return { doc, capture: 'immediately', select: ids };
  },
});

export const duplicate = defineCommand({
  id: 'duplicate',
  label: 'Duplicate',
  keys: ['Mod+D'],
  enabled: (c) => c.selection.length > 0,
  run({ graph, selection }) {
    const c = copyElements(graph.doc, selection);
    if (!c) return null;
    const { doc, ids } = pasteElements(graph.doc, c, { x: 40, y: 40 });
    return { doc, capture: 'immediately', select: ids };
  },
});
