/**
 * The web host: the same handler table as the Electron app, bound to a
 * WebSocket on 127.0.0.1, plus the built renderer (dist/renderer) served as
 * static files with the same CSP. Used where the Electron binary is absent,
 * and by the end-to-end tests (Playwright drives the real app through it).
 *
 * Access control: it listens on the loopback interface only; every run has a
 * random token that the WebSocket must present (`/ws?token=…`, compared in
 * constant time); a wrong or missing token gets the connection closed with
 * code 4401 before any message is read. Requests whose Host or Origin is not
 * this server are refused (no DNS rebinding, no cross-site WebSockets). The
 * static files hold no secrets: the token is only in the URL the host prints.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { CLOSE_BAD_TOKEN, TOKEN_PARAM, WS_PATH, err, type WireRequest, type WireServerMessage } from '../engine/api';
import { contentSecurityPolicy, MIME_TYPES, SECURITY_HEADERS } from './csp';
import { dispatch } from './handlers';
import { createEngineServices, type EmitEvent, type EngineServices, type EngineServicesOptions } from './services/index';

export interface WebHostOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Folder of the built renderer (index.html, assets/). */
  rendererDir: string;
  /** recent.json and autosave.json; default: the same folder the desktop app uses. */
  dataDir?: string;
  /** Where the renderer's file picker starts; default ~/Documents/CNN Designer (or ~/CNN Designer). */
  projectsDir?: string;
  /** Fixed token (tests); default: 32 random bytes, hex. */
  token?: string;
  appVersion?: string;
  /** Documents to open at startup (command line). */
  open?: string[];
  /** Job runner overrides (tests). */
  jobs?: EngineServicesOptions['jobs'];
  /** Largest message accepted, bytes (default 256 MiB: a PNG diagram of a huge graph). */
  maxPayload?: number;
}

export interface WebHost {
  /** The page URL with the token: what the user opens. */
  url: string;
  /** Origin without token, e.g. http://127.0.0.1:5173 */
  origin: string;
  port: number;
  token: string;
  services: EngineServices;
  /** Errors opening the `open` documents, for the caller to print. */
  openErrors: string[];
  close(): Promise<void>;
}

/** The folder the desktop app keeps its data in (Electron's userData for productName "CNN Designer"). */
export function defaultDataDir(): string {
  const home = os.homedir();
  const base =
    process.platform === 'win32'
      ? (process.env.APPDATA ?? path.join(home, 'AppData', 'Roaming'))
      : process.platform === 'darwin'
        ? path.join(home, 'Library', 'Application Support')
        : (process.env.XDG_CONFIG_HOME ?? path.join(home, '.config'));
  return path.join(base, 'CNN Designer');
}

async function defaultProjectsDir(): Promise<string> {
  const docs = path.join(os.homedir(), 'Documents');
  const hasDocs = await fs.stat(docs).then((s) => s.isDirectory()).catch(() => false);
  return path.join(hasDocs ? docs : os.homedir(), 'CNN Designer');
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const NO_BUILD_PAGE = (dir: string) => `<!doctype html><meta charset="utf-8"><title>CNN Designer</title>
<body style="font-family:sans-serif;max-width:40em;margin:3em auto">
<h1>The app is not built yet</h1>
<p>The web host found no renderer build in <code>${dir.replace(/[<>&]/g, '')}</code>.
Run <code>npm run build</code> (or <code>npm start</code>, which builds first), then reload this page.</p></body>`;

export async function startWebHost(opts: WebHostOptions): Promise<WebHost> {
  const token = opts.token ?? randomBytes(32).toString('hex');
  const rendererDir = path.resolve(opts.rendererDir);
  const sockets = new Set<WebSocket>();

  const broadcast: EmitEvent = (event, payload) => {
    const msg: WireServerMessage = { t: 'evt', event, payload };
    const text = JSON.stringify(msg);
    for (const s of sockets) if (s.readyState === s.OPEN) s.send(text);
  };

  const services = createEngineServices({
    transport: 'web',
    appVersion: opts.appVersion ?? '0.0.0',
    dataDir: opts.dataDir ?? defaultDataDir(),
    projectsDir: opts.projectsDir ?? (await defaultProjectsDir()),
    dialogs: null,
    emit: broadcast,
    jobs: opts.jobs,
  });

  let port = 0;
  const allowedHosts = () => [`127.0.0.1:${port}`, `localhost:${port}`];
  const allowedOrigins = () => allowedHosts().map((h) => `http://${h}`);
  const headers = () => ({
    'Content-Security-Policy': contentSecurityPolicy({ connect: [`ws://127.0.0.1:${port}`, `ws://localhost:${port}`] }),
    ...SECURITY_HEADERS,
    'Cache-Control': 'no-cache',
  });

  const server: Server = createServer((req, res) => void serveStatic(req, res));

  async function serveStatic(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const h = headers();
    const send = (status: number, body: string | Buffer, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { ...h, 'Content-Type': type });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (!allowedHosts().includes(req.headers.host ?? '')) return send(421, 'wrong host');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed');
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', `http://${req.headers.host}`).pathname);
    } catch {
      return send(400, 'bad request');
    }
    if (pathname.includes('\0')) return send(400, 'bad request');
    const rel = pathname === '/' ? '/index.html' : pathname;
    const file = path.resolve(rendererDir, '.' + rel);
    if (file !== rendererDir && !file.startsWith(rendererDir + path.sep)) return send(403, 'forbidden');
    try {
      const st = await fs.stat(file);
      if (!st.isFile()) return send(404, 'not found');
      const body = await fs.readFile(file);
      return send(200, body, MIME_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream');
    } catch {
      if (rel === '/index.html') return send(503, NO_BUILD_PAGE(rendererDir), 'text/html; charset=utf-8');
      // Browsers ask for it unprompted; an empty answer keeps the console free of a 404.
      if (rel === '/favicon.ico') return send(204, '');
      return send(404, 'not found');
    }
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxPayload ?? 256 * 1024 * 1024 });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refuse = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://127.0.0.1');
    } catch {
      return refuse(400, 'Bad Request');
    }
    if (url.pathname !== WS_PATH) return refuse(404, 'Not Found');
    if (!allowedHosts().includes(req.headers.host ?? '')) return refuse(403, 'Forbidden');
    // Browsers always send Origin; a page from another site must not reach the engine.
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins().includes(origin)) return refuse(403, 'Forbidden');
    const given = url.searchParams.get(TOKEN_PARAM) ?? '';
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (!safeEqual(given, token)) {
        // Complete the handshake only to say why: a browser cannot read an HTTP status of a refused upgrade.
        ws.close(CLOSE_BAD_TOKEN, 'missing or wrong token');
        return;
      }
      sockets.add(ws);
      const hello: WireServerMessage = { t: 'hello', version: opts.appVersion ?? '0.0.0' };
      ws.send(JSON.stringify(hello));
      ws.on('close', () => sockets.delete(ws));
      ws.on('error', () => sockets.delete(ws));
      ws.on('message', (data, isBinary) => void onMessage(ws, data, isBinary));
    });
  });

  async function onMessage(ws: WebSocket, data: unknown, isBinary: boolean): Promise<void> {
    let msg: Partial<WireRequest>;
    try {
      if (isBinary) throw new Error('binary');
      msg = JSON.parse(String(data));
    } catch {
      return; // not a request of ours; nothing to answer
    }
    if (typeof msg !== 'object' || msg === null || msg.t !== 'req' || typeof msg.id !== 'number') return;
    const result = typeof msg.method === 'string' ? await dispatch(services, msg.method, msg.arg) : err('INVALID_ARGUMENT', 'a request needs a method name');
    const reply: WireServerMessage = { t: 'res', id: msg.id, result };
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(reply));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as { port: number }).port;

  const openErrors: string[] = [];
  for (const f of opts.open ?? []) {
    const r = await services.opened.add(path.resolve(f));
    if (!r.ok) openErrors.push(r.error.message);
  }

  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/?${TOKEN_PARAM}=${token}`,
    origin,
    port,
    token,
    services,
    openErrors,
    async close() {
      for (const s of sockets) s.terminate();
      wss.close();
      await Promise.all([services.jobs.shutdown(), services.calls.shutdown()]);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
