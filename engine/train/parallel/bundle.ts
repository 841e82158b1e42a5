/**
 * How the replica thread of data-parallel training (replica-worker.ts) is
 * bundled: by scripts/build.ts for the packaged app, and by spawn.ts when
 * running from sources, so that both run the same code in the same way.
 *
 * The replica loads @tensorflow/tfjs's Node entry (tfjs-core's gradients and
 * chained ops are registered there) but not the packages it never uses in
 * that thread — tfjs-converter, tfjs-data, tfjs-backend-webgl and (unless the
 * run is on the cpu backend, see replica-worker.ts) tfjs-backend-cpu — which
 * would cost every replica ~20 MB of V8 heap. tfjs-core, tfjs-layers and the
 * backends stay ordinary `require`s of the installed packages, so the
 * replica's tfjs-core is the one its backend registers on. The bundle is
 * minified (its source stays in the replica's heap).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildOptions } from 'esbuild';

/** Packages a replica thread never uses: replaced by an empty module in its bundle. */
export const REPLICA_UNUSED_PACKAGES = ['@tensorflow/tfjs-converter', '@tensorflow/tfjs-data', '@tensorflow/tfjs-backend-webgl', '@tensorflow/tfjs-backend-cpu'] as const;

/**
 * esbuild options for the replica-worker bundle (CommonJS, npm packages
 * external except @tensorflow/tfjs's Node entry, which is bundled with the
 * unused packages above replaced). `here` is this folder
 * (engine/train/parallel) in the sources.
 */
export function replicaBundleOptions(here: string): BuildOptions {
  const req = createRequire(path.join(here, 'bundle.ts'));
  const stub = path.join(here, 'tfjs-unused.ts');
  return {
    entryPoints: [path.join(here, 'replica-worker.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    packages: 'external',
    // Minified and pure ASCII: V8 keeps every script's source for lazy
    // compilation, as two-byte strings when one character is not Latin-1
    // (our comments' ×, →, …): −5 to −6 MB of RSS per replica (28×28 net,
    // three alternations of start + 10 steps).
    minify: true,
    charset: 'ascii',
    alias: {
      '@tensorflow/tfjs': req.resolve('@tensorflow/tfjs'),
      ...Object.fromEntries(REPLICA_UNUSED_PACKAGES.map((p) => [p, stub])),
    },
    define: { 'import.meta.url': '__import_meta_url' },
  };
}

/** This folder in the sources (engine/train/parallel), when running from them. */
export const PARALLEL_DIR = path.dirname(fileURLToPath(import.meta.url));
