/**
 * The Electron main process: one window, the engine's handlers on ipcMain,
 * the app menu, native dialogs, documents opened by the OS. Kept thin: the
 * work is in handlers.ts and services/.
 *
 * Security (Electron's security checklist): the renderer runs sandboxed with
 * context isolation and no Node integration; it is served from the custom
 * `app://renderer` origin (not file://) with a strict CSP; navigation,
 * new windows, webviews and permission requests are denied; every IPC call
 * checks that it comes from our window's main frame at our origin, and
 * every argument is parsed with the contract's schema (handlers.ts).
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, session, shell, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DOCUMENT_EXTENSION,
  REQUEST_NAMES,
  channelOf,
  err,
  eventChannelOf,
  isOpenableName,
  type EngineRequestName,
  type MenuCommand,
} from '../engine/api';
import { contentSecurityPolicy, MIME_TYPES, SECURITY_HEADERS } from './csp';
import { dispatch } from './handlers';
import { buildMenuTemplate } from './menu';
import { createEngineServices, type Dialogs, type EmitEvent, type EngineServices } from './services/index';

const HERE = typeof __dirname === 'string' ? __dirname : path.dirname(fileURLToPath(import.meta.url));

/** The renderer's origin: a privileged custom scheme, so 'self' in the CSP means our files only. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'renderer';
export const RENDERER_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;
export const CSP = contentSecurityPolicy();

/** The settings every window is created with (tested). */
export function secureWebPreferences(): Electron.WebPreferences {
  return {
    preload: path.join(HERE, 'preload.cjs'),
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
  };
}

let mainWindow: BrowserWindow | null = null;
let services: EngineServices | null = null;

/** Requests after which the Open Recent menu changes. */
const TOUCHES_RECENT = new Set<EngineRequestName>(['openProject', 'saveProject', 'saveProjectAs', 'clearRecentFiles']);

/** True when an IPC call comes from our window's top frame at our origin (checklist #17). */
export function isTrustedSender(e: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>): boolean {
  const frame = e.senderFrame;
  if (!frame || !mainWindow || mainWindow.isDestroyed() || e.sender !== mainWindow.webContents) return false;
  // Only the top frame, never an iframe. Compared by ids as well, in case Electron hands out a new wrapper object.
  const top = e.sender.mainFrame;
  if (frame !== top && !(frame.processId === top.processId && frame.routingId === top.routingId)) return false;
  try {
    const u = new URL(frame.url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  } catch {
    return false;
  }
}

const emit: EmitEvent = (event, payload) => {
  if (mainWindow && !mainWindow.isDestroyed()) mainWindow.webContents.send(eventChannelOf(event), payload);
};

function sendMenuCommand(command: MenuCommand): void {
  emit('onMenuCommand', command);
}

function showError(message: string): void {
  if (mainWindow && !mainWindow.isDestroyed()) void dialog.showMessageBox(mainWindow, { type: 'error', message });
  else dialog.showErrorBox('CNN Designer', message);
}

async function refreshMenu(): Promise<void> {
  if (!services) return;
  const recent = await services.files.recent();
  const template = buildMenuTemplate({
    recent: recent.ok ? recent.value : [],
    isMac: process.platform === 'darwin',
    isPackaged: app.isPackaged,
    send: sendMenuCommand,
    openRecent: (p) => void openFromOs(p),
    clearRecent: () => void services?.files.clearRecent().then(refreshMenu),
  });
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

/** Open a document the OS, the command line or the Recent menu named. */
async function openFromOs(file: string): Promise<void> {
  if (!services) {
    pendingOsFiles.push(file);
    return;
  }
  const r = await services.opened.add(file);
  if (!r.ok) showError(r.error.message);
  else void refreshMenu();
  mainWindow?.show();
}
const pendingOsFiles: string[] = [];

/** Document paths in a command line (after the executable, and the app folder in development). */
export function filesFromArgv(argv: readonly string[], cwd: string, isPackaged: boolean): string[] {
  return argv
    .slice(isPackaged ? 1 : 2)
    .filter((a) => !a.startsWith('-') && isOpenableName(a))
    .map((a) => path.resolve(cwd, a));
}

function electronDialogs(): Dialogs {
  const filters = [
    { name: 'CNN Designer documents', extensions: [DOCUMENT_EXTENSION.slice(1), 'json'] },
    { name: 'All files', extensions: ['*'] },
  ];
  let lastDir = app.getPath('documents');
  const remember = (p: string | null | undefined) => {
    if (p) lastDir = path.dirname(p);
    return p ?? null;
  };
  const parent = () => (mainWindow && !mainWindow.isDestroyed() ? mainWindow : undefined);
  return {
    async openDocument() {
      const opts: Electron.OpenDialogOptions = { title: 'Open network', defaultPath: lastDir, properties: ['openFile'], filters };
      const w = parent();
      const r = w ? await dialog.showOpenDialog(w, opts) : await dialog.showOpenDialog(opts);
      return r.canceled ? null : remember(r.filePaths[0]);
    },
    async saveDocument(name) {
      const opts: Electron.SaveDialogOptions = { title: 'Save network', defaultPath: path.join(lastDir, name), filters: filters.slice(0, 1) };
      const w = parent();
      const r = w ? await dialog.showSaveDialog(w, opts) : await dialog.showSaveDialog(opts);
      return r.canceled ? null : remember(r.filePath);
    },
    async saveDiagram(format, name) {
      const opts: Electron.SaveDialogOptions = {
        title: 'Export diagram',
        defaultPath: path.join(lastDir, name),
        filters: [{ name: format.toUpperCase(), extensions: [format] }],
      };
      const w = parent();
      const r = w ? await dialog.showSaveDialog(w, opts) : await dialog.showSaveDialog(opts);
      return r.canceled ? null : remember(r.filePath);
    },
    async chooseFolder(purpose, defaultPath) {
      const titles = { export: 'Choose the folder to export into', dataset: 'Choose the dataset folder', import: 'Choose the folder holding model.json', weights: 'Choose the folder of the trained weights' } as const;
      const opts: Electron.OpenDialogOptions = {
        title: titles[purpose],
        defaultPath: defaultPath ?? lastDir,
        // createDirectory: macOS only, lets the user make a new export folder in the dialog.
        properties: purpose === 'export' ? ['openDirectory', 'createDirectory'] : ['openDirectory'],
      };
      const w = parent();
      const r = w ? await dialog.showOpenDialog(w, opts) : await dialog.showOpenDialog(opts);
      const dir = r.canceled ? null : (r.filePaths[0] ?? null);
      // The next file dialog starts inside the chosen folder.
      if (dir) lastDir = dir;
      return dir;
    },
  };
}

/** One handler per contract request on ipcMain, each behind the sender check. */
export function registerIpc(s: EngineServices): void {
  for (const method of REQUEST_NAMES) {
    ipcMain.handle(channelOf(method), async (event, arg: unknown) => {
      if (!isTrustedSender(event)) return err('FORBIDDEN', 'This request did not come from the CNN Designer window.');
      const r = await dispatch(s, method, arg);
      if (r.ok && TOUCHES_RECENT.has(method)) void refreshMenu();
      return r;
    });
  }
}

/** Serve dist/renderer under app://renderer/, with the CSP on every response. */
async function serveRenderer(request: Request): Promise<Response> {
  const root = path.join(app.getAppPath(), 'dist', 'renderer');
  const headers = { 'Content-Security-Policy': CSP, ...SECURITY_HEADERS };
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return new Response('bad request', { status: 400, headers });
  }
  if (url.host !== APP_HOST) return new Response('not found', { status: 404, headers });
  const rel = decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname);
  const file = path.resolve(root, '.' + rel);
  if (file !== root && !file.startsWith(root + path.sep)) return new Response('forbidden', { status: 403, headers });
  try {
    const body = await fs.readFile(file);
    const type = MIME_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
    return new Response(body, { status: 200, headers: { ...headers, 'Content-Type': type } });
  } catch {
    return new Response('not found', { status: 404, headers });
  }
}

/** Deny what a renderer must never do, for every WebContents the app creates. */
export function hardenWebContents(contents: WebContents): void {
  contents.on('will-navigate', (e) => e.preventDefault());
  contents.on('will-redirect', (e) => e.preventDefault());
  contents.on('will-attach-webview', (e) => e.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    // Links to papers in the gallery open in the user's browser; nothing opens inside the app.
    if (/^https:\/\//i.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
}

export function createMainWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 800,
    minHeight: 500,
    title: 'CNN Designer',
    show: false,
    backgroundColor: '#f7f7f8',
    icon: path.join(app.getAppPath(), 'build', 'icon.png'),
    webPreferences: secureWebPreferences(),
  });
  mainWindow = win;
  win.once('ready-to-show', () => win.show());
  win.webContents.on('render-process-gone', (_e, details) => {
    // The renderer crashed: reload it; the autosave brings the document back.
    console.error('renderer gone:', details.reason);
    if (details.reason !== 'clean-exit' && !win.isDestroyed()) void win.loadURL(RENDERER_URL);
  });
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null;
  });
  void win.loadURL(RENDERER_URL);
  return win;
}

/** Start the app: called once when this module loads in Electron. */
export function startApp(): void {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

  app.on('web-contents-created', (_e, contents) => hardenWebContents(contents));
  // macOS delivers documents by event, possibly before 'ready'.
  app.on('open-file', (e, file) => {
    e.preventDefault();
    void openFromOs(file);
  });
  app.on('second-instance', (_e, argv, cwd) => {
    for (const f of filesFromArgv(argv, cwd, app.isPackaged)) void openFromOs(f);
    if (mainWindow) {
      if (mainWindow.isMinimized()) mainWindow.restore();
      mainWindow.focus();
    }
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (!mainWindow) createMainWindow();
  });
  app.on('before-quit', () => {
    void services?.jobs.shutdown();
    void services?.calls.shutdown();
  });

  void app.whenReady().then(async () => {
    const ses = session.defaultSession;
    ses.setPermissionRequestHandler((_wc, _permission, cb) => cb(false));
    ses.setPermissionCheckHandler(() => false);
    ses.webRequest.onHeadersReceived((details, cb) => {
      cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
    });
    protocol.handle(APP_SCHEME, serveRenderer);

    services = createEngineServices({
      transport: 'electron',
      appVersion: app.getVersion(),
      dataDir: app.getPath('userData'),
      projectsDir: app.getPath('documents'),
      dialogs: electronDialogs(),
      emit,
    });
    registerIpc(services);
    await refreshMenu();
    createMainWindow();
    for (const f of [...pendingOsFiles.splice(0), ...filesFromArgv(process.argv, process.cwd(), app.isPackaged)]) await openFromOs(f);
  });
}

startApp();
