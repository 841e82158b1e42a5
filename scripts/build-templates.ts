/**
 * Writes templates/*.json (one graph document per template) and
 * templates/catalog.json from engine/templates/build/. Run:
 *   npx tsx scripts/build-templates.ts
 * The output is deterministic; test/unit/templates/generator.test.ts checks
 * that the committed files equal what this script writes.
 */
import { mkdirSync, writeFileSync, renameSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderTemplateFiles } from '../engine/templates/build/index';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
for (const [rel, text] of renderTemplateFiles()) {
  const path = join(root, rel);
  mkdirSync(dirname(path), { recursive: true });
  // Atomic: a reader never sees a half-written template.
  writeFileSync(path + '.tmp', text);
  renameSync(path + '.tmp', path);
  console.log(`${rel}  ${(text.length / 1024).toFixed(1)} KB`);
}
