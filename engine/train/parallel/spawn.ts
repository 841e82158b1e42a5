/**
 * Starting a worker thread on one of our entry files, from TypeScript sources
 * (development, tests, the CLI through tsx) or from a bundled .cjs (the
 * packaged app). Used by the job runner and by data-parallel training.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import type { BuildOptions } from 'esbuild';

/**
 * The entry file `<name>.cjs` when a bundle put it in `dir`, else `<name>.ts`
 * from `sourceDir` (running from sources).
 */
export function workerEntry(dir: string, name: string, sourceDir = dir): string {
  const bundled = path.join(dir, `${name}.cjs`);
  return existsSync(bundled) ? bundled : path.join(sourceDir, `${name}.ts`);
}

/** Whether a preload module named on the command line is tsx's loader. */
const isTsx = (spec: string) => /(^|[\\/@])tsx([\\/]|$)/.test(spec);

/**
 * `argv` (a parent's `process.execArgv`) without tsx's loader
 * (`--import tsx`, `--require tsx/cjs`, `--loader tsx`, `--import=tsx` …).
 *
 * A worker inherits its parent's execArgv, and Node 20 applies a file
 * worker's `--import` preloads: a bundled worker started from a process run
 * with `node --import tsx` would register tsx's module hooks again, which
 * costs a hooks thread and makes every module loaded afterwards keep far
 * more memory (measured: importing @tensorflow/tfjs in a worker +22 MB
 * without tsx, +69 MB with it). A bundle needs no loader.
 */
export function withoutTsx(argv: readonly string[]): string[] {
  const out: string[] = [];
  const takesValue = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader']);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf('=');
    const flag = eq > 0 ? a.slice(0, eq) : a;
    if (takesValue.has(flag)) {
      const value = eq > 0 ? a.slice(eq + 1) : argv[i + 1];
      if (eq < 0) i++;
      if (value !== undefined && isTsx(value)) continue;
      out.push(a);
      if (eq < 0 && value !== undefined) out.push(value);
      continue;
    }
    out.push(a);
  }
  return out;
}

/**
 * A Worker for an entry file. A .ts entry gets a tiny bootstrap that
 * registers tsx in the thread first: Node 20 does not apply `--import tsx`
 * from execArgv to a worker's entry module. A bundled entry runs without
 * tsx (see {@link withoutTsx}) unless the caller passes its own execArgv.
 */
export function spawnWorker(file: string, options: WorkerOptions): Worker {
  if (!file.endsWith('.ts')) return newBundledWorker(file, options);
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(pathToFileURL(file).href)}); })
    .catch((e) => { setTimeout(() => { throw e; }); });`;
  return new Worker(boot, { ...options, eval: true });
}

/** esbuild's output per entry file and options (one bundle per process). */
const bundles = new Map<string, Promise<string | null>>();

/**
 * The entry `file` (.ts) and everything of ours it imports bundled into one
 * CommonJS script, npm packages left as `require` calls (the way
 * scripts/build.ts bundles the packaged app's workers), or null when esbuild
 * is not installed or cannot bundle it.
 */
function bundleSource(file: string, options: BuildOptions): Promise<string | null> {
  const key = `${file}\n${JSON.stringify(options)}`;
  let p = bundles.get(key);
  if (!p) {
    p = (async () => {
      try {
        // A development tool: absent from the packaged app, which runs bundled .cjs entries.
        const name = 'esbuild';
        const esbuild = (await import(/* @vite-ignore */ name)) as typeof import('esbuild');
        const r = await esbuild.build({
          bundle: true,
          platform: 'node',
          format: 'cjs',
          packages: 'external',
          define: { 'import.meta.url': '__import_meta_url' },
          ...options,
          entryPoints: [file],
          target: `node${process.versions.node.split('.')[0]}`,
          write: false,
          logLevel: 'silent',
        });
        return r.outputFiles[0]?.text ?? null;
      } catch {
        return null;
      }
    })();
    bundles.set(key, p);
  }
  return p;
}

/**
 * Like {@link spawnWorker}, but a .ts entry is first bundled (esbuild, with
 * `bundle` options such as those of bundle.ts) and run as a plain CommonJS
 * script, without tsx in the thread. From sources this makes a worker cost
 * what the packaged app's bundled one does: tsx's module hooks in a worker
 * add ~50 MB to loading @tensorflow/tfjs, and a thread of their own. Falls
 * back to {@link spawnWorker} when esbuild is unavailable or the entry does
 * not bundle (the worker then reports the error itself).
 */
export async function spawnBundledWorker(file: string, options: WorkerOptions, bundle: BuildOptions = {}): Promise<Worker> {
  if (!file.endsWith('.ts')) return spawnWorker(file, options);
  const code = await bundleSource(file, bundle);
  if (code == null) return spawnWorker(file, options);
  // The bundle runs as if it were `<entry>.cjs` beside the source: npm
  // packages resolve from there, and import.meta.url names that file.
  const filename = file.replace(/\.ts$/, '.cjs');
  const wrapped = `const { createRequire } = require('node:module');
const __filename_ = ${JSON.stringify(filename)};
const __import_meta_url = require('node:url').pathToFileURL(__filename_).href;
(function (require, __filename, __dirname) {
${code}
})(createRequire(__filename_), __filename_, ${JSON.stringify(path.dirname(filename))});`;
  return newBundledWorker(wrapped, { ...options, eval: true });
}

/**
 * A Worker on bundled code: execArgv inherited, minus tsx's loader (see
 * {@link withoutTsx}). Node refuses some inherited flags when execArgv is
 * given explicitly (process-wide ones such as --expose-gc:
 * ERR_WORKER_INVALID_EXEC_ARGV); a bundle needs none of them, so it then
 * starts with none.
 */
function newBundledWorker(code: string, options: WorkerOptions): Worker {
  if (options.execArgv) return new Worker(code, options);
  const argv = withoutTsx(process.execArgv);
  if (argv.length === process.execArgv.length) return new Worker(code, options);
  try {
    return new Worker(code, { ...options, execArgv: argv });
  } catch (e) {
    if ((e as { code?: string }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw e;
    return new Worker(code, { ...options, execArgv: [] });
  }
}
