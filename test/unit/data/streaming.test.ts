import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetError, openDataset } from '../../../engine/data';
import { collect, tempDir, writeIdxSet } from './helpers';

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  tmp = tempDir();
});
afterAll(() => tmp.cleanup());

describe('batches stream', () => {
  it('a million-sample set with limit 256 draws 256 samples, in batches that each own their buffer', async () => {
    const ds = await openDataset('builtin:shapes?n=1000000&size=32&channels=3');
    const before = process.memoryUsage().arrayBuffers;
    const bs = await collect(ds.batches('train', { batchSize: 32, limit: 256, shuffle: true, seed: 4 }));
    expect(bs.length).toBe(8);
    expect(ds.stats.samplesRead).toBe(256);
    expect(ds.stats.residentBytes).toBe(256 * 32 * 32 * 3); // the drawn samples, cached
    for (const b of bs) {
      expect(b.size).toBe(32);
      expect(b.xs.length).toBe(32 * 32 * 32 * 3);
      // Transferable to a worker without copying, and without taking anything else with it.
      expect(b.xs.byteOffset).toBe(0);
      expect(b.xs.buffer.byteLength).toBe(b.xs.byteLength);
      expect(b.labels.buffer.byteLength).toBe(b.labels.byteLength);
    }
    // The whole train split as float32 would be 12 GB; we are far below.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
    // Shuffled indices are distinct and from the whole range.
    const idx = bs.flatMap((b) => Array.from(b.indices));
    expect(new Set(idx).size).toBe(256);
    expect(Math.max(...idx)).toBeGreaterThan(100000);
  });

  it('drawn samples are cached up to cacheMB: a second epoch draws nothing, past the budget samples are drawn again', async () => {
    const ds = await openDataset('builtin:shapes?n=200&test=10&size=16');
    const first = await collect(ds.batches('train', { batchSize: 64 }));
    expect(ds.stats.samplesRead).toBe(200);
    const second = await collect(ds.batches('train', { batchSize: 64 }));
    expect(ds.stats.samplesRead).toBe(200);
    expect(second.map((b) => Array.from(b.xs))).toEqual(first.map((b) => Array.from(b.xs)));
    expect(ds.stats.residentBytes).toBe(200 * 256);
    await ds.close();
    expect(ds.stats.residentBytes).toBe(0);
    const small = await openDataset('builtin:shapes?n=300&size=16', { cacheMB: 0.025 }); // room for 102 samples of 256 bytes
    await collect(small.batches('train', { batchSize: 50, limit: 150 }));
    expect(small.stats.residentBytes).toBe(102 * 256);
    await collect(small.batches('train', { batchSize: 50, limit: 150 }));
    expect(small.stats.samplesRead).toBe(150 + 48);
  });

  it('stopping early reads at most one batch ahead', async () => {
    const ds = await openDataset('builtin:shapes?n=100000');
    let n = 0;
    for await (const b of ds.batches('train', { batchSize: 50 })) {
      n += b.size;
      if (n >= 100) break;
    }
    expect(n).toBe(100);
    expect(ds.stats.samplesRead).toBeLessThanOrEqual(150);
  });

  it('an uncompressed IDX file is read from disk batch by batch; a gzipped one lives in memory as bytes', async () => {
    const raw = path.join(tmp.dir, 'raw');
    const gz = path.join(tmp.dir, 'gz');
    writeIdxSet(raw, { trainN: 300, testN: 20, h: 28, w: 28 });
    writeIdxSet(gz, { trainN: 300, testN: 20, h: 28, w: 28, gzip: true });
    const r = await openDataset(`mnist:${raw}`);
    expect(r.stats.residentBytes).toBe(0);
    const bs = await collect(r.batches('train', { batchSize: 16, limit: 40 }));
    expect(bs.map((b) => b.size)).toEqual([16, 16, 8]);
    expect(r.stats.samplesRead).toBe(40);
    const g = await openDataset(`mnist:${gz}`);
    expect(g.stats.residentBytes).toBe(16 + 320 * 784 + 16); // the two decompressed images files, as uint8
    // Same data either way.
    const a = await collect(r.batches('test', { batchSize: 7, shuffle: true, seed: 2 }));
    const b = await collect(g.batches('test', { batchSize: 7, shuffle: true, seed: 2 }));
    expect(a.map((x) => Array.from(x.xs))).toEqual(b.map((x) => Array.from(x.xs)));
    await r.close();
    await g.close();
  });

  it('shuffle is a seeded permutation; indices, limit, resize and channels apply', async () => {
    const ds = await openDataset('builtin:shapes?n=100&size=12');
    const order = async (seed: number) => (await collect(ds.batches('train', { batchSize: 30, shuffle: true, seed }))).flatMap((b) => Array.from(b.indices));
    const o1 = await order(1);
    expect(o1).toEqual(await order(1));
    expect(o1).not.toEqual(await order(2));
    expect([...o1].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    const sub = await collect(ds.batches('train', { batchSize: 4, indices: [5, 9, 11, 40, 41], limit: 3, resize: [6, 6], channels: 3 }));
    expect(sub.map((b) => Array.from(b.indices))).toEqual([[5, 9, 11]]);
    expect(sub[0].shape).toEqual([6, 6, 3]);
    expect(sub[0].xs.length).toBe(3 * 6 * 6 * 3);
    expect(Array.from(sub[0].labels)).toEqual([5 % 6, 9 % 6, 11 % 6]);
    // A sample read alone equals the same sample in a batch.
    const one = await ds.sample('train', 9);
    const [b] = await collect(ds.batches('train', { batchSize: 1, indices: [9] }));
    expect(Array.from(b.xs)).toEqual(Array.from(one.pixels));
  });

  it('bad batch options and indices are clear errors', async () => {
    const ds = await openDataset('builtin:shapes?n=20&test=10');
    const fail = (o: Parameters<typeof ds.batches>[1], split: 'train' | 'test' = 'train') => collect(ds.batches(split, o)).then(() => null, (e) => e as DatasetError);
    expect((await fail({ batchSize: 0 }))!.message).toMatch(/batchSize 0 is not a whole number ≥ 1/);
    expect((await fail({ batchSize: 4, indices: [3, 20] }))!.message).toMatch(/Sample index 20 is outside the train split \(0…19\)/);
    expect((await fail({ batchSize: 4, indices: [1.5] }))!.message).toMatch(/Sample index 1.5 is outside/);
    expect((await fail({ batchSize: 4, resize: [0, 3] }))!.message).toMatch(/resize \[0, 3\]/);
    expect((await fail({ batchSize: 4, channels: 2 as 1 }))!.message).toMatch(/channels 2 is not 1 or 3/);
    expect((await fail({ batchSize: 4, limit: -1 }))!.message).toMatch(/limit -1/);
    await expect(ds.sample('test', 10)).rejects.toThrow(/Sample 10 is outside the test split of Shapes 28×28 \(0…9\)/);
  });

  it('an aborted signal stops the stream with ABORTED', async () => {
    const ds = await openDataset('builtin:shapes?n=1000');
    const ac = new AbortController();
    let n = 0;
    const err = await (async () => {
      for await (const b of ds.batches('train', { batchSize: 10, signal: ac.signal })) {
        n += b.size;
        if (n === 30) ac.abort();
      }
    })().then(() => null, (e) => e as DatasetError);
    expect(n).toBe(30);
    expect(err?.code).toBe('ABORTED');
  });
});
