/**
 * File actions over the contract, against the in-memory host: save as (the
 * renderer's own picker), save, open, replace-confirmation, dirty tracking,
 * autosave and recovery.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { emptyDoc } from '../../../engine/graph/doc';
import { runCommand } from '../../../renderer/commands/registry';
import { checkRecovery, openDocument, recover, saveDocument, saveDocumentAs, startAutosave } from '../../../renderer/files/file-actions';
import { setEngine } from '../../../renderer/ipc/engine';
import { createMemoryEngine, type MemoryEngine } from '../../../renderer/ipc/memory-engine';
import { isDirty, useGraphStore } from '../../../renderer/state/graph-store';
import { useUiStore } from '../../../renderer/state/ui-store';

// No canvas in these tests: fitting the view is a no-op.
vi.stubGlobal('requestAnimationFrame', (f: () => void) => setTimeout(f, 0));
vi.stubGlobal('document', { querySelector: () => null });

let engine: MemoryEngine;
const g = () => useGraphStore.getState();
const ui = () => useUiStore.getState();

/** Answer the next file picker with `name` (in the projects folder). */
function answerPicker(name: string | null) {
  const unsub = useUiStore.subscribe((s) => {
    if (!s.fileDialog) return;
    unsub();
    const req = s.fileDialog;
    s.set({ fileDialog: null });
    req.resolve(name === null ? null : `/projects/${name}`);
  });
}
function answerConfirm(choice: 'confirm' | 'alt' | 'cancel') {
  const unsub = useUiStore.subscribe((s) => {
    if (!s.confirm) return;
    unsub();
    const req = s.confirm;
    s.set({ confirm: null });
    req.resolve(choice);
  });
}

async function smallNet() {
  g().load(emptyDoc('net'), null);
  await runCommand('add-layer', { type: 'input', position: { x: 0, y: 0 } });
  await runCommand('add-layer', { type: 'dense', position: { x: 0, y: 100 } });
  await runCommand('connect', { source: 'input_1', target: 'dense_1', targetIndex: 0 });
}

beforeEach(async () => {
  engine = createMemoryEngine();
  setEngine(engine);
  const host = await engine.hostInfo();
  if (host.ok) ui().set({ host: host.value, fileDialog: null, confirm: null, recovery: null, toasts: [] });
});
afterEach(() => setEngine(null));

describe('file actions', () => {
  it('save as writes the document where the picker says, then save writes there again', async () => {
    await smallNet();
    expect(isDirty(g())).toBe(true);
    answerPicker('mine');
    expect(await saveDocumentAs()).toBe(true);
    expect(g().filePath).toBe('/projects/mine.cnn.json');
    expect(isDirty(g())).toBe(false);
    expect(JSON.parse(engine.files.get('/projects/mine.cnn.json')!).nodes).toHaveLength(2);
    await runCommand('set-param', { id: 'dense_1', key: 'units', value: 10 });
    expect(isDirty(g())).toBe(true);
    expect(await saveDocument()).toBe(true); // no picker this time
    expect(JSON.parse(engine.files.get('/projects/mine.cnn.json')!).nodes[1].params.units).toBe(10);
  });

  it('asks before replacing an existing file, and does not write when told no', async () => {
    await smallNet();
    answerPicker('a');
    await saveDocumentAs();
    await runCommand('set-param', { id: 'dense_1', key: 'units', value: 3 });
    answerPicker('a');
    answerConfirm('cancel');
    expect(await saveDocumentAs()).toBe(false);
    expect(JSON.parse(engine.files.get('/projects/a.cnn.json')!).nodes[1].params.units).not.toBe(3);
    answerPicker('a');
    answerConfirm('confirm');
    expect(await saveDocumentAs()).toBe(true);
    expect(JSON.parse(engine.files.get('/projects/a.cnn.json')!).nodes[1].params.units).toBe(3);
  });

  it('open asks about unsaved changes first; reopening gives the same graph', async () => {
    await smallNet();
    answerPicker('x');
    await saveDocumentAs();
    const saved = structuredClone(g().doc);
    await runCommand('delete-elements', { nodes: ['dense_1'] });
    answerConfirm('cancel');
    expect(await openDocument('/projects/x.cnn.json')).toBe(false);
    expect(g().doc.nodes).toHaveLength(1);
    answerConfirm('confirm');
    expect(await openDocument('/projects/x.cnn.json')).toBe(true);
    expect(g().doc.nodes).toEqual(saved.nodes);
    expect(g().doc.edges).toEqual(saved.edges);
    expect(isDirty(g())).toBe(false);
  });

  it('a failed open says why and keeps the current document', async () => {
    await smallNet();
    answerPicker('x'); // save first so no discard question
    await saveDocumentAs();
    expect(await openDocument('/projects/missing.cnn.json')).toBe(false);
    expect(g().doc.nodes).toHaveLength(2);
    expect(ui().toasts.at(-1)).toMatchObject({ kind: 'error', text: expect.stringContaining('missing.cnn.json') });
  });

  it('autosaves unsaved changes after a pause, and offers them back after a crash', async () => {
    vi.useFakeTimers();
    try {
      const stop = startAutosave(1000);
      await smallNet();
      await vi.advanceTimersByTimeAsync(500);
      expect(engine.autosave).toBeNull(); // still typing
      await vi.advanceTimersByTimeAsync(1000);
      expect(engine.autosave?.doc.nodes).toHaveLength(2);
      stop();
      // "Crash": a new session starts empty and finds the autosave.
      g().load(emptyDoc(), null);
      await checkRecovery();
      expect(ui().recovery?.doc.nodes).toHaveLength(2);
      await recover();
      expect(g().doc.nodes).toHaveLength(2);
      expect(isDirty(g())).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('saving drops the autosave', async () => {
    await smallNet();
    await engine.writeAutosave({ doc: g().doc, path: null });
    answerPicker('s');
    await saveDocumentAs();
    await new Promise((r) => setTimeout(r, 0));
    expect(engine.autosave).toBeNull();
  });
});
