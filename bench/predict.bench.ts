/**
 * A prediction (the contract's `predict`: load a trained model, decode one
 * image, run it) as the host serves it, in its own thread against on the
 * call worker (electron/services/call-worker.ts), per template:
 *
 *   latencyMs      — request to answer (the call worker's first call
 *                    includes starting its thread and loading tfjs there;
 *                    in the host thread the first call loads tfjs there)
 *   longestStallMs — the longest the host thread's event loop went without
 *                    running a 5 ms timer during the call: how long Electron's
 *                    main process (every IPC reply, menus, job progress) or
 *                    the web host would stand still
 *   rssAfterMB     — the process's resident memory once the answer is in
 *                    and, for the call worker, once its idle thread has ended
 *                    (a wasm heap never shrinks: in the host thread it keeps
 *                    the largest model's high-water mark for the session)
 *
 *   npx tsx bench/predict.bench.ts [--templates mnist-cnn,resnet18,vgg16]
 *
 * Weights are the templates' random initial ones, saved once to a temporary
 * folder. The two ways run in separate child processes (each starts with no
 * tfjs loaded). Prints one JSON object.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import type { PredictRequest } from '../engine/api';
import { jsonChild } from './child';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..');

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Run `fn` while a 5 ms timer measures the longest gap of this thread's event loop. */
async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; latencyMs: number; longestStallMs: number }> {
  let last = performance.now();
  let longest = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 5);
  const t0 = performance.now();
  const value = await fn();
  const latencyMs = performance.now() - t0;
  longest = Math.max(longest, performance.now() - last);
  clearInterval(timer);
  return { value, latencyMs: Math.round(latencyMs), longestStallMs: Math.round(longest) };
}

const rssMB = () => Math.round(process.memoryUsage().rss / 2 ** 20);

/** Child: serve two predictions of `req` one way, report the figures. */
async function child(way: 'host-thread' | 'call-worker', reqFile: string) {
  const req = JSON.parse(readFileSync(reqFile, 'utf8')) as PredictRequest;
  const rssBefore = rssMB();
  const calls: { latencyMs: number; longestStallMs: number }[] = [];
  let rssAfter: number;
  if (way === 'host-thread') {
    const { predictRequest } = await import('../engine/train/job');
    for (let i = 0; i < 2; i++) {
      const { latencyMs, longestStallMs } = await timed(() => predictRequest(req));
      calls.push({ latencyMs, longestStallMs });
    }
    rssAfter = rssMB();
  } else {
    const { CallWorker } = await import('../electron/services/call-worker');
    const worker = new CallWorker({ idleMs: 200 });
    for (let i = 0; i < 2; i++) {
      const { value, latencyMs, longestStallMs } = await timed(() => worker.call('predict', req));
      if (!value.ok) throw new Error(value.error.message);
      calls.push({ latencyMs, longestStallMs });
    }
    // Let the idle thread end and its memory go.
    for (let t = 0; worker.running && t < 50; t++) await new Promise((r) => setTimeout(r, 100));
    (globalThis as { gc?: () => void }).gc?.();
    await new Promise((r) => setTimeout(r, 300));
    rssAfter = rssMB();
  }
  process.stdout.write(JSON.stringify({ way, first: calls[0], second: calls[1], rssBeforeMB: rssBefore, rssAfterMB: rssAfter }) + '\n');
}

async function main() {
  const childArg = arg('child');
  if (childArg) return child(childArg as 'host-thread' | 'call-worker', arg('req')!);

  const templates = (arg('templates') ?? 'mnist-cnn,resnet18,vgg16').split(',');
  const dir = mkdtempSync(path.join(tmpdir(), 'cnnd-predict-bench-'));
  const tf = await import('@tensorflow/tfjs');
  await tf.setBackend('cpu');
  const { analyzeGraph } = await import('../engine/analysis');
  const { buildModel } = await import('../engine/train/build-model');
  const { saveWeights } = await import('../engine/train/weights');
  const { parseGraphDoc } = await import('../engine/graph');
  const results: unknown[] = [];
  try {
    for (const name of templates) {
      process.stderr.write(`[predict bench] ${name}: saving weights…\n`);
      const parsed = parseGraphDoc(JSON.parse(readFileSync(path.join(root, 'templates', `${name}.json`), 'utf8')));
      if (!parsed.ok) throw new Error(parsed.message);
      const doc = parsed.value;
      const analysis = analyzeGraph(doc);
      const model = buildModel(tf, doc, analysis);
      const weights = path.join(dir, name);
      await saveWeights(tf, model, weights);
      const params = model.countParams();
      model.dispose();
      const image = path.join(dir, `${name}.png`);
      await sharp({ create: { width: 256, height: 256, channels: 3, background: { r: 200, g: 120, b: 40 } } }).png().toFile(image);
      const reqFile = path.join(dir, `${name}.req.json`);
      const req: PredictRequest = { model: { doc, weightsPath: weights }, image: { path: image }, topK: 3 };
      writeFileSync(reqFile, JSON.stringify(req));
      const row: Record<string, unknown> = { template: name, params };
      for (const way of ['host-thread', 'call-worker'] as const) {
        process.stderr.write(`[predict bench] ${name}: ${way}…\n`);
        row[way] = await jsonChild(fileURLToPath(import.meta.url), ['--child', way, '--req', reqFile], ['--expose-gc']).catch((e: Error) => ({ error: e.message }));
      }
      results.push(row);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify({ bench: 'predict', date: new Date().toISOString(), note: 'ms and MB; one process per way and template; the machine is shared', results }, null, 1) + '\n');
}

void main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
