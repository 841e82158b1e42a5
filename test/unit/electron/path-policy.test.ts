/**
 * The path rule for renderer-given paths (electron/services/path-policy.ts):
 * in Electron only what the user chose (dialogs, documents' folders, the safe
 * set); in the web host any absolute path. Checked on the policy itself and
 * through dispatch() with the services both hosts build.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import WebSocket from 'ws';
import { dispatch, HANDLERS, type HandlerTable } from '../../../electron/handlers';
import { createEngineServices, type Dialogs, type EngineServices } from '../../../electron/services/index';
import { datasetSpecPath, pathsOf, PathPolicy, REQUEST_PATHS } from '../../../electron/services/path-policy';
import { startWebHost, type WebHost } from '../../../electron/web-host';
import { createEngineClient, createWebSocketTransport } from '../../../engine/api-client';
import { emptyDoc } from '../../../engine/graph/doc';
import { ok, REQUEST_NAMES, REQUEST_SCHEMAS, type EngineRequestName } from '../../../engine/api';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const FAKE_WORKER = path.join(HERE, 'fixtures', 'fake-job-worker.ts');
const KERAS_FIXTURE = path.join(HERE, '..', 'import', 'fixtures', 'keras2-sequential.json');

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'cnn-paths-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const read = (p: string, what = 'the image') => ({ field: 'image.path', path: p, access: 'read' as const, what });
const write = (p: string) => ({ field: 'dir', path: p, access: 'write' as const, what: 'the export folder' });

describe('PathPolicy (Electron: chosen)', () => {
  it('refuses a path nobody chose, naming the field and saying to pick it with Open…', () => {
    const p = new PathPolicy({ mode: 'chosen', safeReadRoots: ['/usr/share/datasets'] });
    const r = p.check(read('/etc/passwd'));
    expect(r).toMatchObject({ ok: false, error: { code: 'PATH_NOT_ALLOWED', field: 'image.path' } });
    if (!r.ok) {
      expect(r.error.message).toContain('/etc/passwd');
      expect(r.error.message).toContain('Open…');
    }
    expect(p.check(write('/tmp/x'))).toMatchObject({ ok: false, error: { code: 'PATH_NOT_ALLOWED' } });
  });

  it('a chosen folder is readable and writable inside, and ".." cannot climb out of it', () => {
    const p = new PathPolicy({ mode: 'chosen' });
    p.allowFolder('/home/me/exports');
    expect(p.check(write('/home/me/exports'))).toEqual({ ok: true, value: '/home/me/exports' });
    expect(p.check(write('/home/me/exports/run1'))).toMatchObject({ ok: true });
    expect(p.check(read('/home/me/exports/a/.hidden/x.png'))).toMatchObject({ ok: true });
    expect(p.check(read('/home/me/exports/../.ssh/id_rsa'))).toMatchObject({ ok: false, error: { code: 'PATH_NOT_ALLOWED' } });
    // A sibling whose name merely starts with the chosen folder's name is not inside it.
    expect(p.check(write('/home/me/exports-old'))).toMatchObject({ ok: false, error: { code: 'PATH_NOT_ALLOWED' } });
  });

  it("a document's folder is readable (not its hidden entries), never writable; weights may go beside the document", () => {
    const p = new PathPolicy({ mode: 'chosen' });
    p.allowDocument('/home/me/net.cnnd');
    expect(p.check(read('/home/me/net.cnnd'))).toMatchObject({ ok: true });
    expect(p.check(read('/home/me/net.weights/model.json'))).toMatchObject({ ok: true });
    expect(p.check(read('/home/me/pics/cat.png'))).toMatchObject({ ok: true });
    expect(p.check(read('/home/me/.ssh/id_rsa'))).toMatchObject({ ok: false, error: { code: 'PATH_NOT_ALLOWED' } });
    expect(p.check(read('/home/other/x.png'))).toMatchObject({ ok: false });
    expect(p.check(write('/home/me/out'))).toMatchObject({ ok: false, error: { code: 'PATH_NOT_ALLOWED' } });
    // ...except the folders named after the document (the export dialog's default, training's weights).
    expect(p.check(write('/home/me/net.onnx'))).toMatchObject({ ok: true });
    expect(p.check(write('/home/me/net.tfjs/model.json'))).toMatchObject({ ok: true });
    expect(p.check(write('/home/me/net.json'))).toMatchObject({ ok: false });
    expect(p.check(write('/home/me/net.onnx/../../x'))).toMatchObject({ ok: false });
    expect(p.check(write('/home/me/network.onnx'))).toMatchObject({ ok: false });
    expect(p.check(write('/home/me/net.'))).toMatchObject({ ok: false });
    const beside = (f: string) => ({ field: 'saveBesidePath', path: f, access: 'write-beside' as const, what: 'the document' });
    expect(p.check(beside('/home/me/net.cnnd'))).toMatchObject({ ok: true });
    expect(p.check(beside('/home/me/other.cnnd'))).toMatchObject({ ok: false, error: { code: 'PATH_NOT_ALLOWED' } });
  });

  it('a document at the top of a drive does not open the whole drive', () => {
    const p = new PathPolicy({ mode: 'chosen' });
    p.allowDocument('/net.cnnd');
    expect(p.check(read('/net.cnnd'))).toMatchObject({ ok: true });
    expect(p.check(read('/etc/hosts'))).toMatchObject({ ok: false });
  });

  it('the safe set is readable, not writable', () => {
    const p = new PathPolicy({ mode: 'chosen', safeReadRoots: ['/usr/share/datasets'] });
    expect(p.check(read('/usr/share/datasets/fashion-mnist', 'the dataset folder'))).toMatchObject({ ok: true });
    expect(p.check(write('/usr/share/datasets/out'))).toMatchObject({ ok: false });
    expect(p.check(read('/usr/share/doc'))).toMatchObject({ ok: false });
  });

  it('relative paths are refused in both modes with INVALID_ARGUMENT', () => {
    for (const mode of ['chosen', 'any'] as const) {
      const r = new PathPolicy({ mode }).check(read('pics/cat.png'));
      expect(r).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', field: 'image.path' } });
    }
  });

  it('the web host (any) accepts any absolute path', () => {
    const p = new PathPolicy({ mode: 'any' });
    expect(p.check(read('/etc/hosts'))).toMatchObject({ ok: true });
    expect(p.check(write('/tmp/out/../x'))).toEqual({ ok: true, value: '/tmp/x' });
  });
});

describe('REQUEST_PATHS: what each request reads and writes', () => {
  const doc = emptyDoc('n');
  it('finds every path of the requests that carry some', () => {
    expect(pathsOf('inspect', { model: { doc, weightsPath: '/w/model.json' }, view: 'activations', nodeId: 'a', image: { path: '/i.png' }, sample: { spec: 'folder:/d?size=32', index: 0 } }).map((u) => [u.field, u.path, u.access])).toEqual([
      ['model.weightsPath', '/w/model.json', 'read'],
      ['image.path', '/i.png', 'read'],
      ['sample.spec', '/d', 'read'],
    ]);
    expect(pathsOf('startTraining', { doc, dataset: { spec: 'fashion-mnist:/data/f' }, settings: {}, initialModel: { doc, weightsPath: '/w' }, saveBesidePath: '/docs/n.cnnd' }).map((u) => [u.field, u.access])).toEqual([
      ['dataset.spec', 'read'],
      ['initialModel.weightsPath', 'read'],
      ['saveBesidePath', 'write-beside'],
    ]);
    expect(pathsOf('exportModel', { model: { modelId: 'm' }, format: 'onnx', dir: '/out' })).toMatchObject([{ field: 'dir', access: 'write' }]);
    expect(pathsOf('importModel', { path: '/m/model.json' })).toMatchObject([{ field: 'path', access: 'read' }]);
    expect(pathsOf('predict', { model: { modelId: 'm' }, image: { base64: 'AA==' } })).toEqual([]);
    expect(pathsOf('previewDataset', { spec: 'builtin:shapes?size=32' })).toEqual([]);
  });

  it('dataset specs: the folder of file-based kinds, none for builtin or a missing folder', () => {
    expect(datasetSpecPath('fashion-mnist:/usr/share/datasets/fashion-mnist')).toBe('/usr/share/datasets/fashion-mnist');
    expect(datasetSpecPath('folder:/a/b?size=64&channels=3')).toBe('/a/b');
    expect(datasetSpecPath('folder:rel/dir')).toBe('rel/dir');
    expect(datasetSpecPath('builtin:shapes')).toBeNull();
    expect(datasetSpecPath('fashion-mnist:')).toBeNull();
  });

  it('every request whose schema has a path-like field declares its paths', () => {
    // Field names that carry a file system path somewhere in the contract.
    const PATHY = new Set(['path', 'dir', 'weightsPath', 'saveBesidePath', 'spec', 'defaultPath']);
    // Reviewed exceptions: the autosave's `path` is only remembered; chooseFolder's
    // `defaultPath` only places a dialog the user must confirm; `doc.dataset.spec`
    // and `doc.weights.path` inside a document are not read by any request.
    const found = (schema: unknown): string[] => {
      const names: string[] = [];
      const walk = (n: unknown, key: string | null, inDoc: boolean) => {
        if (!n || typeof n !== 'object') return;
        const o = n as Record<string, unknown>;
        if (o.properties && typeof o.properties === 'object') {
          const props = o.properties as Record<string, unknown>;
          const isDoc = 'format' in props && 'nodes' in props;
          for (const [k, v] of Object.entries(props)) {
            if (PATHY.has(k) && !(inDoc || isDoc)) names.push(k);
            walk(v, k, inDoc || isDoc);
          }
        }
        for (const [k, v] of Object.entries(o)) if (k !== 'properties') walk(v, key, inDoc);
      };
      walk(schema, null, false);
      return names;
    };
    const undeclared: string[] = [];
    for (const m of REQUEST_NAMES) {
      const json = z.toJSONSchema(REQUEST_SCHEMAS[m] as z.ZodType, { unrepresentable: 'any' });
      const fields = found(json);
      if (m === 'writeAutosave' || m === 'chooseFolder') continue;
      if (fields.length && REQUEST_PATHS[m as EngineRequestName] === 'none') undeclared.push(`${m}: ${fields.join(', ')}`);
    }
    expect(undeclared).toEqual([]);
    // The walk does see the fields it must (so the check above can fail).
    expect(found(z.toJSONSchema(REQUEST_SCHEMAS.inspect as z.ZodType, { unrepresentable: 'any' }))).toEqual(expect.arrayContaining(['weightsPath', 'path', 'spec']));
  });
});

describe('dispatch in Electron: only chosen paths reach a handler', () => {
  let s: EngineServices;
  let pickedFolder: string | null = null;
  let modelDir: string;
  let outDir: string;
  const dialogs: Dialogs = {
    openDocument: async () => null,
    saveDocument: async () => null,
    saveDiagram: async () => null,
    chooseFolder: vi.fn(async () => pickedFolder),
  };
  beforeAll(() => {
    modelDir = path.join(tmp, 'models', 'mlp');
    outDir = path.join(tmp, 'out');
    mkdirSync(modelDir, { recursive: true });
    mkdirSync(outDir, { recursive: true });
    copyFileSync(KERAS_FIXTURE, path.join(modelDir, 'model.json'));
    s = createEngineServices({
      transport: 'electron',
      appVersion: 't',
      dataDir: path.join(tmp, 'data-e'),
      projectsDir: null,
      dialogs,
      emit: () => {},
      jobs: { workerEntry: FAKE_WORKER, progressIntervalMs: 0 },
    });
  });

  it('importModel of an unchosen model.json is refused; after choosing its folder it imports', async () => {
    const file = path.join(modelDir, 'model.json');
    const refused = await dispatch(s, 'importModel', { path: file });
    expect(refused).toMatchObject({ ok: false, error: { code: 'PATH_NOT_ALLOWED', field: 'path' } });
    if (!refused.ok) expect(refused.error.message).toMatch(/Open…/);

    pickedFolder = modelDir;
    expect(await dispatch(s, 'chooseFolder', { purpose: 'import' })).toEqual({ ok: true, value: { path: modelDir } });
    expect(dialogs.chooseFolder).toHaveBeenCalledWith('import', undefined);
    const r = await dispatch(s, 'importModel', { path: file });
    expect(r).toMatchObject({ ok: true, value: { kind: 'Sequential' } });
  });

  it('a cancelled folder dialog answers null and allows nothing', async () => {
    pickedFolder = null;
    expect(await dispatch(s, 'chooseFolder', { purpose: 'export' })).toEqual({ ok: true, value: null });
    expect(await dispatch(s, 'exportModel', { model: { modelId: 'm' }, format: 'tfjs', dir: outDir })).toMatchObject({ ok: false, error: { code: 'PATH_NOT_ALLOWED', field: 'dir' } });
  });

  it('exportModel writes only into a chosen folder; the check runs before the handler', async () => {
    const spy = vi.fn(() => ok({ jobId: 'j1' }));
    const table = { ...HANDLERS, exportModel: spy } as unknown as HandlerTable;
    const req = { model: { modelId: 'm' }, format: 'onnx', dir: path.join(outDir, 'run1') };
    const refused = await dispatch(s, 'exportModel', req, table);
    expect(refused).toMatchObject({ ok: false, error: { code: 'PATH_NOT_ALLOWED', field: 'dir' } });
    if (!refused.ok) expect(refused.error.message).toMatch(/Choose folder…/);
    expect(spy).not.toHaveBeenCalled();
    pickedFolder = outDir;
    expect(await dispatch(s, 'chooseFolder', { purpose: 'export' })).toMatchObject({ ok: true });
    expect(await dispatch(s, 'exportModel', req, table)).toEqual({ ok: true, value: { jobId: 'j1' } });
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it('exportModel without a folder asks with the folder dialog (Electron); cancelling ends in CANCELLED', async () => {
    const start = vi.spyOn(s.jobs, 'start').mockReturnValue(ok({ jobId: 'e1', kind: 'export' as const }));
    try {
      pickedFolder = null;
      expect(await dispatch(s, 'exportModel', { model: { modelId: 'm' }, format: 'keras' })).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
      expect(start).not.toHaveBeenCalled();
      const picked = path.join(tmp, 'picked-export');
      pickedFolder = picked;
      expect(await dispatch(s, 'exportModel', { model: { modelId: 'm' }, format: 'keras' })).toEqual({ ok: true, value: { jobId: 'e1', kind: 'export' } });
      expect(start).toHaveBeenCalledWith('export', { model: { modelId: 'm' }, format: 'keras', dir: picked });
    } finally {
      start.mockRestore();
    }
  });

  it('inspect, predict, evaluate, startTraining, previewDataset: unchosen paths never reach the handler', async () => {
    const spy = vi.fn(() => ok({ jobId: 'x' }));
    const table = Object.fromEntries(REQUEST_NAMES.map((m) => [m, spy])) as unknown as HandlerTable;
    const doc = emptyDoc('n');
    const secret = '/etc/passwd';
    const cases: [EngineRequestName, unknown, string][] = [
      ['inspect', { model: { doc }, view: 'activations', nodeId: 'a', image: { path: secret } }, 'image.path'],
      ['inspect', { model: { doc, weightsPath: '/root/w/model.json' }, view: 'filters', nodeId: 'a' }, 'model.weightsPath'],
      ['inspect', { model: { modelId: 'm' }, view: 'activations', nodeId: 'a', sample: { spec: 'folder:/home/someone/photos', index: 0 } }, 'sample.spec'],
      ['predict', { model: { modelId: 'm' }, image: { path: secret } }, 'image.path'],
      ['evaluate', { model: { modelId: 'm' }, dataset: { spec: 'cifar10:/var/private' } }, 'dataset.spec'],
      ['startTraining', { doc, dataset: { spec: 'folder:/srv/x' }, settings: {} }, 'dataset.spec'],
      ['startTraining', { doc, dataset: { spec: 'builtin:shapes' }, settings: {}, initialModel: { doc, weightsPath: '/x/model.json' } }, 'initialModel.weightsPath'],
      ['startTraining', { doc, dataset: { spec: 'builtin:shapes' }, settings: {}, saveBesidePath: '/home/x/net.cnnd' }, 'saveBesidePath'],
      ['previewDataset', { spec: 'fashion-mnist:/home/x/data' }, 'spec'],
    ];
    for (const [m, arg, field] of cases) {
      expect(await dispatch(s, m, arg, table), `${m} ${field}`).toMatchObject({ ok: false, error: { code: 'PATH_NOT_ALLOWED', field } });
    }
    expect(spy).not.toHaveBeenCalled();
    // The safe set and built-in data pass.
    expect(await dispatch(s, 'previewDataset', { spec: 'fashion-mnist:/usr/share/datasets/fashion-mnist' }, table)).toMatchObject({ ok: true });
    expect(await dispatch(s, 'startTraining', { doc, dataset: { spec: 'builtin:shapes' }, settings: {} }, table)).toMatchObject({ ok: true });
  });

  it("an opened document's folder is readable (images, weights beside it) and weights may be saved beside it", async () => {
    const docDir = path.join(tmp, 'docs');
    mkdirSync(docDir, { recursive: true });
    const file = path.join(docDir, 'net.cnnd');
    writeFileSync(file, JSON.stringify(emptyDoc('net')));
    const spy = vi.fn(() => ok({ jobId: 'x' }));
    const table = { ...HANDLERS, predict: spy, startTraining: spy } as unknown as HandlerTable;
    const predict = { model: { modelId: 'm' }, image: { path: path.join(docDir, 'cat.png') } };
    expect(await dispatch(s, 'predict', predict, table)).toMatchObject({ ok: false, error: { code: 'PATH_NOT_ALLOWED' } });
    expect(await s.opened.add(file)).toMatchObject({ ok: true }); // as if the OS opened it with the app
    expect(await dispatch(s, 'predict', predict, table)).toMatchObject({ ok: true });
    expect(await dispatch(s, 'startTraining', { doc: emptyDoc('n'), dataset: { spec: 'builtin:shapes' }, settings: {}, saveBesidePath: file }, table)).toMatchObject({ ok: true });
  });
});

describe('the web host keeps taking absolute paths', () => {
  let host: WebHost;
  beforeAll(async () => {
    host = await startWebHost({ rendererDir: path.join(tmp, 'no-renderer'), dataDir: path.join(tmp, 'data-w'), projectsDir: path.join(tmp, 'projects'), jobs: { workerEntry: FAKE_WORKER, progressIntervalMs: 0 } });
  });
  afterAll(async () => {
    await host?.close();
  });

  it('imports a model.json by absolute path, refuses a relative one, and has no folder dialog', async () => {
    const token = new URL(host.url).searchParams.get('token');
    const transport = createWebSocketTransport({ url: `ws://127.0.0.1:${host.port}/ws?token=${token}`, WebSocket: WebSocket as never, requestTimeoutMs: 20_000 });
    const engine = createEngineClient(transport);
    try {
      expect(await engine.importModel({ path: KERAS_FIXTURE })).toMatchObject({ ok: true, value: { kind: 'Sequential' } });
      expect(await engine.importModel({ path: 'fixtures/model.json' })).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', field: 'path' } });
      const folder = await engine.chooseFolder({ purpose: 'export' });
      expect(folder).toMatchObject({ ok: false, error: { code: 'NOT_SUPPORTED' } });
    } finally {
      transport.close?.();
    }
  });
});
