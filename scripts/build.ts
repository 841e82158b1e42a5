/**
 * `npm run build`: the renderer (Vite → dist/renderer) and the Electron
 * processes (esbuild → dist/electron/{main,preload,job-worker,replica-worker}.cjs).
 *
 *   tsx scripts/build.ts              both
 *   tsx scripts/build.ts --electron   only the Electron bundles (fast)
 *   tsx scripts/build.ts --renderer   only the renderer
 *   --out DIR                         write DIR/electron and DIR/renderer instead of dist/
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions } from 'esbuild';
import { replicaBundleOptions } from '../engine/train/parallel/bundle';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Bundles the main-process code, the preload and the job worker. Returns the files written. */
export async function buildElectron(outDir = path.join(ROOT, 'dist', 'electron')): Promise<string[]> {
  const common: BuildOptions = {
    bundle: true,
    platform: 'node',
    format: 'cjs',
    // Electron 45 ships Node 22.
    target: 'node22',
    sourcemap: 'linked',
    logLevel: 'warning',
    absWorkingDir: ROOT,
    // Our sources use import.meta.url (ESM in development); give CommonJS bundles the same value.
    define: { 'import.meta.url': '__import_meta_url' },
    banner: { js: 'const __import_meta_url = require("url").pathToFileURL(__filename).href;' },
  };
  const outs = {
    main: path.join(outDir, 'main.cjs'),
    worker: path.join(outDir, 'job-worker.cjs'),
    // Data-parallel training's replica threads (engine/train/parallel), started by the job worker.
    replica: path.join(outDir, 'replica-worker.cjs'),
    preload: path.join(outDir, 'preload.cjs'),
  };
  await Promise.all([
    // Main and worker: npm packages stay external (electron-builder packs node_modules' production
    // dependencies); our engine code and the templates are bundled in.
    build({ ...common, entryPoints: [path.join(ROOT, 'electron/main.ts')], outfile: outs.main, packages: 'external', external: ['electron'] }),
    build({ ...common, entryPoints: [path.join(ROOT, 'electron/services/job-worker.ts')], outfile: outs.worker, packages: 'external' }),
    // The replica: the packages it never uses (tfjs-converter, -data, -webgl, -cpu) left out, see engine/train/parallel/bundle.ts.
    build({ ...common, ...replicaBundleOptions(path.join(ROOT, 'engine/train/parallel')), outfile: outs.replica }),
    // A sandboxed preload can require only 'electron': everything else must be inside it.
    // No import.meta shim either: a sandboxed preload has no __filename.
    build({ ...common, define: {}, banner: {}, entryPoints: [path.join(ROOT, 'electron/preload.ts')], outfile: outs.preload, external: ['electron'] }),
  ]);
  return Object.values(outs);
}

/** Runs `vite build` (config in vite.config.ts). */
export function buildRenderer(outDir?: string): Promise<void> {
  const vite = path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  const args = [vite, 'build', ...(outDir ? ['--outDir', outDir, '--emptyOutDir'] : [])];
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { cwd: ROOT, stdio: 'inherit' });
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`vite build failed (exit code ${code})`))));
  });
}

async function cli(argv: string[]): Promise<void> {
  const only = argv.includes('--electron') ? 'electron' : argv.includes('--renderer') ? 'renderer' : 'all';
  const i = argv.indexOf('--out');
  const out = i >= 0 ? path.resolve(argv[i + 1] ?? '') : path.join(ROOT, 'dist');
  const t0 = Date.now();
  if (only !== 'electron') await buildRenderer(i >= 0 ? path.join(out, 'renderer') : undefined);
  if (only !== 'renderer') {
    const files = await buildElectron(path.join(out, 'electron'));
    console.log(`electron: ${files.map((f) => path.relative(ROOT, f)).join(', ')}`);
  }
  console.log(`built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  cli(process.argv.slice(2)).catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
