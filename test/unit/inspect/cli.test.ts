/** `cli inspect`: the PNG files, --json, and clear messages for bad usage. */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../engine/cli';
import { decodePngRgba, encodePngRgba, pixelsToImage } from '../../../engine/inspect';
import { saveWeights } from '../../../engine/train/weights';
import { graph } from '../../helpers/graph-builder';
import { build, tf } from './helpers';

let dir: string;
const g = graph('cli net');
g.input([16, 16, 1]).conv2d({ filters: 4, kernel: [3, 3], activation: 'relu' }, { name: 'c1' }).maxPool2d().conv2d({ filters: 6, kernel: [3, 3], activation: 'relu' }, { name: 'c2' }).flatten().dense({ units: 3, activation: 'softmax' });

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) }, out, err };
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'cnnd-inspect-cli-'));
  writeFileSync(path.join(dir, 'net.cnnd'), JSON.stringify(g.doc));
  await saveWeights(tf, build(g.doc, 4).model, path.join(dir, 'w'));
  const img = Float32Array.from({ length: 256 }, (_, i) => ((i >> 4) + (i & 15)) / 30);
  writeFileSync(path.join(dir, 'img.png'), encodePngRgba(pixelsToImage(img, [16, 16, 1])));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('cli inspect', () => {
  it('writes feature-maps, filters, saliency, smoothgrad, gradcam and erf PNGs and lists them with --json', async () => {
    const c = io();
    const code = await runCli(['inspect', path.join(dir, 'net.cnnd'), '--weights', path.join(dir, 'w'), '--image', path.join(dir, 'img.png'), '--layer', 'c1', '--class', '2', '--samples', '3', '--out', path.join(dir, 'out'), '--json'], c.io);
    expect(c.err.join('')).toBe('');
    expect(code).toBe(0);
    const r = JSON.parse(c.out.join(''));
    expect(r.files.map((f: string) => path.basename(f))).toEqual(['feature-maps.png', 'filters.png', 'saliency.png', 'smoothgrad.png', 'gradcam.png', 'erf.png']);
    for (const f of r.files) expect(decodePngRgba(readFileSync(f)).width).toBeGreaterThan(0);
    expect(existsSync(path.join(dir, 'out', 'input.png'))).toBe(true);
    expect(r.layer).toBe('c1');
    // 4 maps of 16×16 ('same') at 4× in a 2×2 grid with 2-px gaps: 2 + 2·(64 + 2) = 134.
    expect(r.pictures[0]).toMatchObject({ width: 134, height: 134 });
    expect(r.pictures[4].caption).toMatch(/^Grad-CAM for class 2 at c1/);
  });

  it('says what is missing or wrong', async () => {
    let c = io();
    expect(await runCli(['inspect', path.join(dir, 'net.cnnd'), '--out', path.join(dir, 'o2')], c.io)).toBe(2);
    expect(c.err.join('')).toMatch(/give exactly one of --image IMG or --sample SPEC#INDEX/);
    c = io();
    expect(await runCli(['inspect', path.join(dir, 'net.cnnd'), '--image', path.join(dir, 'img.png'), '--out', path.join(dir, 'o2'), '--views', 'activations,colours'], c.io)).toBe(2);
    expect(c.err.join('')).toMatch(/unknown view 'colours'/);
    c = io();
    expect(await runCli(['inspect', path.join(dir, 'net.cnnd'), '--image', path.join(dir, 'img.png'), '--out', path.join(dir, 'o2'), '--layer', 'nope'], c.io)).toBe(1);
    expect(c.err.join('')).toMatch(/there is no layer 'nope'/);
    c = io();
    expect(await runCli(['inspect', path.join(dir, 'net.cnnd'), '--image', path.join(dir, 'missing.png'), '--out', path.join(dir, 'o2')], c.io)).toBe(1);
    expect(c.err.join('')).toMatch(/missing\.png/);
  });

  it('without --weights inspects the freshly initialised network and says so; --maximize writes maximize.png', async () => {
    const c = io();
    const code = await runCli(['inspect', path.join(dir, 'net.cnnd'), '--image', path.join(dir, 'img.png'), '--views', 'filters', '--maximize', '1', '--steps', '5', '--out', path.join(dir, 'o3')], c.io);
    expect(code).toBe(0);
    const text = c.out.join('\n');
    expect(text).toMatch(/note: no --weights: the network has random/);
    expect(existsSync(path.join(dir, 'o3', 'maximize.png'))).toBe(true);
    expect(existsSync(path.join(dir, 'o3', 'saliency.png'))).toBe(false);
  });
});
