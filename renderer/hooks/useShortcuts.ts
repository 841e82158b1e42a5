/**
 * Keyboard shortcuts: each key runs the command that declares it (commands/*).
 * Keys are ignored while typing in a field, except the `global` commands
 * (Save, Open…), and while a dialog is open.
 */
import { useEffect } from 'react';
import { commandForKey, keyOf, runCommand, type CommandId } from '../commands/registry';
import { useUiStore } from '../state/ui-store';

function isTyping(el: EventTarget | null): boolean {
  const e = el as HTMLElement | null;
  if (!e || !e.tagName) return false;
  return e.tagName === 'INPUT' || e.tagName === 'TEXTAREA' || e.tagName === 'SELECT' || e.isContentEditable;
}

export function useShortcuts(): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const cmd = commandForKey(keyOf(e));
      if (!cmd) return;
      const ui = useUiStore.getState();
      if (ui.fileDialog || ui.confirm) return;
      if (ui.welcomeOpen && !cmd.global) return;
      if (isTyping(e.target) && !cmd.global) return;
      e.preventDefault();
      void runCommand(cmd.id as CommandId);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
