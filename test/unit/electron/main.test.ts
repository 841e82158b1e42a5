/**
 * Loads electron/main.ts with fakes of Electron's modules and checks the
 * security settings and the IPC wiring it sets up.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EVENT_NAMES, REQUEST_NAMES, channelOf, eventChannelOf } from '../../../engine/api';
import { emptyDoc } from '../../../engine/graph/doc';

type Fn = (...a: any[]) => any;

const fx = vi.hoisted(() => {
  const tmp = require('node:fs').mkdtempSync(require('node:path').join(require('node:os').tmpdir(), 'cnn-main-'));
  const handles = new Map<string, Fn>();
  const appOn = new Map<string, Fn[]>();
  const windows: any[] = [];
  const protocols = new Map<string, Fn>();
  const makeContents = () => {
    const on = new Map<string, Fn[]>();
    const mainFrame = { url: 'app://renderer/index.html', processId: 7, routingId: 1 };
    return {
      on: (ev: string, fn: Fn) => void on.set(ev, [...(on.get(ev) ?? []), fn]),
      listeners: on,
      mainFrame,
      send: vi.fn(),
      setWindowOpenHandler: vi.fn(),
    };
  };
  class BrowserWindow {
    options: any;
    webContents = makeContents();
    loadURL = vi.fn(async () => {});
    constructor(options: any) {
      this.options = options;
      windows.push(this);
    }
    once() {}
    on() {}
    show() {}
    isDestroyed() {
      return false;
    }
    isMinimized() {
      return false;
    }
    restore() {}
    focus() {}
  }
  const app = {
    isPackaged: false,
    requestSingleInstanceLock: () => true,
    quit: vi.fn(),
    on: (ev: string, fn: Fn) => void appOn.set(ev, [...(appOn.get(ev) ?? []), fn]),
    whenReady: () => Promise.resolve(),
    getPath: (name: string) => require('node:path').join(tmp, name),
    getAppPath: () => tmp,
    getVersion: () => '0.1.0',
  };
  const session = {
    defaultSession: {
      setPermissionRequestHandler: vi.fn(),
      setPermissionCheckHandler: vi.fn(),
      webRequest: { onHeadersReceived: vi.fn() },
    },
  };
  const electron = {
    app,
    BrowserWindow,
    ipcMain: { handle: (ch: string, fn: Fn) => void handles.set(ch, fn) },
    Menu: { buildFromTemplate: (t: unknown) => ({ template: t }), setApplicationMenu: vi.fn() },
    protocol: { registerSchemesAsPrivileged: vi.fn(), handle: (s: string, fn: Fn) => void protocols.set(s, fn) },
    session,
    dialog: { showOpenDialog: vi.fn(), showSaveDialog: vi.fn(), showMessageBox: vi.fn(), showErrorBox: vi.fn() },
    shell: { openExternal: vi.fn() },
  };
  return { tmp, handles, appOn, windows, protocols, electron, makeContents };
});

vi.mock('electron', () => ({ ...fx.electron, default: fx.electron }));

let main: typeof import('../../../electron/main');

beforeAll(async () => {
  mkdirSync(path.join(fx.tmp, 'dist', 'renderer'), { recursive: true });
  writeFileSync(path.join(fx.tmp, 'dist', 'renderer', 'index.html'), '<!doctype html><title>app</title>');
  writeFileSync(path.join(fx.tmp, 'secret.txt'), 'secret');
  main = await import('../../../electron/main');
  // Let app.whenReady().then(...) finish.
  for (let i = 0; i < 50 && fx.windows.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
});

const win = () => fx.windows[0];
const trusted = () => ({ sender: win().webContents, senderFrame: win().webContents.mainFrame });
const call = (method: string, arg?: unknown, event: unknown = trusted()) => fx.handles.get(`engine:${method}`)!(event, arg);

describe('electron/main.ts with fake Electron modules', () => {
  it('registers exactly one ipcMain handler per contract request', () => {
    expect([...fx.handles.keys()].sort()).toEqual(REQUEST_NAMES.map(channelOf).sort());
  });

  it('creates the window with the security settings', () => {
    expect(fx.windows).toHaveLength(1);
    const wp = win().options.webPreferences;
    expect(wp).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
    expect(wp.preload).toMatch(/preload\.cjs$/);
    expect(win().loadURL).toHaveBeenCalledWith('app://renderer/index.html');
    expect(fx.electron.protocol.registerSchemesAsPrivileged).toHaveBeenCalledWith([
      expect.objectContaining({ scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true }) }),
    ]);
  });

  it('denies navigation, redirects, webviews and new windows for every web contents', () => {
    const created = fx.appOn.get('web-contents-created')!;
    expect(created).toHaveLength(1);
    const contents = fx.makeContents();
    created[0]({}, contents);
    for (const ev of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
      const e = { preventDefault: vi.fn() };
      for (const l of contents.listeners.get(ev) ?? []) l(e, 'https://evil.example');
      expect(e.preventDefault, ev).toHaveBeenCalled();
    }
    const open = contents.setWindowOpenHandler.mock.calls[0][0] as Fn;
    expect(open({ url: 'https://arxiv.org/abs/1512.03385' })).toEqual({ action: 'deny' });
    expect(fx.electron.shell.openExternal).toHaveBeenCalledWith('https://arxiv.org/abs/1512.03385');
    fx.electron.shell.openExternal.mockClear();
    for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'app://renderer/x', 'http://example.com']) {
      expect(open({ url })).toEqual({ action: 'deny' });
    }
    expect(fx.electron.shell.openExternal).not.toHaveBeenCalled();
  });

  it('sets a strict CSP on every response and denies permissions', async () => {
    const onHeaders = fx.electron.session.defaultSession.webRequest.onHeadersReceived.mock.calls[0][0] as Fn;
    const cb = vi.fn();
    onHeaders({ responseHeaders: { 'X-Other': ['1'] } }, cb);
    const headers = cb.mock.calls[0][0].responseHeaders;
    const csp: string = headers['Content-Security-Policy'][0];
    expect(headers['X-Other']).toEqual(['1']);
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).not.toMatch(/unsafe-eval|wasm-unsafe-eval/);
    expect(csp).toMatch(/object-src 'none'/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(csp).toBe(main.CSP);

    const perm = fx.electron.session.defaultSession.setPermissionRequestHandler.mock.calls[0][0] as Fn;
    const answer = vi.fn();
    perm({}, 'media', answer);
    expect(answer).toHaveBeenCalledWith(false);
    const check = fx.electron.session.defaultSession.setPermissionCheckHandler.mock.calls[0][0] as Fn;
    expect(check({}, 'notifications')).toBe(false);
  });

  it('serves the renderer on app:// with the CSP, and nothing outside dist/renderer', async () => {
    const serve = fx.protocols.get('app')!;
    const ok = (await serve(new Request('app://renderer/index.html'))) as Response;
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-security-policy')).toBe(main.CSP);
    expect(await ok.text()).toContain('<title>app</title>');
    for (const u of ['app://renderer/../secret.txt', 'app://renderer/%2e%2e/secret.txt', 'app://renderer/..%2fsecret.txt', 'app://other/index.html']) {
      const r = (await serve(new Request(u))) as Response;
      expect(r.status, u).toBeGreaterThanOrEqual(400);
      expect(await r.text()).not.toContain('secret');
    }
  });

  it('answers only our window main frame at our origin', async () => {
    const info = await call('hostInfo');
    expect(info).toMatchObject({ ok: true, value: { transport: 'electron', nativeDialogs: true } });
    // The same top frame through another wrapper object is still trusted.
    const sameTop = { ...win().webContents.mainFrame };
    expect(await call('hostInfo', undefined, { sender: win().webContents, senderFrame: sameTop })).toMatchObject({ ok: true });
    const other = fx.makeContents();
    const refused = [
      { sender: other, senderFrame: other.mainFrame }, // another web contents
      { sender: win().webContents, senderFrame: { url: 'app://renderer/index.html', processId: 7, routingId: 2 } }, // an iframe
      { sender: win().webContents, senderFrame: null }, // frame gone
    ];
    for (const e of refused) expect(await call('hostInfo', undefined, e)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const saved = win().webContents.mainFrame.url;
    win().webContents.mainFrame.url = 'https://evil.example/';
    expect(await call('hostInfo')).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    win().webContents.mainFrame.url = saved;
  });

  it('parses arguments before any handler runs', async () => {
    expect(await call('loadTemplate', 42)).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    expect(await call('saveProject', { path: '/tmp/x.cnnd', doc: { format: 'cnn-designer.graph' } })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT' },
    });
    expect(await call('startTraining', {})).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
  });

  it('opens through the native dialog and refuses paths the user did not choose', async () => {
    const file = path.join(fx.tmp, 'chosen.cnnd');
    writeFileSync(file, JSON.stringify(emptyDoc('chosen')));
    fx.electron.dialog.showOpenDialog.mockResolvedValueOnce({ canceled: false, filePaths: [file] });
    const r = await call('openProject');
    expect(r).toMatchObject({ ok: true, value: { path: file, doc: { name: 'chosen' } } });
    fx.electron.dialog.showOpenDialog.mockResolvedValueOnce({ canceled: true, filePaths: [] });
    expect(await call('openProject')).toEqual({ ok: true, value: null });
    // Reopening a recent file by path is fine; another path is not.
    expect(await call('openProject', { path: file })).toMatchObject({ ok: true });
    const elsewhere = path.join(mkdtempSync(path.join(os.tmpdir(), 'cnn-other-')), 'x.cnnd');
    writeFileSync(elsewhere, JSON.stringify(emptyDoc('x')));
    expect(await call('openProject', { path: elsewhere })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await call('listProjectFiles')).toMatchObject({ ok: false, error: { code: 'NOT_SUPPORTED' } });
  });

  it('chooseFolder opens a native folder dialog; only then may importModel / exportModel name that folder', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cnn-folder-'));
    const model = path.join(dir, 'model.json');
    writeFileSync(model, '{}');
    expect(await call('importModel', { path: model })).toMatchObject({ ok: false, error: { code: 'PATH_NOT_ALLOWED', field: 'path' } });
    expect(await call('exportModel', { model: { modelId: 'm' }, format: 'onnx', dir })).toMatchObject({ ok: false, error: { code: 'PATH_NOT_ALLOWED', field: 'dir' } });
    fx.electron.dialog.showOpenDialog.mockResolvedValueOnce({ canceled: false, filePaths: [dir] });
    expect(await call('chooseFolder', { purpose: 'import' })).toEqual({ ok: true, value: { path: dir } });
    const opts = fx.electron.dialog.showOpenDialog.mock.calls.at(-1)!.at(-1) as { properties: string[]; title: string };
    expect(opts.properties).toContain('openDirectory');
    expect(opts.title).toMatch(/model\.json/);
    // Now the path reaches the importer (which reports the empty file, not the path).
    const r = await call('importModel', { path: model });
    expect(r).toMatchObject({ ok: false });
    expect((r as { error: { code: string } }).error.code).not.toBe('PATH_NOT_ALLOWED');
  });

  it('builds the menu and sends its commands to the renderer', async () => {
    const setMenu = fx.electron.Menu.setApplicationMenu;
    const template = setMenu.mock.calls.at(-1)![0].template as { label: string; submenu: any[] }[];
    const labels = template.map((m) => m.label.replace('&', ''));
    expect(labels).toEqual(expect.arrayContaining(['File', 'Edit', 'View']));
    const find = (menu: string, label: string) =>
      template.find((m) => m.label.replace('&', '') === menu)!.submenu.find((i: any) => i.label?.replace(/&/g, '') === label);
    for (const [menu, label, command] of [
      ['File', 'Save', 'save'],
      ['File', 'Open…', 'open'],
      ['File', 'Save As…', 'save-as'],
      ['Edit', 'Undo', 'undo'],
      ['View', 'Fit to View', 'fit-view'],
    ]) {
      win().webContents.send.mockClear();
      find(menu, label).click();
      expect(win().webContents.send).toHaveBeenCalledWith(eventChannelOf('onMenuCommand'), command);
    }
    const exp = find('File', 'Export Diagram').submenu.map((i: any) => i.label.replace(/&/g, ''));
    expect(exp).toEqual(['As SVG…', 'As PNG…']);
    // The recent file opened above is in Open Recent.
    const recent = find('File', 'Open Recent').submenu;
    expect(recent[0].sublabel).toBe(path.join(fx.tmp, 'chosen.cnnd'));
  });

  it('pushes documents the OS opens once the renderer has taken the startup ones', async () => {
    const file = path.join(fx.tmp, 'os.cnnd');
    writeFileSync(file, JSON.stringify(emptyDoc('from os')));
    expect(await call('takeOpenedFiles')).toEqual({ ok: true, value: [] });
    win().webContents.send.mockClear();
    const e = { preventDefault: vi.fn() };
    fx.appOn.get('open-file')![0](e, file);
    await vi.waitFor(() =>
      expect(win().webContents.send).toHaveBeenCalledWith(eventChannelOf('onOpenProject'), expect.objectContaining({ path: file })),
    );
    expect(e.preventDefault).toHaveBeenCalled();
  });

  it('reads document paths from a command line', () => {
    expect(main.filesFromArgv(['/usr/bin/electron', '.', 'a.cnnd', '--flag', 'b.json', 'c.txt'], '/home/u', false)).toEqual([
      '/home/u/a.cnnd',
      '/home/u/b.json',
    ]);
    expect(main.filesFromArgv(['/opt/CNN Designer/cnn-designer', '/data/x.cnnd'], '/', true)).toEqual(['/data/x.cnnd']);
  });

  it('exposes an event channel for every contract event', () => {
    expect(EVENT_NAMES.map(eventChannelOf)).toEqual(expect.arrayContaining(['engine-event:onJobProgress', 'engine-event:onMenuCommand']));
  });
});
