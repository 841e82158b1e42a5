/**
 * What keeps a replica thread of data-parallel training small
 * (engine/train/parallel: spawn.ts, bundle.ts, shared-io.ts) and the
 * speed-proportional split of inference batches (replicas.ts).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../engine/backend';
import { PARALLEL_DIR, REPLICA_UNUSED_PACKAGES, replicaBundleOptions } from '../../../engine/train/parallel/bundle';
import { ReplicaGroup, shardRanges, weightedRanges } from '../../../engine/train/parallel/replicas';
import { readInto, sharedFloats, tensorFrom } from '../../../engine/train/parallel/shared-io';
import { spawnBundledWorker, withoutTsx } from '../../../engine/train/parallel/spawn';

const HERE = path.dirname(fileURLToPath(import.meta.url));

let tfw: typeof tf;
beforeAll(async () => {
  tfw = (await initBackend({ prefer: 'wasm', threads: 1 })).tf;
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('withoutTsx', () => {
  it("drops tsx's loader in every spelling and keeps every other flag", () => {
    expect(withoutTsx(['--import', 'tsx', '--max-old-space-size=512'])).toEqual(['--max-old-space-size=512']);
    expect(withoutTsx(['--import=tsx', '--conditions', 'development'])).toEqual(['--conditions', 'development']);
    expect(withoutTsx(['-r', 'tsx/cjs', '--require', './setup.cjs'])).toEqual(['--require', './setup.cjs']);
    expect(withoutTsx(['--loader', 'tsx', '--experimental-loader=tsx/esm'])).toEqual([]);
    expect(withoutTsx(['--import', 'file:///w/node_modules/tsx/dist/esm/index.mjs', '--import', './my-tsx-like.mjs'])).toEqual(['--import', './my-tsx-like.mjs']);
    expect(withoutTsx([])).toEqual([]);
  });
});

describe('replica bundle', () => {
  it('leaves out the packages a replica never uses, keeps tfjs-core and tfjs-layers as the installed packages', async () => {
    const { build } = await import('esbuild');
    const r = await build({ ...replicaBundleOptions(PARALLEL_DIR), write: false, logLevel: 'silent' });
    const required = new Set([...r.outputFiles[0].text.matchAll(/require\("(@tensorflow\/[^"]+)"\)/g)].map((m) => m[1]));
    expect(required.has('@tensorflow/tfjs-core')).toBe(true);
    expect(required.has('@tensorflow/tfjs-layers')).toBe(true);
    for (const p of REPLICA_UNUSED_PACKAGES) expect(required.has(p)).toBe(false);
  }, 60_000);

  it('runs from sources without tsx, with gradients and layers, without the unused packages', async () => {
    const worker = await spawnBundledWorker(path.join(HERE, 'fixtures', 'bundled-worker.ts'), {}, replicaBundleOptions(PARALLEL_DIR));
    const got = await new Promise<{ execArgv: string[]; packages: string[]; grad: number[]; layer: string; ranges: number[][] }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(got.execArgv.some((a) => /tsx/.test(a))).toBe(false);
    expect(got.grad).toEqual([0, 1]);
    expect(got.layer).toBe('string');
    expect(got.ranges).toEqual(shardRanges(5, 2));
    expect(got.packages).toContain('tfjs-core');
    expect(got.packages).toContain('tfjs-layers');
    for (const p of REPLICA_UNUSED_PACKAGES) expect(got.packages).not.toContain(p.replace('@tensorflow/', ''));
  }, 60_000);
});

describe('shared-io', () => {
  it('readInto copies a tensor into a shared buffer exactly (wasm heap view and cpu dataSync)', async () => {
    for (const backend of ['wasm', 'cpu'] as const) {
      await tf.setBackend(backend);
      const t = tf.randomNormal([3, 5, 7], 0, 1, 'float32', 3);
      const dest = sharedFloats(null, t.size);
      readInto(tf, t, dest);
      expect(Array.from(dest)).toEqual(Array.from(t.dataSync()));
      expect(() => readInto(tf, t, sharedFloats(null, 4))).toThrow(/105 values, the destination 4/);
      t.dispose();
    }
    await tf.setBackend('wasm');
  });

  it('tensorFrom keeps its values when the shared buffer is overwritten afterwards', async () => {
    for (const backend of ['wasm', 'cpu'] as const) {
      await tf.setBackend(backend);
      const src = sharedFloats(null, 6);
      src.set([1, 2, 3, 4, 5, 6]);
      const t = tensorFrom(tf, src, [2, 3]);
      src.fill(-1);
      expect(Array.from(t.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
      t.dispose();
    }
    await tf.setBackend('wasm');
  });

  it('sharedFloats reuses a buffer that fits and replaces one that does not', () => {
    const a = sharedFloats(null, 10);
    expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(sharedFloats(a.buffer as SharedArrayBuffer, 8).buffer).toBe(a.buffer);
    const b = sharedFloats(a.buffer as SharedArrayBuffer, 11);
    expect(b.buffer).not.toBe(a.buffer);
    expect(b.length).toBe(11);
  });
});

describe('weightedRanges', () => {
  it('covers 0..n contiguously, one item at least each, sizes within one of the weights’ proportions', () => {
    for (const weights of [[1, 1], [1, 3], [2, 1, 1], [0.25, 1, 4, 0.5], [5, 0.01]])
      for (const n of [weights.length, 7, 64, 101]) {
        const r = weightedRanges(n, weights);
        expect(r.length).toBe(weights.length);
        expect(r[0][0]).toBe(0);
        expect(r.at(-1)![1]).toBe(n);
        for (let i = 1; i < r.length; i++) expect(r[i][0]).toBe(r[i - 1][1]);
        const total = weights.reduce((s, w) => s + w, 0);
        r.forEach(([a, b], i) => {
          expect(b - a).toBeGreaterThanOrEqual(1);
          // One item each first, then the rest by weight.
          expect(Math.abs(b - a - 1 - ((n - weights.length) * weights[i]) / total)).toBeLessThan(1);
        });
      }
  });

  it('splits evenly for equal weights and for unusable ones, and like shardRanges for fewer items than weights', () => {
    expect(weightedRanges(64, [1, 1])).toEqual(shardRanges(64, 2));
    expect(weightedRanges(10, [0, 0, 0])).toEqual(shardRanges(10, 3));
    expect(weightedRanges(10, [NaN, 1])).toEqual([[0, 1], [1, 10]]);
    expect(weightedRanges(2, [1, 5, 9])).toEqual(shardRanges(2, 3));
  });
});

describe('ReplicaGroup.predict split by speed', () => {
  it('gives model.predict’s outputs for an uneven split (a thread measured slower), then measures both threads', async () => {
    const m = tfw.sequential({
      layers: [
        tfw.layers.conv2d({ inputShape: [8, 8, 1], filters: 3, kernelSize: 3, activation: 'relu', kernelInitializer: tfw.initializers.glorotUniform({ seed: 9 }) }),
        tfw.layers.flatten(),
        tfw.layers.dense({ units: 5, activation: 'softmax', kernelInitializer: tfw.initializers.glorotUniform({ seed: 10 }) }),
      ],
    });
    const n = 23;
    const xs = Float32Array.from({ length: n * 64 }, (_, i) => Math.sin(i * 0.37));
    const group = await ReplicaGroup.start(tfw, m, m.trainableWeights.map((w) => w.read() as tf.Variable), { count: 1, backend: 'wasm', dataShape: [8, 8, 1] });
    const g = group as unknown as { speed: (number | null)[]; inferenceRanges(n: number): [number, number][] };
    try {
      const want = tfw.tidy(() => (m.predict(tfw.tensor4d(xs, [n, 8, 8, 1])) as tf.Tensor).dataSync());
      // Before any measurement: even.
      expect(g.inferenceRanges(n)).toEqual(shardRanges(n, 2));
      g.speed = [1, 3];
      expect(g.inferenceRanges(n)).toEqual([[0, 6], [6, 23]]);
      const got = await group.predict(xs, [8, 8, 1]);
      expect(got.length).toBe(n * 5);
      for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i], 5);
      // The batch updated both speeds (images per ms of wall time).
      expect(g.speed.every((v) => v != null && v > 0 && v !== 1 && v !== 3)).toBe(true);
      // A thread 100× slower still gets a quarter of the fastest's share.
      g.speed = [0.01, 1];
      const [[a0, b0]] = g.inferenceRanges(101);
      expect(b0 - a0).toBe(weightedRanges(101, [0.25, 1])[0][1]);
    } finally {
      await group.close();
      m.dispose();
    }
  }, 60_000);

  it('runs its replicas on the cpu backend too (loaded on demand in the bundled replica)', async () => {
    await tf.setBackend('cpu');
    const m = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [2, 2, 1] }), tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) })] });
    const group = await ReplicaGroup.start(tf, m, m.trainableWeights.map((w) => w.read() as tf.Variable), { count: 1, backend: 'cpu', dataShape: [2, 2, 1] });
    try {
      const xs = Float32Array.from({ length: 5 * 4 }, (_, i) => (i % 7) / 7);
      const got = await group.predict(xs, [2, 2, 1]);
      const want = tf.tidy(() => (m.predict(tf.tensor4d(xs, [5, 2, 2, 1])) as tf.Tensor).dataSync());
      for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i], 6);
    } finally {
      await group.close();
      m.dispose();
      await tf.setBackend('wasm');
    }
  }, 60_000);
});
