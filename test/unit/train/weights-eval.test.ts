import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateModel } from '../../../engine/train/evaluate';
import { decodeImage as decodeFolderImage } from '../../../engine/data/image';
import { decodeImage, decodePolicyFor, predictImage, predictPixels, topK } from '../../../engine/train/predict';
import { defaultWeightsDir, fileHandler, loadWeightsInto, resolveWeightsDir, saveWeights, weightsRef } from '../../../engine/train/weights';
import { memorySet } from '../../../engine/train/memory-set';
import { quadrantData, tinyCnn } from './helpers';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = mkdtempSync(path.join(tmpdir(), 'cnnd-weights-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('weights on disk', () => {
  it('round-trips: a fresh model with loaded weights predicts exactly as the saved one', async () => {
    const a = tinyCnn();
    const out = path.join(dir, 'net.weights');
    await saveWeights(tf, a, out);
    const json = JSON.parse(readFileSync(path.join(out, 'model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    const b = tinyCnn();
    const x = tf.randomUniform([3, 12, 12, 1]);
    expect((b.predict(x) as tf.Tensor).arraySync()).not.toEqual((a.predict(x) as tf.Tensor).arraySync());
    await loadWeightsInto(tf, b, out);
    expect((b.predict(x) as tf.Tensor).arraySync()).toEqual((a.predict(x) as tf.Tensor).arraySync());
    // oracle: tfjs's own loader reads the folder as a standard TF.js Layers model
    const c = await tf.loadLayersModel(fileHandler(tf, out));
    expect((c.predict(x) as tf.Tensor).arraySync()).toEqual((a.predict(x) as tf.Tensor).arraySync());
    [a, b, c].forEach((m) => m.dispose());
    x.dispose();
  });

  it('names the problem for missing, truncated and mismatched weights', async () => {
    const m = tinyCnn();
    await expect(loadWeightsInto(tf, m, path.join(dir, 'nowhere'))).rejects.toThrow(/model\.json does not exist/);
    const out = path.join(dir, 'trunc');
    await saveWeights(tf, m, out);
    const bin = readFileSync(path.join(out, 'weights.bin'));
    writeFileSync(path.join(out, 'weights.bin'), bin.subarray(0, 10));
    await expect(loadWeightsInto(tf, m, out)).rejects.toThrow(/has 10 bytes but .* describes \d+/);
    const out2 = path.join(dir, 'other');
    await saveWeights(tf, tinyCnn([12, 12, 1], 5), out2);
    await expect(loadWeightsInto(tf, m, out2)).rejects.toThrow(/out\/kernel .* is 100×5 but the network needs 100×4/);
    m.dispose();
  });

  it('references weights relative to the document', () => {
    const doc = path.join(dir, 'proj', 'my-net.json');
    const wd = defaultWeightsDir(doc);
    expect(wd).toBe(path.join(dir, 'proj', 'my-net.weights'));
    const ref = weightsRef(doc, wd);
    expect(ref.path).toBe('my-net.weights/model.json');
    expect(resolveWeightsDir({ weights: ref }, doc)).toBe(wd);
    expect(defaultWeightsDir('/p/net.cnnd')).toBe(path.join('/p', 'net.weights'));
  });
});

describe('evaluateModel', () => {
  it('matches a confusion matrix computed independently from model.predict', async () => {
    const data = quadrantData(50);
    const model = tinyCnn();
    const rep = await evaluateModel(tf, model, data.test!, data.classNames, { dataShape: data.shape, batchSize: 16, maxMistakes: 5 });
    const probs = tf.tidy(() => (model.predict(tf.tensor4d(data.pixels, [50, 12, 12, 1])) as tf.Tensor).arraySync() as number[][]);
    const conf = Array.from({ length: 4 }, () => [0, 0, 0, 0]);
    const wrong: { i: number; p: number }[] = [];
    let ll = 0;
    probs.forEach((row, i) => {
      const p = row.indexOf(Math.max(...row));
      conf[data.labels[i]][p]++;
      if (p !== data.labels[i]) wrong.push({ i, p: row[p] });
      ll -= Math.log(Math.max(row[data.labels[i]], 1e-7));
    });
    expect(rep.confusion).toEqual(conf);
    expect(rep.accuracy).toBeCloseTo(conf.reduce((a, r, i) => a + r[i], 0) / 50, 10);
    expect(rep.loss).toBeCloseTo(ll / 50, 4);
    expect(rep.perClass.map((c) => c.count)).toEqual([13, 13, 12, 12]);
    wrong.sort((a, b) => b.p - a.p);
    expect(rep.mistakes.map((m) => m.index)).toEqual(wrong.slice(0, 5).map((w) => w.i));
    model.dispose();
  });
});

describe('predict', () => {
  it('topK orders by probability with names', () => {
    expect(topK([0.1, 0.6, 0.3], ['a', 'b'], 2)).toEqual([
      { index: 1, name: 'b', probability: 0.6 },
      { index: 2, name: 'unit 2', probability: 0.3 },
    ]);
  });

  it('decodes a PNG with sharp to the Input size and predicts the same as from pixels', async () => {
    // a 24×24 colour PNG: bright top-left quadrant
    const raw = Buffer.alloc(24 * 24 * 3, 40);
    for (let y = 0; y < 12; y++) for (let x = 0; x < 12; x++) raw.fill(220, (y * 24 + x) * 3, (y * 24 + x) * 3 + 3);
    const file = path.join(dir, 'q.png');
    await sharp(raw, { raw: { width: 24, height: 24, channels: 3 } }).png().toFile(file);
    const img = await decodeImage(file, [12, 12, 1]);
    expect(img.pixels.length).toBe(144);
    expect(img.pixels[0]).toBeCloseTo(220 / 255, 2);
    expect(img.pixels[143]).toBeCloseTo(40 / 255, 2);
    const model = tinyCnn();
    const a = await predictImage(tf, model, file, ['tl', 'tr', 'bl', 'br'], 4);
    const b = predictPixels(tf, model, img.pixels, img.shape, ['tl', 'tr', 'bl', 'br'], 4);
    expect(a).toEqual(b);
    expect(a.reduce((s, c) => s + c.probability, 0)).toBeCloseTo(1, 5);
    await expect(predictImage(tf, model, path.join(dir, 'missing.png'))).rejects.toThrow(/the image .*missing\.png does not exist/);
    writeFileSync(path.join(dir, 'bad.png'), 'not an image');
    await expect(predictImage(tf, model, path.join(dir, 'bad.png'))).rejects.toThrow(/cannot read .*bad\.png as an image/);
    model.dispose();
  });
});

describe('one image is decoded as its training set was', () => {
  it('decodePolicyFor: an image folder\'s fit on white; anything else stretched onto black', () => {
    expect(decodePolicyFor('folder:/photos?size=64&fit=cover')).toEqual({ fit: 'cover', background: '#ffffff' });
    expect(decodePolicyFor('folder:/photos')).toEqual({ fit: 'fill', background: '#ffffff' });
    expect(decodePolicyFor('fashion-mnist:/usr/share/datasets/fashion-mnist')).toEqual({ fit: 'fill', background: '#000000' });
    expect(decodePolicyFor('not a spec')).toEqual({ fit: 'fill', background: '#000000' });
    expect(decodePolicyFor()).toEqual({ fit: 'fill', background: '#000000' });
  });

  it('EXIF rotation, transparency and fit as the folder decoder (engine/data) gives them', async () => {
    // 8×4 RGBA: left half opaque red, right half fully transparent; stored with EXIF orientation 6 (turn 90° clockwise to view).
    const raw = Buffer.alloc(8 * 4 * 4);
    for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) raw.set([255, 0, 0, 255], (y * 8 + x) * 4);
    const file = path.join(dir, 'rotated.png');
    await sharp(raw, { raw: { width: 8, height: 4, channels: 4 } }).withMetadata({ orientation: 6 }).png().toFile(file);
    const folder = decodePolicyFor('folder:/photos?fit=contain');
    const ours = await decodeImage(file, [8, 4, 3], folder);
    const theirs = await decodeFolderImage(file, [8, 4, 3], folder);
    expect(Array.from(ours.pixels, (v) => Math.round(v * 255))).toEqual(Array.from(theirs));
    // Viewed upright (4 wide, 8 high): the red half is on top, the transparent half white below.
    expect(Array.from(ours.pixels.subarray(0, 3))).toEqual([1, 0, 0]);
    expect(Array.from(ours.pixels.subarray(7 * 4 * 3, 7 * 4 * 3 + 3))).toEqual([1, 1, 1]);
    // The default (MNIST-style) policy flattens the same transparent pixels onto black.
    const black = await decodeImage(file, [8, 4, 3]);
    expect(Array.from(black.pixels.subarray(7 * 4 * 3, 7 * 4 * 3 + 3))).toEqual([0, 0, 0]);
    expect(Array.from(black.pixels.subarray(0, 3))).toEqual([1, 0, 0]);
  });

  it('predictImage decodes with the policy and at the shape of the set the model was trained on', async () => {
    // A transparent image with an opaque grey square: white or black around it depending on the policy.
    const raw = Buffer.alloc(24 * 24 * 4);
    for (let y = 6; y < 18; y++) for (let x = 6; x < 18; x++) raw.set([128, 128, 128, 255], (y * 24 + x) * 4);
    const file = path.join(dir, 'sprite.png');
    await sharp(raw, { raw: { width: 24, height: 24, channels: 4 } }).png().toFile(file);
    const model = tinyCnn();
    const names = ['tl', 'tr', 'bl', 'br'];
    const folder = { datasetSpec: 'folder:/photos?size=24', dataShape: [24, 24, 1] };
    const viaFolder = await predictImage(tf, model, file, names, 4, folder);
    // The same as decoding it the folder's way at the dataset's 24×24 and adapting that to the 12×12 Input …
    const d = await decodeImage(file, [24, 24, 1], decodePolicyFor(folder.datasetSpec));
    expect(d.pixels[0]).toBe(1);
    expect(viaFolder).toEqual(predictPixels(tf, model, d.pixels, d.shape, names, 4));
    // … and not the same as the MNIST-style decoding onto black.
    const viaDefault = await predictImage(tf, model, file, names, 4);
    expect(viaDefault.map((c) => c.probability)).not.toEqual(viaFolder.map((c) => c.probability));
    model.dispose();
  });
});

it('memorySet scales bytes and names a bad index', () => {
  const s = memorySet(new Uint8Array([0, 255, 51, 102]), new Int32Array([0, 1]), [1, 2, 1]);
  const b = s.gather(new Int32Array([1])) as { xs: Float32Array };
  expect(Array.from(b.xs)).toEqual([0.2, 0.4].map((v) => Math.fround(v)));
  expect(() => s.gather(new Int32Array([2]))).toThrow(/index 2 outside 0..1/);
});
