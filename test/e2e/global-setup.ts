/**
 * Build the renderer once before the end-to-end tests, so they always run
 * against the current sources. The build goes to a folder of this run's own
 * (test-results/renderer-PID), so a test run never serves a half-written
 * build of another run or of `npm run build`; it is removed afterwards.
 * E2E_SKIP_BUILD=1 reuses dist/renderer instead.
 */
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './host';

export default async function globalSetup(): Promise<() => void> {
  if (process.env.E2E_SKIP_BUILD === '1' && existsSync(path.join(ROOT, 'dist', 'renderer', 'index.html'))) {
    process.env.E2E_RENDERER_DIR = path.join(ROOT, 'dist', 'renderer');
    return () => undefined;
  }
  const outDir = path.join(ROOT, 'test-results', `renderer-${process.pid}`);
  const { build } = await import('vite');
  await build({ configFile: path.join(ROOT, 'vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true, sourcemap: false } });
  process.env.E2E_RENDERER_DIR = outDir;
  return () => rmSync(outDir, { recursive: true, force: true });
}
