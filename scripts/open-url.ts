/** Open a URL in the user's browser where one can be opened; returns why not otherwise. */
import { spawn } from 'node:child_process';

export function openInBrowser(url: string): string | null {
  let cmd: string;
  let args: string[];
  if (process.platform === 'darwin') [cmd, args] = ['open', [url]];
  else if (process.platform === 'win32') [cmd, args] = ['cmd', ['/c', 'start', '""', url]];
  else {
    if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return 'no display (DISPLAY is not set)';
    [cmd, args] = ['xdg-open', [url]];
  }
  try {
    const p = spawn(cmd, args, { stdio: 'ignore', detached: true });
    p.on('error', () => {}); // no xdg-open: the printed URL is enough
    p.unref();
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}
