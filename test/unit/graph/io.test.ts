import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync, truncateSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadGraphFile, saveGraphFile, MAX_FILE_BYTES } from '../../../engine/graph/io';
import { graph } from '../../helpers/graph-builder';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'graph-io-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const doc = () => {
  const g = graph('io test');
  g.input([32, 32, 3]).conv2d({ filters: 4 }).flatten().dense({ units: 2 });
  return g.doc;
};

describe('saveGraphFile / loadGraphFile', () => {
  it('round-trips a document; the file is pretty JSON ending in a newline', async () => {
    const file = path.join(dir, 'net.json');
    await saveGraphFile(file, doc());
    const text = readFileSync(file, 'utf8');
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).toContain('\n  "nodes": [');
    const r = await loadGraphFile(file);
    expect(r.ok && r.value).toEqual(doc());
    expect(readdirSync(dir)).toEqual(['net.json']); // no temp file left
  });

  it('overwrites atomically and leaves the old file when the write fails', async () => {
    const file = path.join(dir, 'net.json');
    await saveGraphFile(file, doc());
    const before = readFileSync(file, 'utf8');
    // rename() onto a non-empty directory fails: the old content must survive.
    const target = path.join(dir, 'folder.json');
    mkdirSync(target);
    writeFileSync(path.join(target, 'x'), '');
    await expect(saveGraphFile(target, doc())).rejects.toThrow(/^Could not save .*folder\.json/);
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(readdirSync(dir).sort()).toEqual(['folder.json', 'net.json']); // temp file removed
  });

  it('a missing folder gives a plain message', async () => {
    await expect(saveGraphFile(path.join(dir, 'nope', 'net.json'), doc())).rejects.toThrow(/the folder does not exist/);
  });

  it('load errors name the file', async () => {
    const missing = await loadGraphFile(path.join(dir, 'missing.json'));
    expect(!missing.ok && missing.message).toMatch(/missing\.json does not exist$/);

    const folder = await loadGraphFile(dir);
    expect(!folder.ok && folder.message).toMatch(/is a folder, not a graph file/);

    const broken = path.join(dir, 'broken.json');
    writeFileSync(broken, '{"format": "cnn-designer.graph", "version": 1,,}');
    const r = await loadGraphFile(broken);
    expect(!r.ok && r.message).toMatch(/broken\.json: Not valid JSON: .*position/);

    const wrong = path.join(dir, 'wrong.json');
    const d = doc() as unknown as { nodes: { params: Record<string, unknown> }[] };
    d.nodes[1].params.filters = -4;
    writeFileSync(wrong, JSON.stringify(d));
    const w = await loadGraphFile(wrong);
    expect(!w.ok && w.message).toBe(`${wrong}: nodes[1] (id "n2").params.filters: must be at least 1; received -4`);
  });

  it('refuses a huge file without reading it', async () => {
    const big = path.join(dir, 'big.json');
    writeFileSync(big, '');
    truncateSync(big, MAX_FILE_BYTES + 1); // sparse: no real disk use
    const r = await loadGraphFile(big);
    expect(!r.ok && r.message).toMatch(/a graph file is at most 64 MB/);
  });

  it('accepts a UTF-8 byte-order mark', async () => {
    const file = path.join(dir, 'bom.json');
    writeFileSync(file, '\uFEFF' + JSON.stringify(doc()));
    expect((await loadGraphFile(file)).ok).toBe(true);
  });

  it.skipIf(process.getuid?.() === 0)('an unreadable file', async () => {
    const file = path.join(dir, 'secret.json');
    writeFileSync(file, JSON.stringify(doc()));
    chmodSync(file, 0o000);
    const r = await loadGraphFile(file);
    expect(!r.ok && r.message).toMatch(/permission denied/);
  });
});
