/**
 * The app's transport: round trips through the web host's WebSocket (the
 * same dispatch path as Electron IPC), the template gallery, and starting a
 * job thread. Prints one JSON object.
 *
 *   npm run bench -- transport [--iterations N]
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { startWebHost } from '../electron/web-host';
import { createEngineClient, createWebSocketTransport } from '../engine/api-client';
import type { JobEnd } from '../engine/api';

const here = path.dirname(fileURLToPath(import.meta.url));
const argIter = process.argv.indexOf('--iterations');
const N = argIter > 0 ? Number(process.argv[argIter + 1]) : 200;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)];
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

const tmp = mkdtempSync(path.join(os.tmpdir(), 'cnn-bench-transport-'));
const host = await startWebHost({
  rendererDir: path.join(here, '..', 'dist', 'renderer'),
  dataDir: tmp,
  projectsDir: tmp,
  jobs: { workerEntry: path.join(here, '..', 'test/unit/electron/fixtures/fake-job-worker.ts') },
});
const transport = createWebSocketTransport({ url: `ws://127.0.0.1:${host.port}/ws?token=${host.token}`, WebSocket: WebSocket as never });
const engine = createEngineClient(transport);
await transport.ready();

const rt: number[] = [];
for (let i = 0; i < N; i++) {
  const t0 = process.hrtime.bigint();
  await engine.hostInfo();
  rt.push(ms(t0));
}

let t0 = process.hrtime.bigint();
const first = await engine.listTemplates();
const galleryFirstMs = ms(t0);
t0 = process.hrtime.bigint();
await engine.listTemplates();
const galleryCachedMs = ms(t0);

const big: number[] = [];
let bytes = 0;
for (let i = 0; i < 10; i++) {
  t0 = process.hrtime.bigint();
  const r = await engine.loadTemplate('resnet152');
  big.push(ms(t0));
  if (r.ok) bytes = JSON.stringify(r.value).length;
}

// Job thread start: worker spawn (tsx-loaded fake job here; the app uses the bundled .cjs) to the end event.
const jobs: number[] = [];
for (let i = 0; i < 5; i++) {
  t0 = process.hrtime.bigint();
  const ended = new Promise<JobEnd>((resolve) => {
    const off = engine.onJobEnd((e) => {
      off();
      resolve(e);
    });
  });
  host.services.jobs.start('count', { n: 1 });
  await ended;
  jobs.push(ms(t0));
}

transport.close();
await host.close();

// The bundled worker the app ships (dist/electron/job-worker.cjs, `npm run build:electron`): thread start to end
// for a kind it does not have (answers NOT_IMPLEMENTED at once), i.e. the cost of a job thread itself.
const { JobRunner } = await import('../electron/services/job-runner');
const { existsSync } = await import('node:fs');
const bundled = path.join(here, '..', 'dist', 'electron', 'job-worker.cjs');
const spawnMs: number[] = [];
if (existsSync(bundled)) {
  for (let i = 0; i < 10; i++) {
    let done!: () => void;
    const ended = new Promise<void>((r) => (done = r));
    const runner = new JobRunner({ workerEntry: bundled, events: { progress: () => {}, end: () => done() } });
    t0 = process.hrtime.bigint();
    runner.start('none', {});
    await ended;
    spawnMs.push(ms(t0));
  }
}

console.log(
  JSON.stringify({
    bench: 'transport',
    webSocketRoundTripMs: { median: +median(rt).toFixed(3), p95: +p95(rt).toFixed(3), n: N },
    listTemplatesMs: { first: +galleryFirstMs.toFixed(1), cached: +galleryCachedMs.toFixed(1), templates: first.ok ? first.value.length : 0 },
    loadTemplateResNet152Ms: { median: +median(big).toFixed(2), jsonBytes: bytes },
    jobStartToEndMs: { median: +median(jobs).toFixed(1), note: 'fake 1-step job loaded through tsx in a new worker thread' },
    bundledWorkerThreadMs: spawnMs.length ? { median: +median(spawnMs).toFixed(1), n: spawnMs.length } : 'run npm run build:electron first',
  }),
);
