import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetError, decodeImage, openDataset, previewDataset } from '../../../engine/data';
import { collect, tempDir } from './helpers';

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  tmp = tempDir();
});
afterAll(() => tmp.cleanup());

/** A w×h RGB pattern that depends on the image id, so any mix-up shows. */
function pattern(id: number, w: number, h: number): Buffer {
  const b = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) b[(y * w + x) * 3 + c] = (id * 29 + y * 17 + x * 9 + c * 70) % 256;
  return b;
}

async function writeImage(file: string, id: number, o: { w?: number; h?: number; format?: 'png' | 'jpeg'; grey?: boolean } = {}) {
  const { w = 8, h = 6, format = 'png' } = o;
  mkdirSync(path.dirname(file), { recursive: true });
  let img = sharp(pattern(id, w, h), { raw: { width: w, height: h, channels: 3 } });
  if (o.grey) img = img.toColourspace('b-w');
  await (format === 'png' ? img.png() : img.jpeg({ quality: 95, chromaSubsampling: '4:4:4' })).toFile(file);
}

/** classes × perClass PNGs named NN.png under dir/<class>/. Returns id of each file. */
async function writeFolder(dir: string, classes: string[], perClass: number, o: Parameters<typeof writeImage>[2] = {}) {
  const ids = new Map<string, number>();
  let id = 0;
  for (const c of classes) {
    for (let i = 0; i < perClass; i++) {
      const f = path.join(dir, c, `${String(i).padStart(2, '0')}.${o.format === 'jpeg' ? 'jpg' : 'png'}`);
      await writeImage(f, id, o);
      ids.set(f, id++);
    }
  }
  return ids;
}

async function openError(spec: string, opts = {}): Promise<DatasetError> {
  const e = await openDataset(spec, opts).then(
    () => null,
    (x) => x,
  );
  expect(e).toBeInstanceOf(DatasetError);
  return e;
}

describe('image folders', () => {
  let dir: string;
  beforeAll(async () => {
    dir = path.join(tmp.dir, 'three');
    await writeFolder(dir, ['cat', 'dog', 'emu'], 5);
    writeFileSync(path.join(dir, 'cat', 'notes.txt'), 'not an image, ignored');
    mkdirSync(path.join(dir, '.thumbnails'));
  });

  it('classes from subfolders, size and channels from the images, a stratified seeded split', async () => {
    const ds = await openDataset(`folder:${dir}`);
    expect(ds.classNames).toEqual(['cat', 'dog', 'emu']);
    expect(ds.inputShape).toEqual([6, 8, 3]);
    expect(ds.counts).toEqual({ train: 12, test: 3 });
    expect(ds.classCounts).toEqual({ train: [4, 4, 4], test: [1, 1, 1] });
    expect(ds.skipped).toEqual([]);
    const again = await openDataset(`folder:${dir}?seed=0`);
    expect(Array.from(await again.labels('test'))).toEqual(Array.from(await ds.labels('test')));
    await again.close();
    await ds.close();
  });

  it('decodes PNGs to their exact pixels, and each sample comes from its class folder', async () => {
    const ds = await openDataset(`folder:${dir}?test=0`);
    expect(ds.counts).toEqual({ train: 15, test: 0 });
    const [b] = await collect(ds.batches('train', { batchSize: 15 }));
    // Files are in name order: cat/00…04, dog/00…04, emu/00…04 → ids 0…14.
    const labels = Array.from(b.labels);
    expect(labels).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2]);
    for (let k = 0; k < 15; k++) {
      const want = pattern(k, 8, 6);
      for (let i = 0; i < want.length; i += 13) expect(b.xs[k * 144 + i]).toBe(Math.fround(want[i] / 255));
    }
    expect(ds.stats.samplesRead).toBe(15);
    // A second pass comes from the decode cache.
    await collect(ds.batches('train', { batchSize: 4 }));
    expect(ds.stats.samplesRead).toBe(15);
    expect(ds.stats.residentBytes).toBe(15 * 144);
    await ds.close();
    expect(ds.stats.residentBytes).toBe(0);
  });

  it('size, channels and fit options; a different seed changes the split', async () => {
    const ds = await openDataset(`folder:${dir}?size=4x5&channels=1&fit=cover&seed=9&test=0.4`);
    expect(ds.inputShape).toEqual([4, 5, 1]);
    expect(ds.classCounts.test).toEqual([2, 2, 2]);
    const s = await ds.sample('train', 0);
    expect(s.pixels.length).toBe(20);
    expect((await ds.labels('train'))[0]).toBe(0);
    expect(ds.spec).toBe(`folder:${dir}?channels=1&fit=cover&seed=9&size=4x5&test=0.4`);
    const other = await openDataset(`folder:${dir}?seed=1&test=0.4`);
    const a = (await collect(ds.batches('test', { batchSize: 99 })))[0].indices.length;
    expect(a).toBe(6);
    // With 5 files per class and 2 for test, seeds 9 and 1 pick different files (checked by file pattern).
    const px = async (d: typeof ds) => Array.from((await collect(d.batches('test', { batchSize: 99, channels: 1, resize: [4, 5] })))[0].xs.slice(0, 20));
    expect(await px(ds)).not.toEqual(await px(other));
    await other.close();
    await ds.close();
  });

  it('cover-resizes to grey like sharp does; transparent pixels become white', async () => {
    const ds = await openDataset(`folder:${dir}?size=4x5&channels=1&fit=cover&test=0`);
    const s = await ds.sample('train', 7); // dog/02.png, id 7
    const ref = await sharp(path.join(dir, 'dog', '02.png')).resize(5, 4, { fit: 'cover' }).toColourspace('b-w').raw().toBuffer();
    expect(Array.from(s.pixels)).toEqual(Array.from(ref, (v) => Math.fround(v / 255)));
    await ds.close();
    const t = path.join(tmp.dir, 'alpha');
    for (const c of ['a', 'b']) {
      mkdirSync(path.join(t, c), { recursive: true });
      await sharp({ create: { width: 3, height: 3, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toFile(path.join(t, c, 'x.png'));
    }
    const dt = await openDataset(`folder:${t}?test=0`);
    expect(dt.inputShape).toEqual([3, 3, 3]);
    expect(Array.from((await dt.sample('train', 0)).pixels)).toEqual(new Array(27).fill(1));
    await dt.close();
  });

  it('grey images give 1 channel; JPEGs decode close to their source', async () => {
    const g = path.join(tmp.dir, 'grey');
    await writeFolder(g, ['a', 'b'], 2, { grey: true });
    const ds = await openDataset(`folder:${g}`);
    expect(ds.inputShape).toEqual([6, 8, 1]);
    await ds.close();
    const j = path.join(tmp.dir, 'jpeg');
    await writeFolder(j, ['a', 'b'], 2, { format: 'jpeg', w: 32, h: 32 });
    const dj = await openDataset(`folder:${j}?test=0`);
    expect(dj.inputShape).toEqual([32, 32, 3]);
    const s = await dj.sample('train', 3);
    const want = pattern(3, 32, 32);
    let err = 0;
    for (let i = 0; i < want.length; i++) err += Math.abs(s.pixels[i] - want[i] / 255);
    expect(err / want.length).toBeLessThan(0.06);
    await dj.close();
  });

  it('follows symbolic links to class folders and images', async () => {
    const l = path.join(tmp.dir, 'linked');
    mkdirSync(l);
    symlinkSync(path.join(dir, 'cat'), path.join(l, 'kitty'));
    mkdirSync(path.join(l, 'dog'));
    symlinkSync(path.join(dir, 'dog', '00.png'), path.join(l, 'dog', 'a.png'));
    symlinkSync(l, path.join(l, 'dog', 'loop')); // a cycle must not hang the scan
    const ds = await openDataset(`folder:${l}?test=0`);
    expect(ds.classNames).toEqual(['dog', 'kitty']);
    expect(ds.classCounts.train).toEqual([1 + 5, 5]); // dog: a.png plus kitty's 5 through the loop
    await ds.close();
  });

  it('applies EXIF rotation: an 8×6 photo marked "rotate 90°" is 6 wide and 8 high', async () => {
    const r = path.join(tmp.dir, 'exif');
    for (const c of ['p', 'q']) {
      mkdirSync(path.join(r, c), { recursive: true });
      await sharp(pattern(1, 8, 6), { raw: { width: 8, height: 6, channels: 3 } }).jpeg().withMetadata({ orientation: 6 }).toFile(path.join(r, c, 'x.jpg'));
    }
    const ds = await openDataset(`folder:${r}?test=0`);
    expect(ds.inputShape).toEqual([8, 6, 3]);
    await ds.close();
  });

  it('images of different sizes default to 64×64', async () => {
    const m = path.join(tmp.dir, 'mixed');
    await writeImage(path.join(m, 'x', 'a.png'), 1, { w: 10, h: 7 });
    await writeImage(path.join(m, 'y', 'b.png'), 2, { w: 12, h: 9 });
    const ds = await openDataset(`folder:${m}?test=0`);
    expect(ds.inputShape).toEqual([64, 64, 3]);
    await ds.close();
  });

  it('train/ and test/ folders give the split', async () => {
    const s = path.join(tmp.dir, 'own-split');
    await writeFolder(path.join(s, 'train'), ['ant', 'bee'], 3);
    await writeFolder(path.join(s, 'test'), ['ant', 'bee'], 2);
    const ds = await openDataset(`folder:${s}`);
    expect(ds.classNames).toEqual(['ant', 'bee']);
    expect(ds.classCounts).toEqual({ train: [3, 3], test: [2, 2] });
    await ds.close();
    expect((await openError(`folder:${s}?test=0.3`)).message).toMatch(/test=0\.3 is not used because .* has its own train\/ and test\/ folders/);
    await writeFolder(path.join(s, 'test'), ['cow'], 1);
    const e = await openError(`folder:${s}`);
    expect(e.code).toBe('MISMATCH');
    expect(e.message).toMatch(/test[/\\]cow is a test class with no training folder/);
  });
});

describe('image folder errors', () => {
  it('an unreadable image is named; skipBad leaves it out and reports it', async () => {
    const d = path.join(tmp.dir, 'bad');
    await writeFolder(d, ['a', 'b'], 3);
    const badFile = path.join(d, 'b', 'broken.png');
    writeFileSync(badFile, 'this is not a PNG');
    const e = await openError(`folder:${d}`);
    expect(e.code).toBe('BAD_IMAGE');
    expect(e.file).toBe(badFile);
    expect(e.message).toMatch(/b[/\\]broken\.png cannot be read as an image: .*unsupported image format.*skipBad/);
    const ds = await openDataset(`folder:${d}`, { skipBad: true });
    expect(ds.skipped).toEqual([{ file: badFile, reason: expect.stringMatching(/unsupported image format/) }]);
    expect(ds.counts.train + ds.counts.test).toBe(6);
    expect(ds.spec).toBe(`folder:${d}`);
    await ds.close();
    const viaSpec = await openDataset(`folder:${d}?skipBad=1`);
    expect(viaSpec.skipped.length).toBe(1);
    await viaSpec.close();
  });

  it('an image whose header is fine but data is broken fails when decoded, or is dropped with skipBad', async () => {
    const d = path.join(tmp.dir, 'late');
    await writeFolder(d, ['a', 'b'], 2, { w: 40, h: 40 });
    const f = path.join(d, 'a', '01.png');
    const png = readFileSync(f);
    writeFileSync(f, png.subarray(0, png.length >> 1)); // IHDR intact, IDAT cut
    const ds = await openDataset(`folder:${d}?test=0&size=40`);
    expect(ds.counts.train).toBe(4);
    await expect(collect(ds.batches('train', { batchSize: 4 }))).rejects.toThrow(/a[/\\]01\.png cannot be decoded/);
    await ds.close();
    const skip = await openDataset(`folder:${d}?test=0&size=40`, { skipBad: true });
    const bs = await collect(skip.batches('train', { batchSize: 4 }));
    expect(bs[0].size).toBe(3);
    expect(Array.from(bs[0].indices)).toEqual([0, 2, 3]);
    expect(skip.skipped.map((s) => s.file)).toEqual([f]);
    await skip.close();
    // The picker's preview leaves it out instead of failing.
    const skip2 = await openDataset(`folder:${d}?test=0&size=40`, { skipBad: true });
    const pv = await previewDataset(skip2, 2);
    expect(pv.classes.map((c) => c.samples.length)).toEqual([1, 2]);
    await skip2.close();
    // validate: 'full' finds it at open.
    expect((await openError(`folder:${d}`, { validate: 'full' })).file).toBe(f);
  });

  it('an empty class folder, one with only other files, all images unreadable', async () => {
    const d = path.join(tmp.dir, 'empty');
    await writeFolder(d, ['a', 'b'], 2);
    mkdirSync(path.join(d, 'c'));
    let e = await openError(`folder:${d}`);
    expect(e.code).toBe('EMPTY_CLASS');
    expect(e.message).toMatch(/Class folder .*[/\\]c has no usable images: it is empty\. Add images to it/);
    writeFileSync(path.join(d, 'c', 'readme.md'), '#');
    expect((await openError(`folder:${d}`)).message).toMatch(/only readme\.md/);
    writeFileSync(path.join(d, 'c', 'x.jpg'), 'junk');
    e = await openError(`folder:${d}`, { skipBad: true });
    expect(e.message).toMatch(/all 1 of its images are unreadable/);
  });

  it('reports progress while checking, and can be cancelled', async () => {
    const d = path.join(tmp.dir, 'progress');
    await writeFolder(d, ['a', 'b'], 4);
    const seen: number[] = [];
    const ds = await openDataset(`folder:${d}`, { onProgress: (p) => p.phase === 'check' && seen.push(p.done) });
    expect(seen.sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    await ds.close();
    const ac = new AbortController();
    ac.abort();
    const e = await openError(`folder:${d}`, { signal: ac.signal });
    expect(e.code).toBe('ABORTED');
  });

  it('fewer than two classes, loose images, a missing directory, bad options', async () => {
    const one = path.join(tmp.dir, 'one');
    await writeFolder(one, ['only'], 2);
    let e = await openError(`folder:${one}`);
    expect(e.code).toBe('TOO_FEW_CLASSES');
    expect(e.message).toMatch(/only one class folder \("only"\); a classifier needs at least 2 classes/);
    const loose = path.join(tmp.dir, 'loose');
    await writeImage(path.join(loose, 'a.png'), 0);
    e = await openError(`folder:${loose}`);
    expect(e.message).toMatch(/holds 1 image but no class subfolders\. Put the images in one subfolder per class/);
    e = await openError(`folder:${tmp.dir}/missing`);
    expect(e.code).toBe('NOT_FOUND');
    expect((await openError(`folder:${one}?size=2`)).message).toMatch(/size=2 is not a side from 4 to 1024/);
    expect((await openError(`folder:${one}?fit=stretch`)).message).toMatch(/fit=stretch is not fill, cover or contain/);
    expect((await openError(`folder:${one}?test=1.5`)).message).toMatch(/test=1\.5 is not a number from 0 to 0\.9/);
    expect((await openError(`folder:`)).message).toMatch(/names no directory/);
  });
});

describe('decodeImage (one image, decoded as folders decode)', () => {
  it('gives the same pixels as the folder dataset, from a path or from bytes', async () => {
    const d = path.join(tmp.dir, 'single');
    await writeFolder(d, ['a', 'b'], 2, { w: 20, h: 10, format: 'jpeg' });
    const ds = await openDataset(`folder:${d}?size=8x12&channels=1&fit=cover&test=0`);
    const file = path.join(d, 'b', '01.jpg');
    const fromPath = await decodeImage(file, [8, 12, 1], { fit: 'cover' });
    const fromBytes = await decodeImage(readFileSync(file), [8, 12, 1], { fit: 'cover' });
    const s = await ds.sample('train', 3);
    expect(Array.from(fromPath, (v) => Math.fround(v / 255))).toEqual(Array.from(s.pixels));
    expect(Array.from(fromBytes)).toEqual(Array.from(fromPath));
    await ds.close();
  });

  it('names a file it cannot decode', async () => {
    const f = path.join(tmp.dir, 'not-an-image.png');
    writeFileSync(f, 'nope');
    await expect(decodeImage(f, [4, 4, 3])).rejects.toThrow(/not-an-image\.png cannot be decoded: .*unsupported image format\. Use a PNG, JPEG or WebP image\./);
    await expect(decodeImage(Uint8Array.of(1, 2, 3), [4, 4, 3])).rejects.toThrow(/^The image cannot be decoded/);
  });
});
