/** dispatch(): the one path both transports take into the handlers. */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dispatch, HANDLERS, notImplemented, type HandlerTable } from '../../../electron/handlers';
import { createEngineServices } from '../../../electron/services/index';
import { REQUEST_NAMES } from '../../../engine/api';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'cnn-handlers-'));
const services = createEngineServices({ transport: 'web', appVersion: '1.2.3', dataDir: tmp, projectsDir: tmp, dialogs: null, emit: () => {} });
afterAll(() => Promise.all([services.jobs.shutdown(), services.calls.shutdown()]));

describe('dispatch', () => {
  it('refuses names outside the contract', async () => {
    for (const m of ['nope', '__proto__', 'constructor', 'onJobProgress', 42, null]) {
      expect(await dispatch(services, m, undefined)).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    }
  });

  it('parses before calling: a handler never sees a bad argument', async () => {
    const spy = vi.fn(() => ({ ok: true as const, value: null }));
    const table = { ...HANDLERS, loadTemplate: spy } as unknown as HandlerTable;
    expect(await dispatch(services, 'loadTemplate', { id: 'x' }, table)).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    expect(spy).not.toHaveBeenCalled();
  });

  it('turns a thrown error into INTERNAL without a stack trace', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const table = { ...HANDLERS, recentFiles: () => { throw new TypeError('x is undefined\n    at foo (/src/a.ts:1:2)'); } } as unknown as HandlerTable;
    const r = await dispatch(services, 'recentFiles', undefined, table);
    expect(r).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    if (!r.ok) {
      expect(r.error.message).toContain('x is undefined');
      expect(r.error.message).not.toMatch(/at foo|a\.ts/);
    }
    expect(log).toHaveBeenCalled();
    log.mockRestore();
  });

  it('answers every request with a Result, never a throw, for a valid empty call', async () => {
    // Requests that take no argument: each must resolve to a Result.
    for (const m of REQUEST_NAMES) {
      const r = await dispatch(services, m, undefined);
      expect(typeof r.ok, m).toBe('boolean');
      if (!r.ok) expect(r.error.message.length, m).toBeGreaterThan(0);
    }
  });

  it('reports the compute backend the engine loads', async () => {
    const r = await dispatch(services, 'backendInfo', undefined);
    expect(r).toMatchObject({ ok: true, value: { backend: expect.stringMatching(/^(tensorflow|wasm|cpu)$/) } });
    if (r.ok) {
      const v = r.value as { backend: string; available: string[]; detail: string };
      expect(v.available).toContain(v.backend);
      expect(v.detail.length).toBeGreaterThan(3);
    }
  });

  it('placeholders answer NOT_IMPLEMENTED', async () => {
    const table = { ...HANDLERS, listDatasets: notImplemented('Listing datasets') } as HandlerTable;
    const r = await dispatch(services, 'listDatasets', undefined, table);
    expect(r).toEqual({ ok: false, error: { code: 'NOT_IMPLEMENTED', message: 'Listing datasets is not available in this version yet.' } });
  });

  it('serves the template gallery with totals, and refuses unknown ids', async () => {
    const list = await dispatch(services, 'listTemplates', undefined);
    expect(list.ok).toBe(true);
    const all = (list as { value: { id: string; totals: { params: number } | null; group: string }[] }).value;
    // Published total of Keras' ResNet50 (include_top=True): 25,636,712.
    expect(all.find((t) => t.id === 'resnet50')?.totals?.params).toBe(25_636_712);
    expect(new Set(all.map((t) => t.group))).toEqual(new Set(['classic', 'trainable']));
    const doc = await dispatch(services, 'loadTemplate', 'resnet50');
    expect(doc.ok && (doc.value as { nodes: unknown[] }).nodes.length).toBeGreaterThan(100);
    expect(await dispatch(services, 'loadTemplate', 'resnet51')).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });
});
