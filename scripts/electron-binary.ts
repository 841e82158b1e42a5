/**
 * Where the Electron binary is, without triggering a download.
 *
 * `require('electron')` in electron ≥ 45 downloads the binary when it is
 * missing (node_modules/electron/index.js calls install.js), which hangs or
 * fails offline. So we read what it would read: node_modules/electron/path.txt
 * (written by a successful install) and dist/<that path>.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export type ElectronBinary = { ok: true; path: string; version: string } | { ok: false; reason: string; howToFix: string };

const HOW_TO_FIX =
  'With internet access, run `npx install-electron` (or `npm rebuild electron`), which downloads the Electron binary; then `npm start` opens the desktop window.';

export function findElectronBinary(root = process.cwd()): ElectronBinary {
  const require = createRequire(path.join(root, 'package.json'));
  let pkgFile: string;
  try {
    pkgFile = require.resolve('electron/package.json');
  } catch {
    return { ok: false, reason: 'the electron package is not installed', howToFix: 'Run `npm install`.' };
  }
  const dir = path.dirname(pkgFile);
  const version = (JSON.parse(readFileSync(pkgFile, 'utf8')) as { version: string }).version;
  const pathFile = path.join(dir, 'path.txt');
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (!existsSync(pathFile) && !override) {
    return { ok: false, reason: `the Electron ${version} binary was not downloaded when the package was installed (no network access to GitHub at install time)`, howToFix: HOW_TO_FIX };
  }
  const exe = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : 'electron';
  const full = override ? path.join(override, exe) : path.join(dir, 'dist', exe);
  if (!existsSync(full)) return { ok: false, reason: `the Electron binary is missing (${full})`, howToFix: HOW_TO_FIX };
  return { ok: true, path: full, version };
}

/** Why a window cannot be shown here even with Electron (Linux without a display server), or null. */
export function noDisplayReason(): string | null {
  if (process.platform !== 'linux') return null;
  if (process.env.DISPLAY || process.env.WAYLAND_DISPLAY) return null;
  return 'there is no display (neither DISPLAY nor WAYLAND_DISPLAY is set)';
}
