import { describe, expect, it, vi } from 'vitest';
import { createEngineClient, type EngineTransport } from '../../../engine/api-client';
import { EVENT_NAMES, REQUEST_NAMES, type EngineApi, type EngineEventName, type EngineRequestName } from '../../../engine/api';

function fakeTransport(reply: (m: EngineRequestName, arg: unknown) => unknown) {
  const listeners = new Map<EngineEventName, Set<(p: unknown) => void>>();
  const t: EngineTransport = {
    invoke: vi.fn(async (m, arg) => reply(m, arg)),
    subscribe: (e, l) => {
      if (!listeners.has(e)) listeners.set(e, new Set());
      listeners.get(e)!.add(l);
      return () => listeners.get(e)!.delete(l);
    },
  };
  const fire = (e: EngineEventName, p: unknown) => listeners.get(e)?.forEach((l) => l(p));
  return { t, fire };
}

describe('createEngineClient', () => {
  it('has every contract member', () => {
    const c = createEngineClient(fakeTransport(() => ({ ok: true, value: 1 })).t);
    expect(Object.keys(c).sort()).toEqual([...REQUEST_NAMES, ...EVENT_NAMES].sort());
  });

  it('passes the argument and returns the host Result', async () => {
    const { t } = fakeTransport((m, arg) => ({ ok: true, value: { m, arg } }));
    const c = createEngineClient(t);
    expect(await c.loadTemplate('lenet5')).toEqual({ ok: true, value: { m: 'loadTemplate', arg: 'lenet5' } });
    expect(await c.hostInfo()).toEqual({ ok: true, value: { m: 'hostInfo', arg: undefined } });
  });

  it('never rejects: transport failures and malformed replies become TRANSPORT errors', async () => {
    const c1 = createEngineClient(fakeTransport(() => { throw new Error('socket closed'); }).t);
    expect(await c1.recentFiles()).toEqual({ ok: false, error: { code: 'TRANSPORT', message: 'recentFiles: socket closed' } });
    for (const bad of [undefined, null, 42, { ok: true }, { ok: false }, { ok: false, error: { code: 1 } }]) {
      const c = createEngineClient(fakeTransport(() => bad).t);
      expect(await c.recentFiles()).toMatchObject({ ok: false, error: { code: 'TRANSPORT' } });
    }
  });

  it('delivers events, isolates a throwing listener, and unsubscribes', () => {
    const { t, fire } = fakeTransport(() => ({ ok: true, value: null }));
    const c = createEngineClient(t);
    const got: unknown[] = [];
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    c.onJobProgress(() => { throw new Error('listener bug'); });
    const off = c.onJobProgress((p) => got.push(p));
    fire('onJobProgress', { jobId: 'a' });
    off();
    fire('onJobProgress', { jobId: 'b' });
    expect(got).toEqual([{ jobId: 'a' }]);
    expect(err).toHaveBeenCalled();
    err.mockRestore();
  });

  it('wraps an EngineApi-shaped object such as the preload window.engine', async () => {
    const cbs: ((p: unknown) => void)[] = [];
    const raw: Record<string, unknown> = {};
    for (const m of REQUEST_NAMES) raw[m] = async (arg: unknown) => ({ ok: true, value: [m, arg] });
    for (const e of EVENT_NAMES) raw[e] = (cb: (p: unknown) => void) => { cbs.push(cb); return () => {}; };
    raw.cancelJob = async () => { throw new Error("Error invoking remote method 'engine:cancelJob': boom"); };
    const c = createEngineClient(raw as unknown as EngineApi);
    expect(await c.loadTemplate('x')).toEqual({ ok: true, value: ['loadTemplate', 'x'] });
    expect(await c.cancelJob('j')).toMatchObject({ ok: false, error: { code: 'TRANSPORT' } });
    const seen: unknown[] = [];
    c.onMenuCommand((cmd) => seen.push(cmd));
    cbs.at(-1)!('save');
    expect(seen).toEqual(['save']);
  });
});
