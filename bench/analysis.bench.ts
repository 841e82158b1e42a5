/**
 * Speed of analyzeGraph on large graphs: it runs on every keystroke in the
 * editor, so a 1,000-layer network must analyse in well under a frame.
 * Target: median < 5 ms for 1,000 layers.
 *
 *   npm run bench -- analysis [--iterations 200]
 *
 * Graphs are ResNet-style: a stem, then residual units of Conv2D →
 * BatchNorm → ReLU → Conv2D → BatchNorm → Add(shortcut) → ReLU (7 layers per
 * unit, branches and merges included), with a stride-2 stage every 8 units,
 * then global pooling and Dense (test/helpers/graph-builder.ts resnetLike).
 * "analyzeGraph" re-analyses one document, as the editor does on each edit
 * (parameter checks of unchanged nodes are cached); "new document each call"
 * is the first analysis of a document. Also times parseGraphDoc (load
 * validation).
 * Prints one JSON object on stdout.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { analyzeGraph } from '../engine/analysis';
import type { GraphDoc } from '../engine/graph/doc';
import { parseGraphDoc } from '../engine/graph/parse';
import { resnetLike } from '../test/helpers/graph-builder';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};

/**
 * Wall-clock and CPU time per call. The machine may be shared (other jobs
 * running): wall time then includes waiting for a core, CPU time does not,
 * so both are reported.
 */
function time(f: () => unknown, iterations: number) {
  for (let i = 0; i < Math.min(20, iterations); i++) f(); // warm up the JIT
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    f();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const stats = (t: number[]) => {
    t.sort((a, b) => a - b);
    const q = (p: number) => t[Math.min(t.length - 1, Math.floor(p * t.length))];
    return { median: r(q(0.5)), p95: r(q(0.95)), min: r(t[0]) };
  };
  const r = (x: number) => +x.toFixed(3);
  const w = stats(wall);
  const c = stats(cpu);
  return { iterations, medianMs: w.median, p95Ms: w.p95, minMs: w.min, cpuMedianMs: c.median, cpuP95Ms: c.p95 };
}

const iterations = arg('iterations', 200);
const figures = [];
for (const layers of [1_000, 10_000]) {
  const doc = resnetLike(layers);
  const a = analyzeGraph(doc);
  const errors = a.issues.filter((i) => i.severity === 'error');
  if (errors.length) throw new Error(`bench graph has errors: ${errors[0].message}`);
  const n = layers >= 10_000 ? Math.max(10, Math.floor(iterations / 10)) : iterations;
  process.stderr.write(`analysis: ${doc.nodes.length} layers × ${n}\n`);
  figures.push({
    case: 'analyzeGraph',
    layers: doc.nodes.length,
    edges: doc.edges.length,
    params: a.totals.params,
    ...time(() => analyzeGraph(doc), n),
  });
  // The same, but every call gets a document it has never seen (no cached
  // parameter checks): the first analysis after opening a file.
  const copies = Array.from({ length: Math.min(n + 20, layers >= 10_000 ? 40 : 240) }, () => structuredClone(doc));
  let c = 0;
  figures.push({ case: 'analyzeGraph (new document each call)', layers: doc.nodes.length, ...time(() => analyzeGraph(copies[c++ % copies.length]), Math.min(n, copies.length - 20)) });
  figures.push({ case: 'parseGraphDoc', layers: doc.nodes.length, ...time(() => parseGraphDoc(doc), Math.max(5, Math.floor(n / 4))) });
}

console.log(
  JSON.stringify(
    { bench: 'analysis', targetMedianMs1000: 5, cpus: os.cpus().length, loadavg: os.loadavg().map((v) => +v.toFixed(2)), node: process.version, figures },
    null,
    2,
  ),
);
