/**
 * The renderer's typed engine client, independent of the transport.
 *
 * - In Electron: `createEngineClient(window.engine)`; the preload already
 *   exposes one function per contract method, this adds the guarantees below.
 * - In a browser through the web host:
 *   ```ts
 *   const conn = webHostConnection(location, sessionStorage);
 *   if (!conn.ok) showError(conn.message);
 *   else engine = createEngineClient(createWebSocketTransport({ url: conn.url, WebSocket }));
 *   history.replaceState(null, '', conn.cleanUrl); // keep the token out of the address bar
 *   ```
 *
 * Guarantees for callers: every method resolves to a Result and never
 * rejects (a dead socket becomes `{ok:false, error:{code:'TRANSPORT'}}`), and
 * event listeners that throw do not break other listeners.
 *
 * Pure: no DOM globals; the WebSocket constructor and storage are passed in.
 */
import type { EngineApi, EngineEventName, EngineRequestName } from './api/contract';
import { EVENT_NAMES, REQUEST_NAMES } from './api/channels';
import { err, type Result } from './api/result';
import { TOKEN_PARAM, WS_PATH, type WireRequest, type WireServerMessage, CLOSE_BAD_TOKEN } from './api/wire';

/** What a transport must provide: call a method, listen to an event. */
export interface EngineTransport {
  /** Call `method` with its single argument; resolves to the host's Result. May reject on transport failure. */
  invoke(method: EngineRequestName, arg: unknown): Promise<unknown>;
  /** Listen to an event; returns the unsubscribe function. */
  subscribe(event: EngineEventName, listener: (payload: unknown) => void): () => void;
}

function isTransport(x: EngineTransport | EngineApi): x is EngineTransport {
  return typeof (x as EngineTransport).invoke === 'function' && typeof (x as EngineTransport).subscribe === 'function';
}

function isResult(x: unknown): x is Result<unknown> {
  if (typeof x !== 'object' || x === null) return false;
  const r = x as { ok?: unknown; error?: { code?: unknown; message?: unknown } };
  if (r.ok === true) return 'value' in r;
  return r.ok === false && typeof r.error?.code === 'string' && typeof r.error?.message === 'string';
}

function safeListener<T>(cb: (p: T) => void): (p: T) => void {
  return (p) => {
    try {
      cb(p);
    } catch (e) {
      // A listener's bug must not stop the other listeners or the transport.
      console.error('engine event listener failed', e);
    }
  };
}

/**
 * A typed EngineApi over a transport, or over an EngineApi-shaped object
 * (the Electron preload's `window.engine`).
 */
export function createEngineClient(source: EngineTransport | EngineApi): EngineApi {
  const transport: EngineTransport = isTransport(source)
    ? source
    : {
        invoke: (method, arg) => (source[method] as (a: unknown) => Promise<unknown>)(arg),
        subscribe: (event, listener) => (source[event] as (cb: (p: unknown) => void) => () => void)(listener),
      };
  const client: Record<string, unknown> = {};
  for (const method of REQUEST_NAMES) {
    client[method] = async (arg?: unknown): Promise<Result<unknown>> => {
      try {
        const r = await transport.invoke(method, arg);
        return isResult(r) ? r : err('TRANSPORT', `${method}: the host sent a malformed reply`);
      } catch (e) {
        return err('TRANSPORT', `${method}: ${e instanceof Error ? e.message : String(e)}`);
      }
    };
  }
  for (const event of EVENT_NAMES) {
    client[event] = (cb: (p: unknown) => void) => transport.subscribe(event, safeListener(cb));
  }
  return client as unknown as EngineApi;
}

// ---------------------------------------------------------------------------
// WebSocket transport (web host)

/** The parts of a WebSocket both the browser's and the `ws` package's have. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  // A method (not an `onX` property) so both implementations' listener types are accepted.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  addEventListener(type: 'open' | 'message' | 'close' | 'error', listener: (ev: any) => void): void;
}

export type WebSocketCtor = new (url: string) => WebSocketLike;

export type ConnectionStatus = 'connecting' | 'open' | 'closed' | 'rejected';

export interface WebSocketTransportOptions {
  /** `ws://127.0.0.1:PORT/ws?token=…`, e.g. from {@link webHostConnection}. */
  url: string;
  /** The WebSocket constructor (the browser's `WebSocket`, or `ws` in Node). */
  WebSocket: WebSocketCtor;
  /** Give up on a request after this long (default 10 minutes; jobs return at once and report by events). */
  requestTimeoutMs?: number;
  /** Told whenever the connection changes, for a "disconnected" banner. */
  onStatus?: (status: ConnectionStatus, detail?: string) => void;
}

export interface WebSocketTransport extends EngineTransport {
  /** Resolves when connected; rejects if the host refuses (bad token) or is unreachable. */
  ready(): Promise<void>;
  close(): void;
}

const OPEN = 1;

/**
 * A transport over the web host's WebSocket. Connects at once; if the
 * connection drops, the next request reconnects (the host keeps no
 * per-connection state, and pushes events to every connected client).
 */
export function createWebSocketTransport(opts: WebSocketTransportOptions): WebSocketTransport {
  const timeoutMs = opts.requestTimeoutMs ?? 10 * 60_000;
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const pending = new Map<number, { resolve: (r: unknown) => void; timer: ReturnType<typeof setTimeout> }>();
  let nextId = 1;
  let ws: WebSocketLike | null = null;
  let opening: Promise<void> | null = null;
  let closedByUser = false;
  let rejectedReason: string | null = null;

  const failAll = (message: string) => {
    for (const [id, p] of pending) {
      clearTimeout(p.timer);
      p.resolve(err('TRANSPORT', message));
      pending.delete(id);
    }
  };

  let connected = false;
  const connect = (): Promise<void> => {
    if (ws && ws.readyState === OPEN && connected) return Promise.resolve();
    if (opening) return opening;
    opts.onStatus?.('connecting');
    opening = new Promise<void>((resolve, reject) => {
      let sock: WebSocketLike;
      try {
        sock = new opts.WebSocket(opts.url);
      } catch (e) {
        opening = null;
        reject(e instanceof Error ? e : new Error(String(e)));
        return;
      }
      ws = sock;
      let opened = false;
      const ready = () => {
        opened = true;
        connected = true;
        opening = null;
        opts.onStatus?.('open');
        resolve();
      };
      sock.addEventListener('message', (ev: { data: unknown }) => {
        let msg: WireServerMessage;
        try {
          msg = JSON.parse(String(ev.data)) as WireServerMessage;
        } catch {
          return; // not ours; ignore rather than crash the page
        }
        if (msg.t === 'hello') {
          if (!opened) ready();
        } else if (msg.t === 'res') {
          const p = pending.get(msg.id);
          if (p) {
            clearTimeout(p.timer);
            pending.delete(msg.id);
            p.resolve(msg.result);
          }
        } else if (msg.t === 'evt') {
          for (const l of listeners.get(msg.event) ?? []) l(msg.payload);
        }
      });
      sock.addEventListener('error', () => {
        /* 'close' follows with the code; handled there */
      });
      sock.addEventListener('close', (ev: { code: number; reason: string }) => {
        if (ws === sock) {
          ws = null;
          connected = false;
        }
        opening = null;
        const bad = ev.code === CLOSE_BAD_TOKEN;
        const why = bad
          ? 'the web host refused the connection: the token in the page URL is missing or wrong. Open the URL the host printed (with ?token=…).'
          : `the connection to the web host closed (code ${ev.code}${ev.reason ? `: ${ev.reason}` : ''}). Is it still running?`;
        if (bad) rejectedReason = why;
        failAll(why);
        opts.onStatus?.(bad ? 'rejected' : 'closed', why);
        if (!opened) reject(new Error(why));
      });
    });
    return opening;
  };

  // Connect eagerly so events flow before the first request; swallow here,
  // callers see failures through ready() and as TRANSPORT results.
  connect().catch(() => {});

  return {
    ready: () => connect(),
    close() {
      closedByUser = true;
      ws?.close(1000, 'client closed');
      failAll('the client closed the connection');
    },
    async invoke(method, arg) {
      if (closedByUser) return err('TRANSPORT', `${method}: the client was closed`);
      if (rejectedReason) return err('TRANSPORT', `${method}: ${rejectedReason}`);
      try {
        await connect();
      } catch (e) {
        return err('TRANSPORT', `${method}: ${e instanceof Error ? e.message : String(e)}`);
      }
      const id = nextId++;
      const msg: WireRequest = arg === undefined ? { t: 'req', id, method } : { t: 'req', id, method, arg };
      return new Promise<unknown>((resolve) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          resolve(err('TRANSPORT', `${method}: no reply from the web host after ${Math.round(timeoutMs / 1000)} s`));
        }, timeoutMs);
        pending.set(id, { resolve, timer });
        try {
          ws!.send(JSON.stringify(msg));
        } catch (e) {
          clearTimeout(timer);
          pending.delete(id);
          resolve(err('TRANSPORT', `${method}: could not send: ${e instanceof Error ? e.message : String(e)}`));
        }
      });
    },
    subscribe(event, listener) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener);
      return () => {
        set!.delete(listener);
      };
    },
  };
}

/** Where the page is, as much as {@link webHostConnection} needs (e.g. `window.location`). */
export interface LocationLike {
  protocol: string;
  host: string;
  pathname: string;
  search: string;
  hash: string;
}

/** Where to keep the token for reloads (e.g. `window.sessionStorage`); optional. */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

const TOKEN_STORAGE_KEY = 'cnn-designer.web-host-token';

/**
 * The WebSocket URL for the page the web host served. The token comes from
 * `?token=` in the page URL (the URL the host printed), else from storage
 * (after the page stripped it from the address bar and was reloaded).
 * `cleanUrl` is the page URL without the token, for `history.replaceState`.
 */
export function webHostConnection(
  loc: LocationLike,
  storage?: StorageLike | null,
): { ok: true; url: string; token: string; cleanUrl: string } | { ok: false; message: string } {
  const params = new URLSearchParams(loc.search);
  let token = params.get(TOKEN_PARAM);
  if (token) storage?.setItem(TOKEN_STORAGE_KEY, token);
  else token = storage?.getItem(TOKEN_STORAGE_KEY) ?? null;
  if (!token) {
    return {
      ok: false,
      message:
        'This page needs the access token of the CNN Designer web host. Open the full URL it printed when it started (it ends in ?token=…).',
    };
  }
  params.delete(TOKEN_PARAM);
  const rest = params.toString();
  const wsProto = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return {
    ok: true,
    token,
    url: `${wsProto}//${loc.host}${WS_PATH}?${TOKEN_PARAM}=${encodeURIComponent(token)}`,
    cleanUrl: `${loc.pathname}${rest ? `?${rest}` : ''}${loc.hash}`,
  };
}
