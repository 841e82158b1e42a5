/**
 * The application menu. Items that act on the document send a MenuCommand
 * to the renderer, which runs its own command of that name (the same code
 * as its toolbar and keyboard shortcuts). Their accelerators are shown but
 * not registered (Linux, Windows), so keys reach the page and work the same
 * in the browser; the renderer owns the shortcuts.
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { MenuCommand, RecentFile } from '../engine/api';

export interface MenuOptions {
  recent: RecentFile[];
  isMac: boolean;
  /** Developer tools only in development builds. */
  isPackaged: boolean;
  send(command: MenuCommand): void;
  openRecent(path: string): void;
  clearRecent(): void;
}

export function buildMenuTemplate(o: MenuOptions): MenuItemConstructorOptions[] {
  const cmd = (label: string, command: MenuCommand, accelerator?: string): MenuItemConstructorOptions => ({
    label,
    ...(accelerator ? { accelerator, registerAccelerator: false } : {}),
    click: () => o.send(command),
  });
  const recentItems: MenuItemConstructorOptions[] = o.recent.length
    ? [
        ...o.recent.map((r) => ({ label: r.name, sublabel: r.path, enabled: r.exists, click: () => o.openRecent(r.path) })),
        { type: 'separator' as const },
        { label: 'Clear Recent', click: () => o.clearRecent() },
      ]
    : [{ label: 'No recent files', enabled: false }];

  const template: MenuItemConstructorOptions[] = [];
  if (o.isMac) template.push({ role: 'appMenu' });
  template.push(
    {
      label: '&File',
      submenu: [
        cmd('&New', 'new', 'CmdOrCtrl+N'),
        cmd('&Open…', 'open', 'CmdOrCtrl+O'),
        { label: 'Open &Recent', submenu: recentItems },
        cmd('Templates…', 'show-welcome'),
        { type: 'separator' },
        cmd('&Save', 'save', 'CmdOrCtrl+S'),
        cmd('Save &As…', 'save-as', 'CmdOrCtrl+Shift+S'),
        { type: 'separator' },
        { label: '&Export Diagram', submenu: [cmd('As &SVG…', 'export-svg'), cmd('As &PNG…', 'export-png')] },
        { type: 'separator' },
        o.isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    {
      label: '&Edit',
      submenu: [
        cmd('&Undo', 'undo', 'CmdOrCtrl+Z'),
        cmd('&Redo', 'redo', o.isMac ? 'Cmd+Shift+Z' : 'Ctrl+Y'),
        { type: 'separator' },
        cmd('Cu&t', 'cut', 'CmdOrCtrl+X'),
        cmd('&Copy', 'copy', 'CmdOrCtrl+C'),
        cmd('&Paste', 'paste', 'CmdOrCtrl+V'),
        cmd('&Delete', 'delete', 'Delete'),
        cmd('Select &All', 'select-all', 'CmdOrCtrl+A'),
      ],
    },
    {
      label: '&View',
      submenu: [
        cmd('Auto &Layout', 'auto-layout', 'CmdOrCtrl+Shift+L'),
        cmd('&Fit to View', 'fit-view', 'CmdOrCtrl+0'),
        cmd('Zoom &In', 'zoom-in', 'CmdOrCtrl+='),
        cmd('Zoom &Out', 'zoom-out', 'CmdOrCtrl+-'),
        cmd('Toggle &Minimap', 'toggle-minimap'),
        { type: 'separator' },
        { role: 'togglefullscreen' },
        ...(o.isPackaged ? [] : [{ type: 'separator' as const }, { role: 'reload' as const }, { role: 'toggleDevTools' as const }]),
      ],
    },
    {
      label: '&Help',
      submenu: [cmd('&Welcome and Templates', 'show-welcome'), ...(o.isMac ? [] : [{ role: 'about' as const }])],
    },
  );
  return template;
}
