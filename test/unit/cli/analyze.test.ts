import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../engine/cli';
import { graph } from '../../helpers/graph-builder';

let dir: string;
let lenet: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'cli-'));
  // LeNet-5 as in most Keras tutorials; Keras' model.summary() gives
  // 156, 0, 2,416, 0, 0, 48,120, 10,164, 850 = 61,706 parameters.
  const g = graph('LeNet-5');
  g.input([28, 28, 1], { name: 'input' })
    .conv2d({ filters: 6, kernel: 5, padding: 'same', activation: 'tanh' }, { name: 'c1' })
    .avgPool2d({ pool: 2 }, { name: 's2' })
    .conv2d({ filters: 16, kernel: 5, padding: 'valid', activation: 'tanh' }, { name: 'c3' })
    .avgPool2d({ pool: 2 }, { name: 's4' })
    .flatten({}, { name: 'flatten' })
    .dense({ units: 120, activation: 'tanh' }, { name: 'c5' })
    .dense({ units: 84, activation: 'tanh' }, { name: 'f6' })
    .dense({ units: 10, activation: 'softmax' }, { name: 'output' });
  lenet = path.join(dir, 'lenet.json');
  writeFileSync(lenet, JSON.stringify(g.doc));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (t) => (out += t.endsWith('\n') ? t : t + '\n'), err: (t) => (err += t.endsWith('\n') ? t : t + '\n') });
  return { code, out, err };
}

describe('cli', () => {
  it('help lists the commands; unknown commands fail with the list', async () => {
    const h = await run('help');
    expect(h.code).toBe(0);
    expect(h.out).toMatch(/^  analyze +Shapes, parameters/m);
    expect(h.out).toMatch(/^  help /m);
    const u = await run('frobnicate');
    expect(u.code).toBe(2);
    expect(u.err).toMatch(/Unknown command "frobnicate"/);
    expect((await run('help', 'analyze')).out).toMatch(/^Usage: cli analyze FILE/);
  });

  it('analyze prints a model.summary()-style table with the totals', async () => {
    const r = await run('analyze', lenet);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Model: "LeNet-5"/);
    expect(r.out).toMatch(/^c1 \(Conv2D\) +28×28×6 +156 +\(5×5×1 \+ 1\) × 6 = 156 +5×5 \/1/m);
    expect(r.out).toMatch(/^c3 \(Conv2D\) +10×10×16 +2,416 /m);
    expect(r.out).toMatch(/^c5 \(Dense\) +120 +48,120 +\(400 \+ 1\) × 120 = 48,120 +global/m);
    expect(r.out).toContain('Total params: 61,706 (241.04 KB)');
    expect(r.out).toContain('Trainable params: 61,706');
    expect(r.out).toContain('Non-trainable params: 0');
  });

  it('analyze --json has the totals and, per node, id, name, type, shape, params, receptive field, errors', async () => {
    const r = await run('analyze', lenet, '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.totals).toMatchObject({ params: 61_706, trainable: 61_706, nonTrainable: 0, bytes: 61_706 * 4 });
    expect(j.totals.macs).toBeGreaterThan(0);
    expect(j.nodes.map((n: { params: number }) => n.params)).toEqual([0, 156, 0, 2416, 0, 0, 48_120, 10_164, 850]);
    const c3 = j.nodes.find((n: { name: string }) => n.name === 'c3');
    expect(c3).toMatchObject({ type: 'conv2d', outputShape: [10, 10, 16], receptiveField: { size: [14, 14], stride: [2, 2] }, errors: [] });
    expect(typeof c3.id).toBe('string');
  });

  it('errors in the network appear on their node; --strict makes them an exit code', async () => {
    const g = graph('bad');
    g.input([4, 4, 1]).conv2d({ kernel: 7, padding: 'valid' }, { name: 'big' }).relu();
    const f = path.join(dir, 'bad.json');
    writeFileSync(f, JSON.stringify(g.doc));
    const r = await run('analyze', f, '--json');
    expect(r.code).toBe(0);
    const big = JSON.parse(r.out).nodes.find((n: { name: string }) => n.name === 'big');
    expect(big.errors[0]).toMatchObject({ code: 'E003' });
    expect((await run('analyze', f, '--strict')).code).toBe(3);
    expect((await run('analyze', f)).out).toMatch(/✗ E003 big: Conv2D: kernel 7 is larger than its input height 4/);
  });

  it('an invalid file exits 1 with a message naming the file and the field', async () => {
    const f = path.join(dir, 'invalid.json');
    writeFileSync(f, JSON.stringify({ format: 'cnn-designer.graph', version: 1, name: 'x', nodes: [{ id: 'a', type: 'conv2d', params: { kernel: -1 } }], edges: [] }));
    const r = await run('analyze', f);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toBe(`analyze: ${f}: nodes[0] (id "a").params.kernel: must be at least 1; received -1\n`);
    expect((await run('analyze', path.join(dir, 'nope.json'))).err).toMatch(/nope\.json does not exist/);
    expect((await run('analyze')).code).toBe(2);
    expect((await run('analyze', lenet, '--bogus')).code).toBe(2);
  });

  it('runs as `npm run --silent cli -- analyze FILE --json` with no build step', () => {
    const p = spawnSync('npm', ['run', '--silent', 'cli', '--', 'analyze', lenet, '--json'], { encoding: 'utf8', timeout: 120_000 });
    expect(p.status).toBe(0);
    expect(JSON.parse(p.stdout).totals.params).toBe(61_706);
    const bad = spawnSync('npm', ['run', '--silent', 'cli', '--', 'analyze', path.join(dir, 'nope.json')], { encoding: 'utf8', timeout: 120_000 });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/does not exist/);
    const stdin = spawnSync('npm', ['run', '--silent', 'cli', '--', 'analyze', '-'], { encoding: 'utf8', timeout: 120_000, input: '{"format": "cnn-designer.graph", "version": 1, "name": "x", "nodes": [], "edges": 3}' });
    expect(stdin.status).toBe(1);
    expect(stdin.stderr).toBe('analyze: standard input: edges: must be a list; received 3\n');
  });
});
