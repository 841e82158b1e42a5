/**
 * Data loading speed: batches per second (and images per second) that
 * engine/data delivers, per format, with and without shuffling.
 *
 *   npm run bench -- data        (through bench/run.ts)
 *   npx tsx bench/data.bench.ts [--batch 64] [--folder-images 600] [--learn [--epochs 4]]
 *
 * Cases: real Fashion-MNIST (gzipped, decompressed into memory) when
 * /usr/share/datasets/fashion-mnist exists, the same files uncompressed
 * (read from disk batch by batch), CIFAR-10-sized binary batches (generated,
 * 10,000 records), the built-in shapes set (drawn on the fly), and a folder
 * of PNG/JPEG images (generated with sharp). For the last two, the first
 * epoch draws/decodes and the second comes from the cache. Prints one JSON
 * object on stdout; progress on stderr. The machine may be shared: compare
 * figures of one run.
 *
 * --learn also checks that builtin:shapes is learnable and needs a CNN: test
 * accuracy per epoch of a small CNN and of a bigger MLP (best backend that
 * loads, Adam 0.002, batch 64) and of a nearest-class-mean classifier.
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
const LEARN = process.argv.includes('--learn');
const EPOCHS = arg('epochs', 4);

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

/** Test accuracy per epoch of a CNN and an MLP on builtin:shapes, and of the nearest class mean. */
async function learnability(spec: string) {
  const { initBackend } = await import('../engine/backend');
  const info = await initBackend();
  const tf = info.tf;
  const ds = await openDataset(spec);
  const [h, w, c] = ds.inputShape;
  const k = ds.classNames.length;
  const d = h * w * c;
  const means = Array.from({ length: k }, () => new Float64Array(d));
  const cnt = new Array<number>(k).fill(0);
  for await (const b of ds.batches('train', { batchSize: 500 })) {
    for (let i = 0; i < b.size; i++) {
      cnt[b.labels[i]]++;
      for (let j = 0; j < d; j++) means[b.labels[i]][j] += b.xs[i * d + j];
    }
  }
  means.forEach((m, q) => m.forEach((_, j) => (m[j] /= cnt[q])));
  let hits = 0;
  for await (const b of ds.batches('test', { batchSize: 500 })) {
    for (let i = 0; i < b.size; i++) {
      let best = 0;
      let bestD = Infinity;
      for (let q = 0; q < k; q++) {
        let dist = 0;
        for (let j = 0; j < d; j++) dist += (b.xs[i * d + j] - means[q][j]) ** 2;
        if (dist < bestD) [bestD, best] = [dist, q];
      }
      if (best === b.labels[i]) hits++;
    }
  }
  const nearestMean = +(hits / ds.counts.test).toFixed(3);
  log(`nearest class mean: ${nearestMean}`);
  const models = {
    cnn: () =>
      tf.sequential({
        layers: [
          tf.layers.conv2d({ inputShape: [h, w, c], filters: 16, kernelSize: 3, activation: 'relu' }),
          tf.layers.maxPooling2d({ poolSize: 2 }),
          tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu' }),
          tf.layers.maxPooling2d({ poolSize: 2 }),
          tf.layers.flatten(),
          tf.layers.dense({ units: 64, activation: 'relu' }),
          tf.layers.dense({ units: k, activation: 'softmax' }),
        ],
      }),
    mlp: () =>
      tf.sequential({
        layers: [
          tf.layers.flatten({ inputShape: [h, w, c] }),
          tf.layers.dense({ units: 256, activation: 'relu' }),
          tf.layers.dense({ units: 128, activation: 'relu' }),
          tf.layers.dense({ units: k, activation: 'softmax' }),
        ],
      }),
  };
  const runs: Record<string, { params: number; epochs: { testAccuracy: number; seconds: number }[] }> = {};
  for (const [name, make] of Object.entries(models)) {
    const model = make();
    model.compile({ optimizer: tf.train.adam(0.002), loss: 'sparseCategoricalCrossentropy' });
    const epochs: { testAccuracy: number; seconds: number }[] = [];
    const t0 = performance.now();
    for (let e = 0; e < EPOCHS; e++) {
      for await (const b of ds.batches('train', { batchSize: 64, shuffle: true, seed: e })) {
        const xs = tf.tensor4d(b.xs, [b.size, h, w, c]);
        const ys = tf.tensor1d(b.labels, 'float32');
        await model.trainOnBatch(xs, ys);
        xs.dispose();
        ys.dispose();
      }
      let ok = 0;
      for await (const b of ds.batches('test', { batchSize: 250 })) {
        const pred = tf.tidy(() => (model.predict(tf.tensor4d(b.xs, [b.size, h, w, c])) as import('@tensorflow/tfjs').Tensor).argMax(-1).dataSync());
        for (let i = 0; i < b.size; i++) if (pred[i] === b.labels[i]) ok++;
      }
      epochs.push({ testAccuracy: +(ok / ds.counts.test).toFixed(3), seconds: +((performance.now() - t0) / 1000).toFixed(1) });
      log(`${name} epoch ${e + 1}: test accuracy ${epochs[e].testAccuracy} after ${epochs[e].seconds} s`);
    }
    runs[name] = { params: model.countParams(), epochs };
    model.dispose();
  }
  return { spec, backend: info.name, chance: +(1 / k).toFixed(3), nearestMean, ...runs };
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

const learn = LEARN ? await learnability('builtin:shapes') : undefined;
console.log(JSON.stringify({ bench: 'data', batchSize: BATCH, cpus: os.cpus().length, loadavg: os.loadavg().map((v) => +v.toFixed(2)), node: process.version, figures, learn }, null, 2));
