/**
 * Starting a worker thread on one of our entry files, from TypeScript sources
 * (development, tests, the CLI through tsx) or from a bundled .cjs (the
 * packaged app). Used by the job runner and by data-parallel training.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * The entry file `<name>.cjs` when a bundle put it in `dir`, else `<name>.ts`
 * from `sourceDir` (running from sources).
 */
export function workerEntry(dir: string, name: string, sourceDir = dir): string {
  const bundled = path.join(dir, `${name}.cjs`);
  return existsSync(bundled) ? bundled : path.join(sourceDir, `${name}.ts`);
}

/**
 * A Worker for an entry file. A .ts entry gets a tiny bootstrap that
 * registers tsx in the thread first: Node 20 does not apply `--import tsx`
 * from execArgv to a worker's entry module.
 */
export function spawnWorker(file: string, options: WorkerOptions): Worker {
  if (!file.endsWith('.ts')) return new Worker(file, options);
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(pathToFileURL(file).href)}); })
    .catch((e) => { setTimeout(() => { throw e; }); });`;
  return new Worker(boot, { ...options, eval: true });
}
