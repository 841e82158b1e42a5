/**
 * The command registry. To add a command: define it with defineCommand() in
 * one of the files of this folder and list it in COMMANDS. Keys, buttons and
 * the Electron menu all run commands by id through runCommand().
 */
import type { Command, CommandContext, DocEdit } from './define';
import { copy, cut, duplicate, paste } from './clipboard';
import { addLayer, connectLayers, deleteElements, deleteSelection, renameDocument, renameNode, setFrozenCmd, setParamCmd } from './edit';
import { exportPng, exportSvg, newDoc, open, save, saveAs } from './file';
import { autoLayout, escape, fitView, redo, selectAll, showWelcome, toggleMinimap, undo, zoomIn, zoomOut } from './view';
import { selectedEdgeIds, selectedNodeIds, useGraphStore } from '../state/graph-store';
import { useUiStore } from '../state/ui-store';

export const COMMANDS = [
  addLayer,
  connectLayers,
  deleteSelection,
  deleteElements,
  setParamCmd,
  renameNode,
  setFrozenCmd,
  renameDocument,
  copy,
  cut,
  paste,
  duplicate,
  undo,
  redo,
  selectAll,
  autoLayout,
  fitView,
  zoomIn,
  zoomOut,
  toggleMinimap,
  showWelcome,
  escape,
  newDoc,
  open,
  save,
  saveAs,
  exportSvg,
  exportPng,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
] as const satisfies readonly Command<any>[];

/** A command id, e.g. `delete-selection` (see COMMANDS). */
export type CommandId = string;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const BY_ID = new Map<string, Command<any>>(COMMANDS.map((c) => [c.id, c]));

export function getCommand(id: string): Command<unknown> | undefined {
  return BY_ID.get(id);
}

export function commandContext(): CommandContext {
  const graph = useGraphStore.getState();
  return { graph, selection: selectedNodeIds(graph), edgeSelection: selectedEdgeIds(graph) };
}

export function isEnabled(id: CommandId): boolean {
  const c = BY_ID.get(id);
  return !!c && (c.enabled?.(commandContext()) ?? true);
}

function commitEdit(c: Command<unknown>, edit: DocEdit | null | void): void {
  if (!edit) return;
  useGraphStore.getState().commit(edit.doc, edit.capture, c.label, edit.select);
}

/**
 * Run a command by id. Document edits it returns are committed to the store
 * with the command's label as the undo step's name. A command that fails is
 * reported to the user; the editor keeps working.
 */
export function runCommand(id: CommandId, arg?: unknown): Promise<void> | void {
  const c = BY_ID.get(id);
  if (!c) throw new Error(`unknown command ${id}`);
  const ctx = commandContext();
  if (c.enabled && !c.enabled(ctx)) return;
  const report = (e: unknown) => {
    console.error(`command ${id} failed`, e);
    useUiStore.getState().toast('error', `${c.label} failed: ${(e as Error)?.message ?? String(e)}`);
  };
  try {
    const r = c.run(ctx, arg);
    if (r && typeof (r as Promise<unknown>).then === 'function') return (r as Promise<DocEdit | null | void>).then((e) => commitEdit(c, e), report);
    commitEdit(c, r as DocEdit | null | void);
  } catch (e) {
    report(e);
  }
}

/** `Mod+Shift+Z` etc. for a keyboard event ("Mod" = Ctrl, or Cmd on macOS). */
export function keyOf(e: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey'>): string {
  const parts: string[] = [];
  if (e.ctrlKey || e.metaKey) parts.push('Mod');
  if (e.altKey) parts.push('Alt');
  const k = e.key.length === 1 ? e.key.toUpperCase() : e.key;
  // Shift is part of the key for symbols ('+'), a modifier for letters and named keys.
  if (e.shiftKey && (e.key.length > 1 || /[a-z]/i.test(e.key))) parts.push('Shift');
  parts.push(k);
  return parts.join('+');
}

const BY_KEY = new Map<string, Command<unknown>>();
for (const c of COMMANDS) for (const k of (c as Command<unknown>).keys ?? []) BY_KEY.set(k, c as Command<unknown>);

/** The command bound to a key combination, if any. */
export function commandForKey(key: string): Command<unknown> | undefined {
  return BY_KEY.get(key);
}
