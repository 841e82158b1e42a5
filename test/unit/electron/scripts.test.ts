/** The pieces of `npm start` / `npm run web` that decide what to run. */
import { describe, expect, it, afterEach } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findElectronBinary, noDisplayReason } from '../../../scripts/electron-binary';
import { parseWebArgs } from '../../../scripts/web';

function fakeRoot(opts: { pathTxt?: string; binary?: boolean; pkg?: boolean }): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'cnn-electron-bin-'));
  writeFileSync(path.join(root, 'package.json'), '{"name":"x"}');
  const dir = path.join(root, 'node_modules', 'electron');
  if (opts.pkg !== false) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'package.json'), '{"name":"electron","version":"45.5.0"}');
  }
  if (opts.pathTxt) writeFileSync(path.join(dir, 'path.txt'), opts.pathTxt);
  if (opts.binary) {
    mkdirSync(path.join(dir, 'dist'), { recursive: true });
    writeFileSync(path.join(dir, 'dist', opts.pathTxt ?? 'electron'), '');
  }
  return root;
}

describe('findElectronBinary', () => {
  const saved = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  afterEach(() => {
    if (saved === undefined) delete process.env.ELECTRON_OVERRIDE_DIST_PATH;
    else process.env.ELECTRON_OVERRIDE_DIST_PATH = saved;
  });

  it('says why and how to fix when the binary was never downloaded', () => {
    delete process.env.ELECTRON_OVERRIDE_DIST_PATH;
    const r = findElectronBinary(fakeRoot({}));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toMatch(/Electron 45\.5\.0 binary was not downloaded/);
      expect(r.howToFix).toMatch(/npx install-electron/);
    }
  });

  it('finds a downloaded binary', () => {
    delete process.env.ELECTRON_OVERRIDE_DIST_PATH;
    const root = fakeRoot({ pathTxt: 'electron', binary: true });
    expect(findElectronBinary(root)).toEqual({ ok: true, path: path.join(root, 'node_modules/electron/dist/electron'), version: '45.5.0' });
  });

  it('notices a path.txt whose binary is gone', () => {
    delete process.env.ELECTRON_OVERRIDE_DIST_PATH;
    const r = findElectronBinary(fakeRoot({ pathTxt: 'electron' }));
    expect(r).toMatchObject({ ok: false, reason: expect.stringMatching(/binary is missing/) });
  });

  it('reports a missing package', () => {
    const r = findElectronBinary(fakeRoot({ pkg: false }));
    expect(r).toMatchObject({ ok: false, howToFix: 'Run `npm install`.' });
  });

  it('matches this machine: the binary is absent here, and nothing is downloaded to find out', () => {
    delete process.env.ELECTRON_OVERRIDE_DIST_PATH;
    const r = findElectronBinary(path.resolve(__dirname, '../../..'));
    // Either state is legitimate on a developer machine; the call must simply answer at once.
    expect(typeof r.ok).toBe('boolean');
  });
});

describe('noDisplayReason', () => {
  it('needs DISPLAY or WAYLAND_DISPLAY on Linux', () => {
    const d = process.env.DISPLAY;
    const w = process.env.WAYLAND_DISPLAY;
    try {
      delete process.env.DISPLAY;
      delete process.env.WAYLAND_DISPLAY;
      if (process.platform === 'linux') expect(noDisplayReason()).toMatch(/no display/);
      process.env.DISPLAY = ':0';
      expect(noDisplayReason()).toBeNull();
    } finally {
      if (d === undefined) delete process.env.DISPLAY;
      else process.env.DISPLAY = d;
      if (w !== undefined) process.env.WAYLAND_DISPLAY = w;
    }
  });
});

describe('parseWebArgs', () => {
  it('reads the options', () => {
    expect(parseWebArgs([])).toEqual({ port: 0, open: true, build: false, files: [] });
    const o = parseWebArgs(['--port', '8123', '--no-open', '--build', '--projects', '/p', '--data', '/d', 'a.cnnd']);
    expect(o).toEqual({ port: 8123, open: false, build: true, projectsDir: '/p', dataDir: '/d', files: [path.resolve('a.cnnd')] });
    expect(parseWebArgs(['--port=9000']).port).toBe(9000);
  });

  it.each([
    [['--port'], /--port needs a value/],
    [['--port', 'abc'], /--port must be a whole number.*got 'abc'/],
    [['--port', '70000'], /0 to 65535/],
    [['--bogus'], /unknown option '--bogus'/],
    [['--projects', '--no-open'], /--projects needs a value/],
  ])('refuses %j with a clear message', (argv, msg) => {
    expect(() => parseWebArgs(argv as string[])).toThrow(msg);
  });
});
