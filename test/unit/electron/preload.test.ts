import { beforeAll, describe, expect, it, vi } from 'vitest';
import { EVENT_NAMES, REQUEST_NAMES, channelOf, eventChannelOf } from '../../../engine/api';

type Fn = (...a: any[]) => any;

const fx = vi.hoisted(() => {
  const exposed = new Map<string, any>();
  const listeners = new Map<string, Set<Fn>>();
  const ipcRenderer = {
    invoke: vi.fn(async (..._a: unknown[]) => ({ ok: true, value: 'x' })),
    on: vi.fn((ch: string, l: Fn) => {
      if (!listeners.has(ch)) listeners.set(ch, new Set());
      listeners.get(ch)!.add(l);
    }),
    removeListener: vi.fn((ch: string, l: Fn) => listeners.get(ch)?.delete(l)),
    send: vi.fn(),
    sendSync: vi.fn(),
  };
  const electron = { contextBridge: { exposeInMainWorld: (k: string, v: unknown) => void exposed.set(k, v) }, ipcRenderer };
  return { exposed, listeners, ipcRenderer, electron };
});

vi.mock('electron', () => ({ ...fx.electron, default: fx.electron }));

beforeAll(async () => {
  await import('../../../electron/preload');
});

describe('electron/preload.ts', () => {
  it('exposes only window.engine, with exactly the contract', () => {
    expect([...fx.exposed.keys()]).toEqual(['engine']);
    const engine = fx.exposed.get('engine');
    expect(Object.keys(engine).sort()).toEqual([...REQUEST_NAMES, ...EVENT_NAMES].sort());
    for (const v of Object.values(engine)) {
      expect(typeof v).toBe('function');
      expect(v).not.toBe(fx.ipcRenderer.invoke);
      expect(v).not.toBe(fx.ipcRenderer.send);
    }
    expect(Object.isFrozen(engine)).toBe(true);
  });

  it('sends each request on its channel with exactly one argument', async () => {
    const engine = fx.exposed.get('engine');
    for (const m of REQUEST_NAMES) {
      fx.ipcRenderer.invoke.mockClear();
      await engine[m]({ a: 1 }, 'extra', 'args');
      expect(fx.ipcRenderer.invoke).toHaveBeenCalledWith(channelOf(m), { a: 1 });
    }
    expect(fx.ipcRenderer.send).not.toHaveBeenCalled();
    expect(fx.ipcRenderer.sendSync).not.toHaveBeenCalled();
  });

  it('gives event listeners the payload only, and unsubscribes', () => {
    const engine = fx.exposed.get('engine');
    const got: unknown[][] = [];
    const off = engine.onJobProgress((...args: unknown[]) => got.push(args));
    const ch = eventChannelOf('onJobProgress');
    const [l] = [...fx.listeners.get(ch)!];
    l({ sender: 'the electron event' }, { jobId: 'j', fraction: 0.5 });
    expect(got).toEqual([[{ jobId: 'j', fraction: 0.5 }]]);
    off();
    expect(fx.listeners.get(ch)!.size).toBe(0);
    expect(() => engine.onJobEnd('not a function')).toThrow(/listener function/);
  });
});
