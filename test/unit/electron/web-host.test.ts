import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { startWebHost, type WebHost } from '../../../electron/web-host';
import { createEngineClient, createWebSocketTransport, webHostConnection } from '../../../engine/api-client';
import type { EngineApi, JobEnd, JobProgress } from '../../../engine/api';
import { emptyDoc } from '../../../engine/graph/doc';

const FAKE_WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'fake-job-worker.ts');

let host: WebHost;
let tmp: string;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'cnn-webhost-'));
  const rendererDir = path.join(tmp, 'renderer');
  mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>t</title><script type="module" src="/assets/app.js"></script>');
  writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(path.join(tmp, 'secret.txt'), 'secret');
  host = await startWebHost({
    rendererDir,
    dataDir: path.join(tmp, 'data'),
    projectsDir: path.join(tmp, 'projects'),
    jobs: { workerEntry: FAKE_WORKER, progressIntervalMs: 0 },
  });
});

afterAll(async () => {
  await host?.close();
});

function client(token: string | null): { engine: EngineApi; transport: ReturnType<typeof createWebSocketTransport> } {
  const url = `ws://127.0.0.1:${host.port}/ws${token === null ? '' : `?token=${token}`}`;
  const transport = createWebSocketTransport({ url, WebSocket: WebSocket as never, requestTimeoutMs: 20_000 });
  return { engine: createEngineClient(transport), transport };
}

describe('web host', () => {
  it('prints a URL on 127.0.0.1 with a long random token', () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}$/);
    expect(host.port).toBeGreaterThan(0);
  });

  it('serves the renderer with the CSP and refuses paths outside it', async () => {
    const r = await fetch(`${host.origin}/`);
    expect(r.status).toBe(200);
    expect(await r.text()).toContain('<title>t</title>');
    const csp = r.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain(`ws://127.0.0.1:${host.port}`);
    expect(csp).not.toContain('unsafe-eval');
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    const js = await fetch(`${host.origin}/assets/app.js`);
    expect(js.headers.get('content-type')).toMatch(/text\/javascript/);
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt']) {
      const bad = await fetch(`${host.origin}${p}`);
      expect([403, 404]).toContain(bad.status);
      expect(await bad.text()).not.toContain('secret');
    }
    expect((await fetch(`${host.origin}/missing.js`)).status).toBe(404);
  });

  it('refuses a request for another Host (DNS rebinding)', async () => {
    const r = await new Promise<number>((resolve) => {
      import('node:http').then(({ request }) => {
        const req = request({ host: '127.0.0.1', port: host.port, path: '/', headers: { Host: 'evil.example:80' } }, (res) => resolve(res.statusCode ?? 0));
        req.end();
      });
    });
    expect(r).toBe(421);
  });

  it('rejects a WebSocket without the token, or with a wrong one', async () => {
    for (const t of [null, 'wrong', host.token.slice(0, -1) + (host.token.endsWith('0') ? '1' : '0')]) {
      const { engine, transport } = client(t);
      await expect(transport.ready()).rejects.toThrow(/token/);
      const r = await engine.hostInfo();
      expect(r).toMatchObject({ ok: false, error: { code: 'TRANSPORT', message: expect.stringMatching(/token/) } });
      transport.close();
    }
  });

  it('rejects a WebSocket from another origin', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/ws?token=${host.token}`, { origin: 'http://evil.example' });
    const status = await new Promise<number>((resolve) => {
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
      ws.on('error', () => resolve(-1));
    });
    expect(status).toBe(403);
  });

  it('answers contract calls with the token, validating arguments', async () => {
    const { engine, transport } = client(host.token);
    await transport.ready();
    const info = await engine.hostInfo();
    expect(info).toEqual({
      ok: true,
      value: expect.objectContaining({ transport: 'web', nativeDialogs: false, projectsDir: path.join(tmp, 'projects'), documentExtension: '.cnnd' }),
    });
    // A malformed argument is refused by the schema, with the field named.
    const bad = await (engine.saveProject as (x: unknown) => Promise<unknown>)({ path: '/x.cnnd', doc: { format: 'nope' } });
    expect(bad).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', field: 'doc.format' } });
    // A method name outside the contract is refused, not thrown on.
    const raw = await transport.invoke('noSuchMethod' as never, undefined);
    expect(raw).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', message: expect.stringMatching(/not a method/) } });
    transport.close();
  });

  it('saves, lists and reopens a document through paths (the browser flow)', async () => {
    const { engine, transport } = client(host.token);
    const doc = emptyDoc('web net');
    const target = path.join(tmp, 'projects', 'web-net');
    const saved = await engine.saveProjectAs({ doc, path: target });
    expect(saved).toEqual({ ok: true, value: { path: target + '.cnnd' } });
    expect(JSON.parse(readFileSync(target + '.cnnd', 'utf8')).name).toBe('web net');
    const again = await engine.saveProjectAs({ doc, path: target });
    expect(again).toMatchObject({ ok: false, error: { code: 'ALREADY_EXISTS' } });
    const listing = await engine.listProjectFiles();
    expect(listing.ok && listing.value.entries.map((e) => e.name)).toEqual(['web-net.cnnd']);
    const opened = await engine.openProject({ path: target + '.cnnd' });
    expect(opened.ok && opened.value?.doc.name).toBe('web net');
    const recent = await engine.recentFiles();
    expect(recent.ok && recent.value[0]).toMatchObject({ path: target + '.cnnd', exists: true });
    // No dialog in the browser: a clear error, not a hang.
    expect(await engine.openProject()).toMatchObject({ ok: false, error: { code: 'NOT_SUPPORTED' } });
    transport.close();
  });

  it('pushes job events over the socket', async () => {
    const { engine, transport } = client(host.token);
    await transport.ready();
    const progress: JobProgress[] = [];
    const ended = new Promise<JobEnd>((resolve) => engine.onJobEnd(resolve));
    engine.onJobProgress((p) => progress.push(p));
    const started = host.services.jobs.start('count', { n: 3 });
    expect(started.ok).toBe(true);
    const end = await ended;
    expect(end).toMatchObject({ status: 'done', result: { counted: 3 } });
    expect(progress.map((p) => p.fraction)).toEqual([1 / 3, 2 / 3, 1]);
    transport.close();
  });

  it('gives the page its WebSocket URL from ?token= and keeps it for reloads', () => {
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
    const loc = { protocol: 'http:', host: `127.0.0.1:${host.port}`, pathname: '/', search: `?token=${host.token}&x=1`, hash: '#a' };
    const c = webHostConnection(loc, storage);
    expect(c).toEqual({ ok: true, token: host.token, url: `ws://127.0.0.1:${host.port}/ws?token=${host.token}`, cleanUrl: '/?x=1#a' });
    const reload = webHostConnection({ ...loc, search: '' }, storage);
    expect(reload.ok && reload.token).toBe(host.token);
    const none = webHostConnection({ ...loc, search: '' }, null);
    expect(none.ok).toBe(false);
  });

  it('opens documents named on the command line for takeOpenedFiles', async () => {
    const file = path.join(tmp, 'cli.cnnd');
    writeFileSync(file, JSON.stringify(emptyDoc('from cli')));
    const h2 = await startWebHost({ rendererDir: path.join(tmp, 'renderer'), dataDir: path.join(tmp, 'data2'), projectsDir: tmp, open: [file, path.join(tmp, 'missing.cnnd')] });
    try {
      expect(h2.openErrors).toHaveLength(1);
      expect(h2.openErrors[0]).toMatch(/missing\.cnnd does not exist/);
      const transport = createWebSocketTransport({ url: `ws://127.0.0.1:${h2.port}/ws?token=${h2.token}`, WebSocket: WebSocket as never });
      const engine = createEngineClient(transport);
      const taken = await engine.takeOpenedFiles();
      expect(taken.ok && taken.value.map((f) => f.doc.name)).toEqual(['from cli']);
      transport.close();
    } finally {
      await h2.close();
    }
    expect(existsSync(path.join(tmp, 'data2', 'recent.json'))).toBe(true);
  });
});
