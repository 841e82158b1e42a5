/**
 * Named commands (excalidraw's actions): every edit of the document, and
 * every app action bound to a key or a button, is one command object with an
 * id, a label, its shortcut keys and how its document change enters history.
 */
import type { GraphDoc } from '../../engine/graph/doc';
import type { Capture } from '../state/history';
import type { GraphState } from '../state/graph-store';

/** What a command sees when it runs. */
export interface CommandContext {
  /** The graph store's state at the time the command runs. */
  graph: GraphState;
  /** Selected node ids, in document order. */
  selection: string[];
  /** Selected edge ids. */
  edgeSelection: string[];
}

/** A document edit a command returns; the runner commits it to the store. */
export interface DocEdit {
  doc: GraphDoc;
  capture: Capture;
  /** Select exactly these nodes afterwards (e.g. the pasted ones). */
  select?: string[];
}

export interface Command<A = void> {
  /** Stable id (also what the Electron menu sends), e.g. `delete-selection`. */
  id: string;
  /** For buttons, menus and tooltips. */
  label: string;
  /**
   * Shortcuts: `Mod` is Ctrl (Cmd on macOS); key names as in KeyboardEvent.key,
   * letters upper-case. @example ['Mod+Shift+Z', 'Mod+Y']
   */
  keys?: readonly string[];
  /** Also fires while typing in a text field (Save, Open…); default false. */
  global?: boolean;
  enabled?(ctx: CommandContext): boolean;
  /** A document edit to commit, nothing (an app action), or a promise of either. */
  run(ctx: CommandContext, arg: A): DocEdit | null | void | Promise<DocEdit | null | void>;
}

/** Identity at run time; types the argument of a command. */
export function defineCommand<A = void>(c: Command<A>): Command<A> {
  return c;
}
