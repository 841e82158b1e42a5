/**
 * The committed templates are exactly what the generator writes: re-run it in
 * memory and compare byte for byte (run `npx tsx scripts/build-templates.ts`
 * after changing engine/templates/build/).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderTemplateFiles, TEMPLATE_SOURCES } from '../../../engine/templates/build/index';
import { listTemplates } from '../../../engine/templates/index';

const root = join(__dirname, '..', '..', '..');
const files = renderTemplateFiles();

describe('template generator', () => {
  it.each([...files.keys()])('%s is up to date', (rel) => {
    const committed = readFileSync(join(root, rel), 'utf8');
    // toBe on the whole text would print 200 KB on failure; compare lines for a readable diff.
    expect(committed === files.get(rel), `${rel} differs from the generator output; run: npx tsx scripts/build-templates.ts`).toBe(true);
  });

  it('templates/ holds exactly the generated documents', () => {
    const onDisk = readdirSync(join(root, 'templates')).filter((f) => f.endsWith('.json')).sort();
    const generated = [...files.keys()].filter((k) => k.startsWith('templates/')).map((k) => k.slice('templates/'.length)).sort();
    expect(onDisk).toEqual(generated);
  });

  it('is deterministic', () => {
    const again = renderTemplateFiles();
    for (const [k, v] of files) expect(again.get(k) === v, k).toBe(true);
  });

  it('catalog lists every template once, in generator order', () => {
    expect(listTemplates().map((t) => t.id)).toEqual(TEMPLATE_SOURCES.map((t) => t.id));
    expect(new Set(listTemplates().map((t) => t.id)).size).toBe(TEMPLATE_SOURCES.length);
  });

  it('lays nodes out top to bottom: every edge points downwards, no two nodes overlap', () => {
    for (const t of TEMPLATE_SOURCES) {
      const doc = t.build();
      const pos = new Map(doc.nodes.map((n) => [n.id, n.position]));
      for (const e of doc.edges) expect(pos.get(e.target)!.y, `${t.id}: ${e.id}`).toBeGreaterThan(pos.get(e.source)!.y);
      const seen = new Set<string>();
      for (const n of doc.nodes) {
        const key = `${n.position.x},${n.position.y}`;
        expect(seen.has(key), `${t.id}: ${n.id} overlaps another node at ${key}`).toBe(false);
        seen.add(key);
      }
    }
  });

  it('node ids are the layer names, unique, without "/" (a scope separator in TF.js)', () => {
    for (const t of TEMPLATE_SOURCES) {
      const doc = t.build();
      for (const n of doc.nodes) {
        expect(n.name).toBe(n.id);
        expect(n.id).not.toContain('/');
      }
      expect(new Set(doc.nodes.map((n) => n.id)).size).toBe(doc.nodes.length);
    }
  });
});
