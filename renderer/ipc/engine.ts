/**
 * The renderer's one handle on the engine: the typed {@link EngineApi} client.
 * In Electron the preload exposes it as `window.engine`; in a browser served
 * by the web host it is the WebSocket client; tests and `?engine=memory` use
 * the in-memory host. Nothing else in the renderer talks to a transport.
 */
import type { EngineApi } from '../../engine/api/contract';

declare global {
  interface Window {
    /** Exposed by electron/preload.ts through contextBridge. */
    engine?: EngineApi;
  }
}

let engine: EngineApi | null = null;

/** The engine client; throws if called before {@link setEngine} (a programmer error). */
export function getEngine(): EngineApi {
  if (!engine) throw new Error('engine client used before it was connected');
  return engine;
}

export function hasEngine(): boolean {
  return engine !== null;
}

export function setEngine(e: EngineApi | null): void {
  engine = e;
}

/**
 * Connect to the engine the way this page was opened: the Electron preload's
 * `window.engine`, `?engine=memory` (development without a host), or the web
 * host's WebSocket (the URL carries a per-run token, which is then removed
 * from the address bar). Resolves to an error message for the user on failure.
 */
export async function connectEngine(onStatus?: (status: string, detail?: string) => void): Promise<{ ok: true; engine: EngineApi } | { ok: false; message: string }> {
  const { createEngineClient, createWebSocketTransport, webHostConnection } = await import('../../engine/api-client');
  if (window.engine) {
    engine = createEngineClient(window.engine);
    return { ok: true, engine };
  }
  if (new URLSearchParams(location.search).get('engine') === 'memory') {
    const { createMemoryEngine } = await import('./memory-engine');
    const { memoryTemplates } = await import('./memory-templates');
    engine = createMemoryEngine({ templates: await memoryTemplates() });
    return { ok: true, engine };
  }
  const conn = webHostConnection(location, sessionStorage);
  if (!conn.ok) return { ok: false, message: conn.message };
  const transport = createWebSocketTransport({ url: conn.url, WebSocket, onStatus });
  history.replaceState(null, '', conn.cleanUrl);
  try {
    await transport.ready();
  } catch (e) {
    return { ok: false, message: `Could not reach the CNN Designer host: ${(e as Error).message}. Is it still running?` };
  }
  engine = createEngineClient(transport);
  return { ok: true, engine };
}
