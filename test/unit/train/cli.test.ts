/**
 * The train / evaluate / predict commands: one real `npm run cli -- train
 * --json` process on the built-in set, then evaluate and predict in-process
 * on the weights it wrote; usage errors name the option and value.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../engine/cli';
import { encodePng, openDataset } from '../../../engine/data';
import { SMALL_SPEC, smallCnn } from './helpers';

const run = promisify(execFile);
let dir: string;
let docFile: string;
let out: string;

function capture() {
  const o = { out: '', err: '' };
  return { io: { out: (t: string) => void (o.out += t + '\n'), err: (t: string) => void (o.err += t + '\n') }, o };
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'cnnd-cli-'));
  docFile = path.join(dir, 'small.json');
  writeFileSync(docFile, JSON.stringify(smallCnn([20, 20, 1], 3)));
  out = path.join(dir, 'weights');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('cli train / evaluate / predict', () => {
  it('train --json streams JSON lines, reaches well above chance and writes TF.js weights', async () => {
    const { stdout } = await run('npm', ['run', '--silent', 'cli', '--', 'train', docFile, '--data', SMALL_SPEC, '--epochs', '6', '--lr', '0.005', '--out', out, '--json'], {
      cwd: path.resolve(__dirname, '../../..'),
      maxBuffer: 64 << 20,
    });
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.event === 'epoch').map((l) => l.epoch)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(lines.filter((l) => l.event === 'batch').length).toBe(6 * Math.ceil(1800 / 32));
    const done = lines.at(-1);
    expect(done.event).toBe('done');
    expect(done.test.count).toBe(300);
    expect(done.test.accuracy).toBeGreaterThan(0.5); // chance: 1/3
    const model = JSON.parse(readFileSync(path.join(out, 'model.json'), 'utf8'));
    expect(model.weightsManifest[0].paths).toEqual(['weights.bin']);
    expect(JSON.parse(readFileSync(path.join(out, 'training.json'), 'utf8')).classNames).toEqual(['circle', 'square', 'triangle']);
  });

  it('evaluate reproduces the test accuracy train reported, and predict labels an image', async () => {
    const done = JSON.parse(readFileSync(path.join(out, 'training.json'), 'utf8')).test;
    const c = capture();
    expect(await runCli(['evaluate', docFile, '--weights', out, '--data', SMALL_SPEC, '--json'], c.io)).toBe(0);
    const rep = JSON.parse(c.o.out);
    expect(rep.accuracy).toBeCloseTo(done.accuracy, 10);
    const t = capture();
    expect(await runCli(['evaluate', docFile, '--weights', out, '--data', SMALL_SPEC], t.io)).toBe(0);
    expect(t.o.out).toMatch(/Test accuracy: \d+\.\d\d% on 300 images/);
    expect(t.o.out).toMatch(/Confusion matrix/);

    const ds = await openDataset(SMALL_SPEC);
    const s = await ds.sample('test', 0);
    await ds.close();
    const img = path.join(dir, 'img.png');
    writeFileSync(img, encodePng(s.pixels, s.shape, 3)); // 60×60: predict resizes to 20×20
    const p = capture();
    expect(await runCli(['predict', docFile, '--weights', out, img, '--top', '2', '--json'], p.io)).toBe(0);
    const pred = JSON.parse(p.o.out);
    expect(pred.top).toHaveLength(2);
    expect(['circle', 'square', 'triangle']).toContain(pred.top[0].name);
    expect(pred.top[0].probability).toBeGreaterThanOrEqual(pred.top[1].probability);
  });

  it('usage and input errors are clear', async () => {
    const cases: [string[], number, RegExp][] = [
      [['train', docFile], 2, /missing --data SPEC/],
      [['train', docFile, '--data', SMALL_SPEC, '--epochs', 'ten'], 2, /--epochs must be a whole number from 1 .*received 'ten'/],
      [['train', docFile, '--data', SMALL_SPEC, '--optimizer', 'lbfgs'], 2, /--optimizer must be one of sgd, adam, rmsprop; received 'lbfgs'/],
      [['train', docFile, '--data', SMALL_SPEC, '--bogus'], 2, /unknown option --bogus/],
      [['train', path.join(dir, 'nope.json'), '--data', SMALL_SPEC], 1, /nope\.json does not exist/],
      [['train', docFile, '--data', 'mnist:/no/such/dir'], 1, /\/no\/such\/dir/],
      [['evaluate', docFile, '--weights', path.join(dir, 'none'), '--data', SMALL_SPEC], 1, /model\.json does not exist/],
      [['predict', docFile, '--weights', out, path.join(dir, 'none.png')], 1, /the image .*none\.png does not exist/],
    ];
    for (const [args, code, msg] of cases) {
      const c = capture();
      expect(await runCli(args, c.io), args.join(' ')).toBe(code);
      expect(c.o.err).toMatch(msg);
    }
  });

  it('a network that does not fit the data is refused with the fix', async () => {
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify(smallCnn([28, 28, 1], 3)));
    const c = capture();
    expect(await runCli(['train', bad, '--data', SMALL_SPEC, '--epochs', '1'], c.io)).toBe(1);
    expect(c.o.err).toMatch(/images are 20×20×1 but the network's Input is 28×28×1.*--resize converts/);
  });
});
