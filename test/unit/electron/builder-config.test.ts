/**
 * The electron-builder configuration is valid (electron-builder's own loader
 * and schema, offline), and every file it packs exists after a build: the
 * build runs here into a temporary folder (Vite for the renderer, esbuild
 * for the Electron bundles), and the `files` globs are matched against it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import sharp from 'sharp';
import { DOCUMENT_EXTENSION, DOCUMENT_MIME, REQUEST_NAMES, channelOf } from '../../../engine/api';
import { spawnSync } from 'node:child_process';
import { JobRunner } from '../../../electron/services/job-runner';
import type { JobEnd } from '../../../engine/api';
import { buildElectron, buildRenderer, ROOT } from '../../../scripts/build';

const require = createRequire(import.meta.url);
// electron-builder's own glob matcher (minimatch; its major version exports differently).
const mm = require('minimatch');
const minimatch: (file: string, pattern: string, opts?: { dot?: boolean }) => boolean = typeof mm === 'function' ? mm : mm.minimatch;
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
/** The package a module specifier names ('@scope/name/sub' → '@scope/name'). */
const pkgName = (s: string) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]);

let config: any;
let out: string;
/** Files of the built app, relative to the app root, as electron-builder sees them. */
let tree: string[];
/** The `files` globs, in order. */
let patterns: string[];

function walk(dir: string, prefix: string): string[] {
  const outFiles: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) outFiles.push(...walk(path.join(dir, e.name), rel));
    else outFiles.push(rel);
  }
  return outFiles;
}

beforeAll(async () => {
  const { getConfig } = require('app-builder-lib/out/util/config/config');
  config = await getConfig(ROOT, path.join(ROOT, 'electron-builder.yml'), null);
  // Inside the repo (tmp/ is git-ignored) so the bundles resolve node_modules as in the packed app.
  mkdirSync(path.join(ROOT, 'tmp'), { recursive: true });
  out = mkdtempSync(path.join(ROOT, 'tmp', 'builder-test-'));
  await buildRenderer(path.join(out, 'dist', 'renderer'));
  await buildElectron(path.join(out, 'dist', 'electron'));
  tree = [...walk(path.join(out, 'dist'), 'dist'), 'package.json', 'build/icon.png'];
  // electron-builder normalises `files` to [{ filter: [...] }].
  patterns = (config.files as (string | { filter?: string[] })[]).flatMap((f) => (typeof f === 'string' ? [f] : (f.filter ?? [])));
}, 300_000);

afterAll(() => {
  if (out) rmSync(out, { recursive: true, force: true });
});

/** Is `file` packed according to the `files` patterns (later negations exclude)? */
function packed(file: string): boolean {
  let inc = false;
  for (const p of patterns) {
    if (p.startsWith('!')) {
      if (minimatch(file, p.slice(1), { dot: true })) inc = false;
    } else if (minimatch(file, p, { dot: true })) inc = true;
  }
  return inc;
}

describe('electron-builder configuration', () => {
  it('passes electron-builder validation', async () => {
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config');
    const { DebugLogger } = require('builder-util');
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
    // The validator is not a no-op: a broken key is refused.
    await expect(validateConfiguration({ ...config, fileAssociations: [{ extension: 'x' }] }, new DebugLogger(false))).rejects.toThrow(/fileAssociations/);
  });

  it('has the installers, icon and file association the app needs', async () => {
    expect(config.appId).toMatch(/^[a-z0-9.-]+$/);
    expect(config.productName).toBe(pkg.productName);
    expect(config.linux.target).toEqual(expect.arrayContaining(['AppImage', 'deb']));
    expect(config.win.target).toEqual(expect.arrayContaining(['nsis']));
    expect(config.mac.target).toEqual(expect.arrayContaining(['dmg']));
    expect(config.fileAssociations).toEqual([expect.objectContaining({ ext: DOCUMENT_EXTENSION.slice(1), mimeType: DOCUMENT_MIME })]);
    expect(config.linux.mimeTypes).toContain(DOCUMENT_MIME);
    for (const icon of [config.linux.icon, config.win.icon, config.mac.icon]) {
      const file = path.join(ROOT, icon);
      expect(existsSync(file), icon).toBe(true);
      const meta = await sharp(file).metadata();
      expect(meta.format).toBe('png');
      // macOS needs at least 512×512; Windows 256×256.
      expect(meta.width).toBeGreaterThanOrEqual(512);
      expect(meta.height).toBe(meta.width);
    }
  });

  it('packs every file the app loads, and they exist after the build', () => {
    const main = pkg.main as string;
    expect(main).toBe('dist/electron/main.cjs');
    for (const f of [main, 'dist/electron/preload.cjs', 'dist/electron/job-worker.cjs', 'dist/electron/replica-worker.cjs', 'dist/renderer/index.html', 'package.json', 'build/icon.png']) {
      expect(tree, f).toContain(f);
      expect(packed(f), f).toBe(true);
    }
    // Each positive pattern matches something (no stale globs).
    for (const p of patterns.filter((x) => !x.startsWith('!'))) {
      expect(tree.some((f) => minimatch(f, p, { dot: true })), p).toBe(true);
    }
    // Everything index.html references is built and packed.
    const html = readFileSync(path.join(out, 'dist', 'renderer', 'index.html'), 'utf8');
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]).filter((r) => !/^(https?:|data:|#)/.test(r));
    expect(refs.length).toBeGreaterThan(0);
    for (const r of refs) {
      const f = path.posix.join('dist/renderer', r.replace(/^\.\//, '').replace(/^\//, ''));
      expect(tree, r).toContain(f);
      expect(packed(f), f).toBe(true);
    }
    expect(tree.filter((f) => f.endsWith('.map')).some(packed)).toBe(false);
  });

  it('packages only the renderer imports are devDependencies (Vite bundles them; electron-builder packs dependencies)', () => {
    const importsUnder = (dir: string): Set<string> => {
      const out = new Set<string>();
      const walk = (d: string) => {
        for (const e of readdirSync(d, { withFileTypes: true })) {
          const f = path.join(d, e.name);
          if (e.isDirectory()) walk(f);
          else if (/\.tsx?$/.test(e.name)) {
            for (const m of readFileSync(f, 'utf8').matchAll(/(?:from|import\(|require\()\s*['"]([^'".][^'"]*)['"]/g)) out.add(pkgName(m[1]));
          }
        }
      };
      walk(path.join(ROOT, dir));
      return out;
    };
    const renderer = importsUnder('renderer');
    const runtime = new Set(['engine', 'electron', 'scripts'].flatMap((d) => [...importsUnder(d)]));
    expect(renderer.has('react')).toBe(true);
    const rendererOnly = [...renderer].filter((p) => !runtime.has(p) && !p.startsWith('node:'));
    const misplaced = rendererOnly.filter((p) => p in (pkg.dependencies ?? {}));
    expect(misplaced, 'renderer-only packages listed under dependencies').toEqual([]);
    for (const p of rendererOnly) expect(p in (pkg.devDependencies ?? {}), `${p} is imported by the renderer but not a devDependency`).toBe(true);
  });

  it('bundles main and worker against production dependencies only, and the preload against electron only', () => {
    const prod = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})]);
    const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
    const requires = (f: string) => [...readFileSync(path.join(out, f), 'utf8').matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]);
    for (const f of ['dist/electron/main.cjs', 'dist/electron/job-worker.cjs', 'dist/electron/replica-worker.cjs']) {
      const code = readFileSync(path.join(out, f), 'utf8');
      expect(() => new vm.Script(code, { filename: f })).not.toThrow();
      for (const r of requires(f)) {
        const ok = builtins.has(r) || r === 'electron' || prod.has(pkgName(r));
        expect(ok, `${f} requires '${r}', which electron-builder would not pack`).toBe(true);
      }
    }
    expect(new Set(requires('dist/electron/preload.cjs'))).toEqual(new Set(['electron']));
    expect(statSync(path.join(out, 'dist/electron/preload.cjs')).size).toBeLessThan(50_000);
  });

  it('the bundled main process starts (fake Electron) and serves the contract', () => {
    const runner = path.join(ROOT, 'test/unit/electron/fixtures/run-main-bundle.cjs');
    const r = spawnSync(process.execPath, [runner, path.join(out, 'dist/electron/main.cjs'), out], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const got = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect([...got.channels].sort()).toEqual(REQUEST_NAMES.map(channelOf).sort());
    expect(got.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false });
    expect(got.webPreferences.preload).toBe(path.join(out, 'dist/electron/preload.cjs'));
    expect(got.host).toMatchObject({ ok: true, value: { transport: 'electron', appVersion: '9.9.9' } });
    // The templates are bundled into main.cjs (no templates/ folder is packed).
    expect(got.templateCount).toBeGreaterThan(10);
    expect(got.lenetNodes).toBeGreaterThan(5);
    // tfjs and its wasm files load from the bundle (paths resolved from dist/electron).
    expect(got.backend).toMatchObject({ ok: true, value: { backend: expect.stringMatching(/^(tensorflow|wasm|cpu)$/) } });
  });

  it('the bundled job worker runs in a worker thread', async () => {
    let resolveEnd!: (e: JobEnd) => void;
    const ended = new Promise<JobEnd>((r) => (resolveEnd = r));
    const runner = new JobRunner({ workerEntry: path.join(out, 'dist/electron/job-worker.cjs'), events: { progress: () => {}, end: resolveEnd } });
    expect(runner.start('no-such-kind', {}).ok).toBe(true);
    expect(await ended).toMatchObject({ status: 'error', error: { code: 'NOT_IMPLEMENTED' } });
  });

  it('the bundled replica worker (data-parallel training) starts and computes a step', async () => {
    const tf = await import('@tensorflow/tfjs');
    await tf.setBackend('cpu');
    const { ReplicaGroup } = await import('../../../engine/train/parallel/replicas');
    const m = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [2, 2, 1] }), tf.layers.dense({ units: 2, activation: 'softmax' })] });
    const vars = m.trainableWeights.map((w) => w.read() as import('@tensorflow/tfjs').Variable);
    const group = await ReplicaGroup.start(tf, m, vars, { count: 1, backend: 'cpu', dataShape: [2, 2, 1], entry: path.join(out, 'dist/electron/replica-worker.cjs') });
    try {
      const [r] = await group.run([{ xs: new Float32Array([0, 1, 0, 1, 1, 0, 1, 0]), labels: new Int32Array([0, 1]) }], 2);
      // Independent: the same loss sum from the model here.
      const p = (m.predict(tf.tensor4d([0, 1, 0, 1, 1, 0, 1, 0], [2, 2, 2, 1])) as import('@tensorflow/tfjs').Tensor).dataSync();
      expect(r.lossSum).toBeCloseTo(-Math.log(p[0]) - Math.log(p[3]), 4);
    } finally {
      await group.close();
      m.dispose();
    }
  }, 60_000);
});
