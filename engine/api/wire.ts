/**
 * The web host's WebSocket protocol: JSON text frames carrying the same
 * `(method, arg) → Result` messages as Electron IPC, plus pushed events.
 * Shared by electron/web-host.ts (server) and engine/api-client.ts (client).
 */

/** Path of the WebSocket endpoint on the web host. */
export const WS_PATH = '/ws';
/** Query parameter carrying the per-run token, on the page URL and the WebSocket URL. */
export const TOKEN_PARAM = 'token';

/** Client → host: call a request method. `id` pairs the response with it. */
export interface WireRequest {
  t: 'req';
  id: number;
  method: string;
  arg?: unknown;
}

/** Host → client: the Result of request `id`. */
export interface WireResponse {
  t: 'res';
  id: number;
  result: unknown;
}

/** Host → client: an event (`onJobProgress`…) with its payload. */
export interface WireEvent {
  t: 'evt';
  event: string;
  payload: unknown;
}

/**
 * Host → client, first message after the token was accepted. The client
 * treats the connection as ready only then: a refused token completes the
 * WebSocket handshake too (so the page can be told why), then closes with
 * {@link CLOSE_BAD_TOKEN}.
 */
export interface WireHello {
  t: 'hello';
  /** The host's app version. */
  version: string;
}

export type WireServerMessage = WireResponse | WireEvent | WireHello;

/** WebSocket close code the host uses for a connection without a valid token (RFC 6455 private range). */
export const CLOSE_BAD_TOKEN = 4401;
