/** The `export` and `import` commands: usage errors, files written, the document referencing imported weights. */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runExport } from '../../../engine/cli/export';
import { runImport } from '../../../engine/cli/import';
import { COMMANDS } from '../../../engine/cli/registry';

const dir = mkdtempSync(path.join(tmpdir(), 'cnnd-cli-export-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) } };
}

describe('cli export / import', () => {
  it('are registered', () => {
    expect(COMMANDS.map((c) => c.name)).toEqual(expect.arrayContaining(['export', 'import']));
  });

  it.each([
    [['templates/mnist-cnn.json', '--out', 'x'], /missing --format/],
    [['templates/mnist-cnn.json', '--format', 'caffe', '--out', 'x'], /one of tfjs, onnx, keras, pytorch; received caffe/],
    [['--format', 'onnx', '--out', 'x'], /expected one FILE/],
    [['templates/mnist-cnn.json', '--format', 'onnx'], /missing --out/],
  ])('export usage error %j', async (args, msg) => {
    const c = io();
    expect(await runExport(args, c.io)).toBe(2);
    expect(c.err.join('\n')).toMatch(msg);
  });

  it('export refuses a document without weights unless --random, then tfjs → import → export onnx with the imported weights', async () => {
    const c = io();
    expect(await runExport(['templates/mnist-cnn.json', '--format', 'onnx', '--out', path.join(dir, 'o')], c.io)).toBe(1);
    expect(c.err.join('\n')).toMatch(/no trained weights; pass --weights DIR, or --random/);

    const t = io();
    expect(await runExport(['templates/mnist-cnn.json', '--format', 'tfjs', '--out', path.join(dir, 'tfjs'), '--random', '--json'], t.io)).toBe(0);
    const r = JSON.parse(t.out[0]);
    expect(r.files.map((f: string) => path.basename(f))).toEqual(['model.json', 'weights.bin']);

    const i = io();
    const docFile = path.join(dir, 'imported.json');
    expect(await runImport([path.join(dir, 'tfjs', 'model.json'), '--out', docFile, '--json'], i.io)).toBe(0);
    const info = JSON.parse(i.out[0]);
    expect(info.params).toBe(225_034);
    expect(JSON.parse(readFileSync(docFile, 'utf8')).weights.path).toBe('tfjs/model.json');

    const o = io();
    expect(await runExport([docFile, '--format', 'onnx', '--out', path.join(dir, 'onnx')], o.io)).toBe(0);
    expect(existsSync(path.join(dir, 'onnx', 'model.onnx'))).toBe(true);
    expect(o.out.join('\n')).not.toMatch(/random/);
  }, 60_000);

  it('import names what is wrong', async () => {
    const c = io();
    expect(await runImport(['templates/mnist-cnn.json', '--out', path.join(dir, 'bad.json')], c.io)).toBe(1);
    expect(c.err.join('\n')).toMatch(/not a Keras \/ TF.js Layers model/);
    expect(existsSync(path.join(dir, 'bad.json'))).toBe(false);
  });
});
