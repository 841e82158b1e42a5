import { mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BackendService } from '../../../electron/services/backend';
import { CallWorker } from '../../../electron/services/call-worker';
import { dispatch } from '../../../electron/handlers';
import { createEngineServices } from '../../../electron/services/index';
import { analyzeGraph } from '../../../engine/analysis';
import type { BackendInfo, PredictRequest, Prediction, Result } from '../../../engine/api';
import { buildModel } from '../../../engine/train/build-model';
import { predictRequest } from '../../../engine/train/job';
import { saveWeights } from '../../../engine/train/weights';
import { smallCnn } from '../train/helpers';

const FAKE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'fake-job-worker.ts');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const open: CallWorker[] = [];
function calls(o: ConstructorParameters<typeof CallWorker>[0] = {}): CallWorker {
  const c = new CallWorker({ workerEntry: FAKE, ...o });
  open.push(c);
  return c;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.shutdown()));
});

type Echo = { payload: unknown; threadId: number };

describe('CallWorker (one long-lived worker thread for short calls)', () => {
  it('answers calls in one thread that stays up between them', async () => {
    const c = calls();
    expect(c.running).toBe(false);
    const a = await c.call<Echo>('echo', { n: 1 });
    const b = await c.call<Echo>('echo', { n: 2 });
    expect(a).toEqual({ ok: true, value: { payload: { n: 1 }, threadId: expect.any(Number) } });
    expect(b.ok && b.value.payload).toEqual({ n: 2 });
    expect(a.ok && b.ok && a.value.threadId).toBe(b.ok && b.value.threadId);
    expect(c.running).toBe(true);
  });

  it('keeps the calling thread free while a call computes', async () => {
    const c = calls();
    await c.call('echo', null); // the thread is up
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    const r = await c.call<{ spun: boolean }>('spin', { ms: 400 });
    clearInterval(timer);
    expect(r.ok && r.value.spun).toBe(true);
    // In this thread the 400 ms of work would have allowed no tick at all.
    expect(ticks).toBeGreaterThan(10);
  });

  it('answers concurrent calls each with its own result, in order', async () => {
    const c = calls();
    const rs = await Promise.all([1, 2, 3, 4].map((n) => c.call<Echo>('echo', n)));
    expect(rs.map((r) => r.ok && r.value.payload)).toEqual([1, 2, 3, 4]);
  });

  it('passes a call\'s error on with its contract code, and keeps serving', async () => {
    const c = calls();
    expect(await c.call('invalid', {})).toEqual({ ok: false, error: { code: 'INVALID_GRAPH', message: 'the network has 1 error: Dense on an unflattened image' } });
    expect(await c.call('no-such-kind', {})).toEqual({ ok: false, error: { code: 'NOT_IMPLEMENTED', message: "No job of kind 'no-such-kind' is available in this version." } });
    expect((await c.call<Echo>('echo', 'still here')).ok).toBe(true);
  });

  it('reports a thread that dies under a call, and starts a new one for the next call', async () => {
    const c = calls();
    const first = await c.call<Echo>('echo', null);
    const r = await c.call('crash', {});
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('JOB_FAILED');
      expect(r.error.message).toMatch(/^The crash call stopped unexpectedly \(boom from a timer\)\. The app is still working; try again\.$/);
    }
    const exited = await c.call('exit', {});
    expect(!exited.ok && exited.error.message).toMatch(/stopped unexpectedly \(exit code 3\)/);
    const again = await c.call<Echo>('echo', null);
    expect(again.ok && first.ok && again.value.threadId).not.toBe(first.ok && first.value.threadId);
  });

  it('stops a call that runs past the time limit, and the next call gets a fresh thread', async () => {
    // The limit counts from the call, the thread's start included (tsx takes a few hundred ms here).
    const c = calls({ callTimeoutMs: 2000 });
    const r = await c.call('stubborn', {});
    expect(r).toEqual({ ok: false, error: { code: 'JOB_FAILED', message: 'The stubborn call took longer than 2 s and was stopped. The app is still working; try again, or with a smaller network.' } });
    expect(c.running).toBe(false);
    expect((await c.call('echo', null)).ok).toBe(true);
  });

  it('reports running out of memory as such', async () => {
    const c = calls({ maxHeapMb: 64 });
    const r = await c.call('hog', {});
    expect(r).toEqual({ ok: false, error: { code: 'JOB_FAILED', message: 'The hog call ran out of memory and was stopped. The app is still working; try a smaller network.' } });
    expect((await c.call('echo', null)).ok).toBe(true);
  });

  it('ends an idle thread, and the next call starts another', async () => {
    const c = calls({ idleMs: 100 });
    const a = await c.call<Echo>('echo', null);
    expect(c.running).toBe(true);
    await sleep(400);
    expect(c.running).toBe(false);
    const b = await c.call<Echo>('echo', null);
    expect(b.ok && a.ok && b.value.threadId).not.toBe(a.ok && a.value.threadId);
  });

  it('fails the calls still running when the host shuts down', async () => {
    const c = calls();
    const pending = c.call('stubborn', {});
    await sleep(50);
    await c.shutdown();
    expect(await pending).toEqual({ ok: false, error: { code: 'CANCELLED', message: 'The app is closing.' } });
    expect(c.running).toBe(false);
  });
});

describe('predict through the host (dispatch → call worker → engine)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cnnd-call-predict-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives the same classes as predictRequest in this thread, and a readable error for missing weights', async () => {
    await tf.setBackend('cpu');
    const doc = smallCnn([20, 20, 1], 3);
    const model = buildModel(tf, doc, analyzeGraph(doc));
    const weights = path.join(dir, 'weights');
    await saveWeights(tf, model, weights);
    model.dispose();
    const image = path.join(dir, 'img.png');
    const raw = Buffer.alloc(20 * 20, 30);
    for (let y = 4; y < 16; y++) raw.fill(230, y * 20 + 4, y * 20 + 16);
    await sharp(raw, { raw: { width: 20, height: 20, channels: 1 } }).png().toFile(image);

    // The real job worker entry (job-worker.ts via tsx), as the web host runs it.
    const s = createEngineServices({ transport: 'web', appVersion: 't', dataDir: path.join(dir, 'data'), projectsDir: dir, dialogs: null, emit: () => {} });
    try {
      const req: PredictRequest = { model: { doc, weightsPath: weights }, image: { path: image }, classNames: ['circle', 'square', 'triangle'], topK: 3 };
      const viaHost = await dispatch(s, 'predict', req);
      expect(s.calls.running).toBe(true);
      const here = await predictRequest(req, tf);
      expect(viaHost.ok).toBe(true);
      const top = (viaHost as { value: Prediction }).value.top;
      expect(top.map((t) => t.name)).toEqual(here.top.map((t) => t.name));
      top.forEach((t, i) => expect(t.probability).toBeCloseTo(here.top[i].probability, 5));

      const missing = await dispatch(s, 'predict', { ...req, model: { doc, weightsPath: path.join(dir, 'nowhere') } });
      expect(missing.ok).toBe(false);
      if (!missing.ok) expect(missing.error.message).toMatch(/nowhere/);
    } finally {
      await s.calls.shutdown();
      await s.jobs.shutdown();
    }
  }, 60_000);
});

describe('BackendService (the status bar\'s backend, asked of the call worker)', () => {
  const info: BackendInfo = { backend: 'wasm', detail: 'WebAssembly (XNNPACK), SIMD, 1 thread', available: ['wasm', 'cpu'], notes: [] };

  it('asks once and keeps the answer', async () => {
    const asked: string[] = [];
    const s = new BackendService({ call: async <T,>(kind: string) => (asked.push(kind), { ok: true, value: info as T }) });
    expect(await s.get()).toEqual({ ok: true, value: info });
    expect(await s.get()).toEqual({ ok: true, value: info });
    expect(asked).toEqual(['backend-info']);
  });

  it('says why no backend loaded, and asks again next time', async () => {
    const answers: Result<unknown>[] = [{ ok: false, error: { code: 'JOB_FAILED', message: 'wasm: out of memory\nat …' } }, { ok: true, value: info }];
    const s = new BackendService({ call: async <T,>() => answers.shift() as Result<T> });
    expect(await s.get()).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'No compute backend could be loaded: wasm: out of memory' } });
    expect(await s.get()).toEqual({ ok: true, value: info });
  });

  it('on the real call worker: the backend this machine\'s jobs run on, in words', async () => {
    const calls = new CallWorker();
    open.push(calls);
    const r = await new BackendService(calls).get();
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.value.available).toContain(r.value.backend);
      expect(r.value.detail).toMatch(/^(TensorFlow|WebAssembly|plain JavaScript)/);
      // On wasm: the threads training shares a batch between (one per core, at most 4), not XNNPACK's pool.
      const cores = Math.min(os.availableParallelism(), 4);
      if (r.value.backend === 'wasm') expect(r.value.detail).toMatch(cores > 1 ? new RegExp(`, trains on up to ${cores} threads$`) : /, trains on 1 thread$/);
    }
  }, 60_000);
});
