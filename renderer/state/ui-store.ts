/**
 * UI state that is not part of the document: which screens and dialogs are
 * open, notifications, what the host told us about itself. Nothing here is
 * ever recorded in undo history.
 */
import { create } from 'zustand';
import type { AutosaveEntry, BackendInfo, HostInfo, RecentFile, TemplateSummary } from '../../engine/api/contract';

/** A short message at the bottom of the window. */
export interface Toast {
  id: number;
  kind: 'info' | 'success' | 'error';
  text: string;
}

/** The renderer's own file picker (the browser has no native dialog with paths). */
export interface FileDialogRequest {
  mode: 'open' | 'save';
  title: string;
  /** Extension the chosen file gets (with dot), e.g. `.cnn.json`, `.svg`. */
  extension: string;
  /** Proposed file name for save. */
  suggestedName?: string;
  resolve(path: string | null): void;
}

export interface ConfirmRequest {
  title: string;
  message: string;
  confirmLabel: string;
  /** A third choice, e.g. "Save first". */
  altLabel?: string;
  resolve(choice: 'confirm' | 'alt' | 'cancel'): void;
}

/** Where the search-and-add popup is, in screen and flow coordinates. */
export interface AddPopup {
  screen: { x: number; y: number };
  flow: { x: number; y: number };
}

export type RightTab = 'layer' | 'receptive-field';

export interface UiState {
  welcomeOpen: boolean;
  fileDialog: FileDialogRequest | null;
  confirm: ConfirmRequest | null;
  addPopup: AddPopup | null;
  toasts: Toast[];
  minimap: boolean;
  rightTab: RightTab;
  problemsOpen: boolean;
  host: HostInfo | null;
  backend: BackendInfo | null;
  /** Error text when the engine could not be reached. */
  engineError: string | null;
  templates: TemplateSummary[] | null;
  templatesError: string | null;
  recent: RecentFile[];
  /** An autosave left by a session that did not end cleanly, offered for recovery. */
  recovery: AutosaveEntry | null;
  /** Set while a template or file is loading, to show progress on its card. */
  busy: string | null;
  set(p: Partial<Omit<UiState, 'set' | 'toast' | 'dismissToast'>>): void;
  toast(kind: Toast['kind'], text: string): void;
  dismissToast(id: number): void;
}

let toastId = 0;

export const useUiStore = create<UiState>()((set, get) => ({
  welcomeOpen: true,
  fileDialog: null,
  confirm: null,
  addPopup: null,
  toasts: [],
  minimap: true,
  rightTab: 'layer',
  problemsOpen: true,
  host: null,
  backend: null,
  engineError: null,
  templates: null,
  templatesError: null,
  recent: [],
  recovery: null,
  busy: null,
  set: (p) => set(p),
  toast(kind, text) {
    const id = ++toastId;
    set({ toasts: [...get().toasts.slice(-3), { id, kind, text }] });
    // Errors stay until dismissed: the user must be able to read them.
    if (kind !== 'error') setTimeout(() => get().dismissToast(id), 3500);
  },
  dismissToast(id) {
    set({ toasts: get().toasts.filter((t) => t.id !== id) });
  },
}));

/** Ask the user to confirm; resolves with their choice. */
export function askConfirm(req: Omit<ConfirmRequest, 'resolve'>): Promise<'confirm' | 'alt' | 'cancel'> {
  return new Promise((resolve) => useUiStore.getState().set({ confirm: { ...req, resolve } }));
}

/** Show the renderer's file picker; resolves with the chosen path or null. */
export function pickFile(req: Omit<FileDialogRequest, 'resolve'>): Promise<string | null> {
  return new Promise((resolve) => useUiStore.getState().set({ fileDialog: { ...req, resolve } }));
}
