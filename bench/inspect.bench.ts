/**
 * Time to compute each inspection view, for the 28×28 template (mnist-cnn)
 * and for VGG16 at 224×224×3, both with random (freshly initialised) weights
 * and a seeded random image. Prints one JSON object on stdout.
 *
 *   npx tsx bench/inspect.bench.ts [--backend wasm|cpu|tensorflow] [--only mnist-cnn|vgg16]
 *     [--reps N]            repetitions for the small model (median reported; default 3)
 *     [--vgg-samples N]     SmoothGrad copies timed on VGG16 (default 4; the per-copy time is reported too)
 *     [--vgg-steps N]       gradient-ascent steps timed on VGG16 (default 5)
 *
 * Each time is wall-clock ms of the engine call (numbers only), and `pictureMs`
 * is the extra cost of turning the result into a PNG the UI receives.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeGraph } from '../engine/analysis/analyze';
import { initBackend, parseBackendName } from '../engine/backend';
import { parseGraphDoc } from '../engine/graph';
import {
  convFilters,
  effectiveRf,
  featureMaps,
  firstConvLayer,
  gradCam,
  gradientSaliency,
  lastSpatialLayer,
  layerOutputShape,
  maximizeChannel,
  overlayPicture,
  pngBase64,
  renderFeatureMaps,
  renderFilters,
  saliencyHeat,
  smoothGrad,
  type InspectImage,
} from '../engine/inspect';
import { buildModel } from '../engine/train/build-model';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const reps = Number(opt('reps') ?? 3);
const vggSamples = Number(opt('vgg-samples') ?? 4);
const vggSteps = Number(opt('vgg-steps') ?? 5);
const only = opt('only');

const log = (s: string) => process.stderr.write(s + '\n');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
}

async function time<T>(n: number, f: () => T | Promise<T>): Promise<{ ms: number; runs: number[]; last: T }> {
  const runs: number[] = [];
  let last!: T;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    last = await f();
    runs.push(Math.round((performance.now() - t0) * 10) / 10);
  }
  return { ms: median(runs), runs, last };
}

function seededImage(shape: [number, number, number]): InspectImage {
  let a = 12345;
  const r = () => {
    a = (a * 1103515245 + 12345) >>> 0;
    return a / 2 ** 32;
  };
  return { pixels: Float32Array.from({ length: shape[0] * shape[1] * shape[2] }, r), shape };
}

async function main() {
  const info = await initBackend({ prefer: parseBackendName(opt('backend')) });
  const { tf } = info;
  log(`backend ${info.name}${info.threads ? ` (${info.threads} threads)` : ''}`);
  const models = [
    { id: 'mnist-cnn', reps, samples: 25, steps: 50 },
    { id: 'vgg16', reps: 1, samples: vggSamples, steps: vggSteps },
  ].filter((m) => !only || m.id === only);
  const out: Record<string, unknown>[] = [];
  for (const m of models) {
    const parsed = parseGraphDoc(JSON.parse(readFileSync(path.join(ROOT, 'templates', `${m.id}.json`), 'utf8')));
    if (!parsed.ok) throw new Error(parsed.message);
    const doc = parsed.value;
    const analysis = analyzeGraph(doc);
    log(`${m.id}: building (random weights)…`);
    const tb = performance.now();
    const model = buildModel(tf, doc, analysis);
    const buildMs = Math.round(performance.now() - tb);
    const shape = model.inputs[0].shape.slice(1) as [number, number, number];
    const img = seededImage(shape);
    const first = firstConvLayer(model)!;
    const last = lastSpatialLayer(model)!;
    const lastShape = layerOutputShape(model, last);
    const unit = { row: Math.floor(lastShape[0] / 2), col: Math.floor(lastShape[1] / 2), channel: 0 };
    // Warm-up: the first call compiles kernels and allocates.
    await time(1, () => featureMaps(tf, model, first, img));
    const views: Record<string, unknown> = {};
    const rec = async (name: string, n: number, f: () => unknown, picture?: (r: never) => unknown, extra: Record<string, unknown> = {}) => {
      log(`${m.id}: ${name}…`);
      const t = await time(n, f);
      const p = picture ? await time(1, () => picture(t.last as never)) : null;
      views[name] = { ms: t.ms, runs: t.runs, ...(p ? { pictureMs: p.ms } : {}), ...extra };
    };
    await rec('activations (first conv)', m.reps, () => featureMaps(tf, model, first, img), (s) => pngBase64(renderFeatureMaps(s).image), { layer: first, shape: layerOutputShape(model, first) });
    await rec('activations (last spatial)', m.reps, () => featureMaps(tf, model, last, img), (s) => pngBase64(renderFeatureMaps(s).image), { layer: last, shape: lastShape });
    await rec('filters (first conv)', m.reps, () => convFilters(model, first), (b) => pngBase64(renderFilters(b).image), { layer: first });
    // The first backward pass of a process also sets up the gradient kernels; a
    // job pays it once (each job is a fresh worker), so both runs are listed.
    await rec('saliency (gradient)', Math.max(2, m.reps), () => gradientSaliency(tf, model, img, 0), (r: { map: Float32Array }) => pngBase64(overlayPicture(img, saliencyHeat(r.map))), { note: 'runs[0] is the first backward pass of the process' });
    const sg = await time(m.id === 'vgg16' ? 1 : m.reps, () => smoothGrad(tf, model, img, 0, { samples: m.samples, batch: m.id === 'vgg16' ? 2 : 8 }));
    views[`smoothgrad (${m.samples} copies)`] = { ms: sg.ms, runs: sg.runs, msPerCopy: Math.round((sg.ms / m.samples) * 10) / 10 };
    log(`${m.id}: smoothgrad ${sg.ms} ms`);
    await rec('gradcam (last spatial)', m.reps, () => gradCam(tf, model, img, 0), (r: { map: Float32Array }) => pngBase64(overlayPicture(img, r.map)), { layer: last });
    await rec('effective-rf (centre unit, last spatial)', m.reps, () => effectiveRf(tf, model, last, unit, img), undefined, { layer: last, unit });
    const mx = await time(1, () => maximizeChannel(tf, model, last, 0, { steps: m.steps }));
    views[`maximize (${m.steps} steps)`] = { ms: mx.ms, msPerStep: Math.round((mx.ms / m.steps) * 10) / 10, layer: last };
    log(`${m.id}: maximize ${mx.ms} ms`);
    out.push({ model: m.id, inputShape: shape, params: analysis.totals.params, macs: analysis.totals.macs, buildMs, views });
    model.dispose();
  }
  process.stdout.write(
    JSON.stringify({ bench: 'inspect', backend: info.name, threads: info.threads ?? null, simd: info.simd ?? null, weights: 'random (fresh initialisation)', models: out }, null, 1) + '\n',
  );
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
