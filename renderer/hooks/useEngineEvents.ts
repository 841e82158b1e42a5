/**
 * Start-up and host events: connect to the engine, ask what the host can do,
 * load the gallery, recent files and any autosave to recover; run the menu
 * commands the Electron host sends; open files the host hands over.
 */
import { useEffect } from 'react';
import type { MenuCommand } from '../../engine/api/contract';
import { getCommand, runCommand, type CommandId } from '../commands/registry';
import { checkRecovery, refreshRecent, showDoc, startAutosave } from '../files/file-actions';
import { connectEngine } from '../ipc/engine';
import { useUiStore } from '../state/ui-store';

/** Menu commands whose renderer command has another id; all others are the same. */
const MENU_ALIASES: Partial<Record<MenuCommand, CommandId>> = { delete: 'delete-selection' };

export function useEngineStartup(): void {
  useEffect(() => {
    const ui = useUiStore.getState();
    let stopAutosave: (() => void) | null = null;
    const unsubs: (() => void)[] = [];
    let cancelled = false;
    void (async () => {
      const c = await connectEngine((status, detail) => {
        if (status === 'closed' || status === 'rejected') ui.set({ engineError: `Lost the connection to the host${detail ? `: ${detail}` : ''}.` });
        else if (status === 'open') ui.set({ engineError: null });
      });
      if (cancelled) return;
      if (!c.ok) {
        ui.set({ engineError: c.message, templatesError: c.message, templates: [] });
        return;
      }
      const engine = c.engine;
      const [host, backend, templates] = await Promise.all([engine.hostInfo(), engine.backendInfo(), engine.listTemplates()]);
      if (host.ok) ui.set({ host: host.value });
      if (backend.ok) ui.set({ backend: backend.value });
      else ui.set({ backend: { backend: null, detail: `unknown (${backend.error.message})`, available: [], notes: [] } });
      if (templates.ok) ui.set({ templates: templates.value });
      else ui.set({ templates: [], templatesError: templates.error.message });
      void refreshRecent();
      // Subscribe before taking the files the host was asked to open, so none is missed.
      unsubs.push(
        engine.onMenuCommand((cmd) => {
          const id = MENU_ALIASES[cmd] ?? cmd;
          if (getCommand(id)) void runCommand(id as CommandId);
          else console.warn(`menu command '${cmd}' has no renderer command`);
        }),
        engine.onOpenProject((f) => void showDoc(f.doc, f.path)),
      );
      const opened = await engine.takeOpenedFiles();
      if (opened.ok && opened.value.length) await showDoc(opened.value[0].doc, opened.value[0].path);
      else await checkRecovery();
      stopAutosave = startAutosave();
      // Signal for tests and benchmarks that start-up is complete.
      document.documentElement.dataset.engineReady = 'true';
    })();
    return () => {
      cancelled = true;
      stopAutosave?.();
      for (const u of unsubs) u();
    };
  }, []);
}
