/**
 * The preload: exposes `window.engine`, one function per request of the
 * contract and one subscription per event, derived from the channel list.
 * Never ipcRenderer itself, never a generic send (Electron's
 * context-isolation guide). Listeners get only the payload, not the
 * Electron event (which carries `sender`).
 *
 * Bundled to dist/electron/preload.cjs (a sandboxed preload can require only
 * 'electron'); it imports nothing but the channel list.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { EVENT_NAMES, REQUEST_NAMES, channelOf, eventChannelOf } from '../engine/api/channels';

/** The ipcRenderer methods the bridge uses (a fake in tests). */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

/** The object exposed as `window.engine`: shaped like EngineApi. */
export function buildEngineBridge(ipc: IpcRendererLike): Record<string, (x?: unknown) => unknown> {
  const bridge: Record<string, (x?: unknown) => unknown> = {};
  for (const method of REQUEST_NAMES) {
    const channel = channelOf(method);
    // Exactly one argument crosses, whatever the page passes.
    bridge[method] = (arg?: unknown) => ipc.invoke(channel, arg);
  }
  for (const event of EVENT_NAMES) {
    const channel = eventChannelOf(event);
    bridge[event] = (cb?: unknown) => {
      if (typeof cb !== 'function') throw new TypeError(`${event} needs a listener function`);
      const listener = (_event: unknown, payload: unknown) => (cb as (p: unknown) => void)(payload);
      ipc.on(channel, listener);
      return () => {
        ipc.removeListener(channel, listener);
      };
    };
  }
  return Object.freeze(bridge);
}

contextBridge.exposeInMainWorld('engine', buildEngineBridge(ipcRenderer));
