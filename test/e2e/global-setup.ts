/**
 * Build the renderer once before the end-to-end tests, so they always run
 * against the current sources (set E2E_SKIP_BUILD=1 to reuse dist/renderer).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export default async function globalSetup(): Promise<void> {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  if (process.env.E2E_SKIP_BUILD === '1' && existsSync(path.join(root, 'dist', 'renderer', 'index.html'))) return;
  const { build } = await import('vite');
  await build({ configFile: path.join(root, 'vite.config.ts'), logLevel: 'warn' });
}
