import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { describeDataset, detectDataset, encodePng, formatSpec, listBuiltinDatasets, listDatasetChoices, openDataset, parseSpec, previewDataset } from '../../../engine/data';
import { tempDir, writeCifarSet, writeIdxSet } from './helpers';

function decodeDataUrl(url: string): PNG {
  expect(url.startsWith('data:image/png;base64,')).toBe(true);
  return PNG.sync.read(Buffer.from(url.slice('data:image/png;base64,'.length), 'base64'));
}

describe('previews for the picker', () => {
  it('gives perClass samples per class, each a PNG of the sample, with counts', async () => {
    const ds = await openDataset('builtin:shapes?n=60&test=12&size=16&channels=3');
    const pv = await previewDataset(ds, 3, { scale: 2 });
    expect(pv.classes.map((c) => c.name)).toEqual(ds.classNames);
    expect(pv.counts).toEqual({ train: 60, test: 12 });
    for (const c of pv.classes) {
      expect(c.counts).toEqual({ train: 10, test: 2 });
      expect(c.samples.length).toBe(3);
      for (const s of c.samples) {
        const png = decodeDataUrl(s.dataUrl);
        expect([png.width, png.height, s.width, s.height]).toEqual([32, 32, 32, 32]);
        const ref = await ds.sample('train', s.index);
        expect(ref.label).toBe(c.label);
        // Pixel (y, x) of the sample is the 2×2 block at (2y, 2x) of the PNG.
        for (const [y, x] of [[0, 0], [7, 9], [15, 15]]) {
          for (let ch = 0; ch < 3; ch++) {
            const want = Math.round(ref.pixels[(y * 16 + x) * 3 + ch] * 255);
            expect(png.data[((2 * y + 1) * 32 + 2 * x + 1) * 4 + ch]).toBe(want);
          }
        }
      }
    }
    // Fewer samples than asked when a class is small; JSON-safe summary.
    const few = await previewDataset(await openDataset('builtin:shapes?n=12&test=10&size=8&classes=2'), 10, { split: 'test' });
    expect(few.classes.map((c) => c.samples.length)).toEqual([5, 5]);
    expect(JSON.parse(JSON.stringify(describeDataset(ds)))).toEqual(describeDataset(ds));
  });

  it('encodePng writes grey as equal RGB and scales by whole pixels', () => {
    const png = PNG.sync.read(Buffer.from(encodePng(Uint8Array.of(0, 128, 255, 7), [2, 2, 1], 3)));
    expect([png.width, png.height]).toEqual([6, 6]);
    expect(Array.from(png.data.subarray(0, 4))).toEqual([0, 0, 0, 255]);
    expect(Array.from(png.data.subarray(4 * 3, 4 * 3 + 4))).toEqual([128, 128, 128, 255]);
    expect(Array.from(png.data.subarray((5 * 6 + 5) * 4, (5 * 6 + 5) * 4 + 4))).toEqual([7, 7, 7, 255]);
  });
});

describe('specs and the list of choices', () => {
  it('parses kind, target and options; formats them canonically', () => {
    expect(parseSpec('Folder:/a b/c?size=64&seed=2')).toEqual({ kind: 'folder', target: '/a b/c', params: { size: '64', seed: '2' } });
    expect(parseSpec('folder:/what?/dir')).toEqual({ kind: 'folder', target: '/what?/dir', params: {} });
    expect(parseSpec('folder:C:\\data\\pets')).toEqual({ kind: 'folder', target: 'C:\\data\\pets', params: {} });
    expect(formatSpec(parseSpec('builtin:shapes?size=32&channels=3'))).toBe('builtin:shapes?channels=3&size=32');
    expect(() => parseSpec('/usr/share/datasets')).toThrow(/has no kind\. Write it as KIND:WHAT/);
  });

  it('an unknown kind lists the known ones', async () => {
    await expect(openDataset('imagenet:/data')).rejects.toThrow(/unknown kind "imagenet"\. Known kinds: builtin, fashion-mnist, mnist, cifar10, folder/);
  });

  it('every built-in choice opens', async () => {
    const list = listBuiltinDatasets();
    expect(list.length).toBeGreaterThanOrEqual(2);
    for (const c of list) {
      expect(c.ready).toBe(true);
      const ds = await openDataset(c.spec);
      expect(ds.spec).toBe(c.spec);
      expect(ds.counts.train).toBeGreaterThan(0);
    }
  });

  it('offers each file format, and Fashion-MNIST where Debian installs it', async () => {
    const all = await listDatasetChoices();
    for (const k of ['fashion-mnist', 'mnist', 'cifar10', 'folder']) expect(all.some((c) => c.spec === `${k}:DIR` && !c.ready && c.expects)).toBe(true);
    const installed = existsSync('/usr/share/datasets/fashion-mnist');
    expect(all.some((c) => c.spec === 'fashion-mnist:/usr/share/datasets/fashion-mnist' && c.ready)).toBe(installed);
  });
});

describe('detectDataset (the picker, after the user chose a directory)', () => {
  it('recognises each format and ranks MNIST/Fashion-MNIST by the path', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const fashion = path.join(dir, 'my-fashion');
      writeIdxSet(fashion, { gzip: true });
      expect((await detectDataset(fashion)).map((d) => d.spec)).toEqual([`fashion-mnist:${fashion}`, `mnist:${fashion}`]);
      const digits = path.join(dir, 'digits');
      writeIdxSet(digits);
      const d = await detectDataset(digits);
      expect(d.map((x) => x.spec)).toEqual([`mnist:${digits}`, `fashion-mnist:${digits}`]);
      expect(d[0].reason).toBe('holds train-images-idx3-ubyte');
      // Every guess opens.
      for (const x of d) await (await openDataset(x.spec)).close();
      const cifar = path.join(dir, 'c');
      writeCifarSet(path.join(cifar, 'cifar-10-batches-bin'));
      expect((await detectDataset(cifar)).map((x) => x.spec)).toEqual([`cifar10:${cifar}`]);
      expect((await detectDataset(path.join(cifar, 'cifar-10-batches-bin')))[0].spec).toBe(`cifar10:${path.join(cifar, 'cifar-10-batches-bin')}`);
      const imgs = path.join(dir, 'pets');
      for (const c of ['cat', 'dog']) {
        mkdirSync(path.join(imgs, c), { recursive: true });
        writeFileSync(path.join(imgs, c, 'a.PNG'), encodePng(Uint8Array.of(1, 2, 3, 4), [2, 2, 1]));
      }
      expect(await detectDataset(imgs)).toEqual([{ spec: `folder:${imgs}`, name: 'Image folder', reason: 'cat/ holds a.PNG' }]);
      expect(await detectDataset(path.join(dir, 'nothing-here'))).toEqual([]);
      expect(await detectDataset(path.join(imgs, 'cat'))).toEqual([]);
    } finally {
      cleanup();
    }
  });
});
