/**
 * New, open, save, save as, templates, recent files, autosave and recovery,
 * all through the engine contract. In Electron the host shows native dialogs;
 * in the browser (hostInfo.nativeDialogs false) the renderer shows its own
 * picker over listProjectFiles and passes paths.
 */
import type { ApiError, Result } from '../../engine/api/result';
import { emptyDoc, type GraphDoc } from '../../engine/graph/doc';
import { showStart } from '../canvas/flow-ref';
import { layoutDoc } from '../canvas/layout';
import { getEngine } from '../ipc/engine';
import { moveNodes } from '../state/doc-ops';
import { isDirty, NODE_H, NODE_W, useGraphStore } from '../state/graph-store';
import { askConfirm, pickFile, useUiStore } from '../state/ui-store';

const ui = () => useUiStore.getState();
const graph = () => useGraphStore.getState();

function ext(): string {
  return ui().host?.documentExtension ?? '.cnn.json';
}

function fail(what: string, e: ApiError): void {
  ui().toast('error', `${what}: ${e.message}`);
}

/** A file name for a document name: "My net" → "my-net". */
export function slug(name: string): string {
  return (
    name
      .trim()
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'network'
  );
}

/**
 * Before the current document is replaced: if it has unsaved changes, ask
 * whether to discard them or save first. Resolves false to stay.
 */
export async function confirmDiscard(): Promise<boolean> {
  const s = graph();
  if (!isDirty(s) || s.doc.nodes.length === 0) return true;
  const choice = await askConfirm({
    title: 'Unsaved changes',
    message: `“${s.doc.name}” has changes that are not saved.`,
    confirmLabel: 'Discard changes',
    altLabel: 'Save first',
  });
  if (choice === 'cancel') return false;
  if (choice === 'alt') return saveDocument();
  return true;
}

/** Put a document on the canvas: lays it out first if it has no positions. */
export async function showDoc(doc: GraphDoc, path: string | null, opts?: { dirty?: boolean }): Promise<void> {
  let d = doc;
  const first = d.nodes[0]?.position;
  const unplaced = d.nodes.length > 1 && d.nodes.every((n) => n.position.x === first.x && n.position.y === first.y);
  if (unplaced) d = moveNodes(d, await layoutDoc(d, new Map()));
  graph().load(d, path, opts);
  ui().set({ welcomeOpen: false });
  showStart(d.nodes, NODE_W, NODE_H);
}

export async function newDocument(): Promise<void> {
  if (!(await confirmDiscard())) return;
  await showDoc(emptyDoc(), null);
  void getEngine().clearAutosave();
}

export async function openDocument(path?: string): Promise<boolean> {
  if (!(await confirmDiscard())) return false;
  let target = path;
  if (!target && !ui().host?.nativeDialogs) {
    target = (await pickFile({ mode: 'open', title: 'Open a network', extension: ext() })) ?? undefined;
    if (!target) return false;
  }
  const r = await getEngine().openProject(target ? { path: target } : {});
  if (!r.ok) {
    fail('Could not open the file', r.error);
    return false;
  }
  if (!r.value) return false;
  await showDoc(r.value.doc, r.value.path);
  void refreshRecent();
  ui().toast('info', `Opened ${r.value.doc.name}`);
  return true;
}

export async function saveDocument(): Promise<boolean> {
  const { filePath, doc } = graph();
  if (!filePath) return saveDocumentAs();
  const r = await getEngine().saveProject({ path: filePath, doc });
  return afterSave(r, doc);
}

export async function saveDocumentAs(): Promise<boolean> {
  const { doc } = graph();
  const suggestedName = slug(doc.name);
  let path: string | undefined;
  if (!ui().host?.nativeDialogs) {
    path = (await pickFile({ mode: 'save', title: 'Save network as', extension: ext(), suggestedName })) ?? undefined;
    if (!path) return false;
  }
  let r = await getEngine().saveProjectAs({ doc, path, suggestedName });
  if (!r.ok && r.error.code === 'ALREADY_EXISTS' && path) {
    if (!(await confirmReplace(path))) return false;
    r = await getEngine().saveProjectAs({ doc, path, suggestedName, overwrite: true });
  }
  return afterSave(r, doc);
}

/** The renderer's picker chose an existing file: ask before replacing it. */
export async function confirmReplace(path: string): Promise<boolean> {
  const name = path.split(/[\\/]/).pop();
  return (await askConfirm({ title: 'Replace file?', message: `“${name}” already exists. Replace it?`, confirmLabel: 'Replace' })) === 'confirm';
}

async function afterSave(r: Result<{ path: string } | null>, doc: GraphDoc): Promise<boolean> {
  if (!r.ok) {
    fail('Could not save', r.error);
    return false;
  }
  if (!r.value) return false;
  graph().markSaved(r.value.path, doc);
  ui().toast('success', `Saved to ${r.value.path}`);
  void getEngine().clearAutosave();
  void refreshRecent();
  return true;
}

export async function openTemplate(id: string): Promise<boolean> {
  if (!(await confirmDiscard())) return false;
  ui().set({ busy: id });
  try {
    const r = await getEngine().loadTemplate(id);
    if (!r.ok) {
      fail('Could not open the template', r.error);
      return false;
    }
    await showDoc(r.value, null);
    return true;
  } finally {
    ui().set({ busy: null });
  }
}

export async function refreshRecent(): Promise<void> {
  const r = await getEngine().recentFiles();
  if (r.ok) ui().set({ recent: r.value });
}

/** Offer the autosave of a session that did not end cleanly. */
export async function checkRecovery(): Promise<void> {
  const r = await getEngine().readAutosave();
  if (r.ok && r.value && r.value.doc.nodes.length > 0) ui().set({ recovery: r.value, welcomeOpen: true });
}

export async function recover(): Promise<void> {
  const entry = ui().recovery;
  if (!entry) return;
  ui().set({ recovery: null });
  // Recovered work is unsaved by definition: mark it dirty so it is not lost again.
  await showDoc(entry.doc, entry.path, { dirty: true });
  ui().toast('success', 'Recovered your unsaved work');
}

export async function discardRecovery(): Promise<void> {
  ui().set({ recovery: null });
  await getEngine().clearAutosave();
}

/** How long the document must stay unchanged before it is autosaved, ms. */
export const AUTOSAVE_DELAY = 1500;

/**
 * Autosave: a copy of the document is written to the host a moment after
 * each change while it has unsaved changes, and dropped once it is saved.
 * Returns a function that stops it.
 */
export function startAutosave(delay = AUTOSAVE_DELAY): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const unsub = useGraphStore.subscribe((s, prev) => {
    if (s.doc === prev.doc) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      const now = graph();
      if (!isDirty(now) || now.doc.nodes.length === 0) return;
      void getEngine()
        .writeAutosave({ doc: now.doc, path: now.filePath })
        .then((r) => {
          if (!r.ok) console.warn('autosave failed:', r.error.message);
        });
    }, delay);
  });
  return () => {
    if (timer) clearTimeout(timer);
    unsub();
  };
}
