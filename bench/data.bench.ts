/**
 * Data loading speed: batches per second (and images per second) that
 * engine/data delivers, per format, with and without shuffling.
 *
 *   npm run bench -- data        (through bench/run.ts)
 *   npx tsx bench/data.bench.ts [--batch 64] [--folder-images 600]
 *
 * Cases: real Fashion-MNIST (gzipped, decompressed into memory) when
 * /usr/share/datasets/fashion-mnist exists, the same files uncompressed
 * (read from disk batch by batch), CIFAR-10-sized binary batches (generated,
 * 10,000 records), the built-in shapes set (drawn on the fly), and a folder
 * of PNG/JPEG images (generated with sharp). For the last two, the first
 * epoch draws/decodes and the second comes from the cache. Prints one JSON
 * object on stdout; progress on stderr. The machine may be shared: compare
 * figures of one run.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import sharp from 'sharp';
import { openDataset, type Dataset } from '../engine/data';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const BATCH = arg('batch', 64);
const FOLDER_IMAGES = arg('folder-images', 600);
const FASHION = '/usr/share/datasets/fashion-mnist';
const log = (s: string) => process.stderr.write(`${s}\n`);

interface Figure {
  case: string;
  spec: string;
  shuffle: boolean;
  images: number;
  seconds: number;
  batchesPerSecond: number;
  imagesPerSecond: number;
  openSeconds?: number;
  note?: string;
}

async function measure(name: string, ds: Dataset, shuffle: boolean, limit?: number, note?: string, openSeconds?: number): Promise<Figure> {
  const t0 = performance.now();
  let images = 0;
  let batches = 0;
  for await (const b of ds.batches('train', { batchSize: BATCH, shuffle, seed: 1, limit })) {
    images += b.size;
    batches++;
  }
  const seconds = (performance.now() - t0) / 1000;
  const f: Figure = { case: name, spec: ds.spec, shuffle, images, seconds: +seconds.toFixed(3), batchesPerSecond: +(batches / seconds).toFixed(1), imagesPerSecond: Math.round(images / seconds), openSeconds, note };
  log(`${name}${shuffle ? ' (shuffled)' : ''}: ${f.batchesPerSecond} batches/s, ${f.imagesPerSecond} images/s`);
  return f;
}

async function timedOpen(spec: string): Promise<[Dataset, number]> {
  const t0 = performance.now();
  const ds = await openDataset(spec);
  return [ds, +((performance.now() - t0) / 1000).toFixed(3)];
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'cnnd-data-bench-'));
const figures: Figure[] = [];
try {
  if (existsSync(FASHION)) {
    const [ds, open] = await timedOpen(`fashion-mnist:${FASHION}`);
    figures.push(await measure('fashion-mnist gz (in memory)', ds, false, undefined, undefined, open));
    figures.push(await measure('fashion-mnist gz (in memory)', ds, true));
    await ds.close();
    const raw = path.join(tmp, 'fashion-raw');
    mkdirSync(raw);
    for (const f of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) writeFileSync(path.join(raw, f), gunzipSync(readFileSync(path.join(FASHION, `${f}.gz`))));
    const [dr, openRaw] = await timedOpen(`fashion-mnist:${raw}`);
    figures.push(await measure('fashion-mnist raw (from disk)', dr, false, undefined, undefined, openRaw));
    figures.push(await measure('fashion-mnist raw (from disk)', dr, true));
    await dr.close();
  } else log(`${FASHION} absent: Fashion-MNIST cases skipped`);

  // CIFAR-10-sized: one training batch of 10,000 records, one test batch of 100.
  const cifar = path.join(tmp, 'cifar');
  mkdirSync(cifar);
  const rec = (n: number) => {
    const b = Buffer.alloc(n * 3073);
    for (let i = 0; i < b.length; i++) b[i] = (i * 2654435761) >>> 24;
    for (let k = 0; k < n; k++) b[k * 3073] = k % 10;
    return b;
  };
  writeFileSync(path.join(cifar, 'data_batch_1.bin'), rec(10000));
  writeFileSync(path.join(cifar, 'test_batch.bin'), rec(100));
  const [dc, openC] = await timedOpen(`cifar10:${cifar}`);
  figures.push(await measure('cifar10 binary (from disk)', dc, false, undefined, '10,000 generated records', openC));
  figures.push(await measure('cifar10 binary (from disk)', dc, true));
  await dc.close();

  const [dsh] = await timedOpen('builtin:shapes?n=3000');
  figures.push(await measure('builtin:shapes 28×28×1, first epoch (drawn)', dsh, true));
  figures.push(await measure('builtin:shapes 28×28×1, second epoch (cache)', dsh, true));
  const [dsc] = await timedOpen('builtin:shapes?n=2000&size=32&channels=3');
  figures.push(await measure('builtin:shapes 32×32×3, first epoch (drawn)', dsc, true));

  // A folder of photos-like images: 128×96 JPEGs and PNGs in 4 classes, resized to 64×64.
  const folder = path.join(tmp, 'images');
  log(`writing ${FOLDER_IMAGES} images…`);
  for (let i = 0; i < FOLDER_IMAGES; i++) {
    const cls = `class${i % 4}`;
    mkdirSync(path.join(folder, cls), { recursive: true });
    const w = 128;
    const h = 96;
    const px = Buffer.alloc(w * h * 3);
    for (let j = 0; j < px.length; j++) px[j] = ((j % (w * 3)) * 2 + i * 7 + Math.floor(j / (w * 3)) * 3) % 256;
    const img = sharp(px, { raw: { width: w, height: h, channels: 3 } });
    if (i % 2) await img.jpeg({ quality: 85 }).toFile(path.join(folder, cls, `${i}.jpg`));
    else await img.png().toFile(path.join(folder, cls, `${i}.png`));
  }
  const [df, openF] = await timedOpen(`folder:${folder}?size=64&test=0`);
  figures.push(await measure('folder 128×96 → 64×64×3, first epoch (decode)', df, true, undefined, `${FOLDER_IMAGES} files, half JPEG half PNG`, openF));
  figures.push(await measure('folder 128×96 → 64×64×3, second epoch (cache)', df, true));
  await df.close();
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

console.log(JSON.stringify({ bench: 'data', batchSize: BATCH, cpus: os.cpus().length, loadavg: os.loadavg().map((v) => +v.toFixed(2)), node: process.version, figures }, null, 2));
