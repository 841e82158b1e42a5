/**
 * Data-parallel training (engine/train/parallel): one step shared by replica
 * threads must give the same update as the whole batch on one thread — the
 * oracle is the single-thread step of tfjs's own optimizer.minimize.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../engine/backend';
import { autoReplicas, MAX_REPLICAS, ReplicaGroup, shardRanges } from '../../../engine/train/parallel/replicas';
import { DEFAULT_SETTINGS } from '../../../engine/train/settings';
import { parallelStep, singleStep } from '../../../engine/train/step';
import { detectTask, type TaskInfo } from '../../../engine/train/task';
import { evaluateModel } from '../../../engine/train/evaluate';
import { trainModel } from '../../../engine/train/trainer';
import { quadrantData } from './helpers';

let tfw: typeof tf;
beforeAll(async () => {
  tfw = (await initBackend({ prefer: 'wasm', threads: 1 })).tf;
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('shardRanges', () => {
  it('covers 0..n contiguously with sizes differing by at most one', () => {
    for (let n = 1; n <= 40; n++)
      for (let k = 1; k <= 6; k++) {
        const r = shardRanges(n, k);
        expect(r.length).toBe(Math.min(n, k));
        expect(r[0][0]).toBe(0);
        expect(r.at(-1)![1]).toBe(n);
        for (let i = 1; i < r.length; i++) expect(r[i][0]).toBe(r[i - 1][1]);
        const sizes = r.map(([a, b]) => b - a);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
        expect(Math.min(...sizes)).toBeGreaterThan(0);
      }
  });
});

describe('autoReplicas', () => {
  it('uses one thread per core for large batches, one for small batches, short runs and tfjs-node', () => {
    expect(autoReplicas({ backend: 'wasm', batchSize: 64, steps: 100, cores: 2 })).toBe(2);
    expect(autoReplicas({ backend: 'wasm', batchSize: 64, steps: 100, cores: 16 })).toBe(MAX_REPLICAS);
    expect(autoReplicas({ backend: 'wasm', batchSize: 32, steps: 100, cores: 8 })).toBe(2);
    expect(autoReplicas({ backend: 'cpu', batchSize: 16, steps: 100, cores: 8 })).toBe(1);
    expect(autoReplicas({ backend: 'wasm', batchSize: 64, steps: 3, cores: 8 })).toBe(1);
    expect(autoReplicas({ backend: 'tensorflow', batchSize: 256, steps: 1000, cores: 8 })).toBe(1);
    expect(autoReplicas({ backend: 'wasm', batchSize: 64, steps: 100, cores: 1 })).toBe(1);
  });
});

/** A small net with two convolutions, pooling and two dense layers (no dropout or BatchNorm: their per-shard behaviour differs by design). */
function net(t: typeof tf, seed: number): tf.LayersModel {
  const m = t.sequential({
    layers: [
      t.layers.conv2d({ inputShape: [12, 12, 1], filters: 6, kernelSize: 3, activation: 'relu', kernelInitializer: t.initializers.glorotUniform({ seed }) }),
      t.layers.maxPooling2d({ poolSize: 2 }),
      t.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: t.initializers.glorotUniform({ seed: seed + 1 }) }),
      t.layers.flatten(),
      t.layers.dense({ units: 16, activation: 'relu', kernelInitializer: t.initializers.glorotUniform({ seed: seed + 2 }) }),
      t.layers.dense({ units: 4, activation: 'softmax', kernelInitializer: t.initializers.glorotUniform({ seed: seed + 3 }) }),
    ],
  });
  return m;
}

const vars = (m: tf.LayersModel) => m.trainableWeights.map((w) => w.read() as tf.Variable);
const weightsOf = (m: tf.LayersModel) => m.getWeights().map((w) => Float32Array.from(w.dataSync()));

describe('parallelStep', () => {
  it('gives the same loss, accuracy and updated weights as the whole batch on one thread (SGD and Adam, 2 and 3 threads)', async () => {
    const data = quadrantData(30, 3);
    const xs = data.pixels;
    const labels = data.labels;
    for (const [threads, opt] of [
      [2, 'sgd'],
      [3, 'adam'],
    ] as const) {
      const a = net(tfw, 11);
      const b = net(tfw, 11);
      b.setWeights(a.getWeights());
      const info = detectTask(a) as TaskInfo;
      const mk = () => (opt === 'sgd' ? tfw.train.sgd(0.1) : tfw.train.adam(0.01));
      const oa = mk();
      const ob = mk();
      const group = await ReplicaGroup.start(tfw, b, vars(b), { count: threads - 1, backend: 'wasm', dataShape: [12, 12, 1] });
      try {
        expect(group.size).toBe(threads);
        for (let step = 0; step < 3; step++) {
          const ra = await singleStep(tfw, a, vars(a), oa, xs, labels, [12, 12, 1], info);
          const rb = await parallelStep(tfw, group, b, vars(b), ob, xs, labels, [12, 12, 1], info);
          expect(rb.loss).toBeCloseTo(ra.loss, 5);
          expect(rb.correct).toBe(ra.correct);
        }
        const wa = weightsOf(a);
        const wb = weightsOf(b);
        let maxDiff = 0;
        let moved = 0;
        const w0 = weightsOf(net(tfw, 11));
        wa.forEach((arr, i) =>
          arr.forEach((v, j) => {
            maxDiff = Math.max(maxDiff, Math.abs(v - wb[i][j]));
            moved = Math.max(moved, Math.abs(v - w0[i][j]));
          }),
        );
        expect(moved).toBeGreaterThan(1e-3); // the steps did change the weights
        expect(maxDiff).toBeLessThan(1e-5);
      } finally {
        await group.close();
        a.dispose();
        b.dispose();
      }
    }
  }, 60_000);

  it('the replicas train on the weights the training thread publishes (no drift over many steps)', async () => {
    const data = quadrantData(40, 5);
    const a = net(tfw, 21);
    const b = net(tfw, 21);
    b.setWeights(a.getWeights());
    const info = detectTask(a) as TaskInfo;
    const oa = tfw.train.adam(0.02);
    const ob = tfw.train.adam(0.02);
    const group = await ReplicaGroup.start(tfw, b, vars(b), { count: 1, backend: 'wasm', dataShape: [12, 12, 1] });
    try {
      let la = 0;
      let lb = 0;
      for (let step = 0; step < 12; step++) {
        const lo = (step * 8) % 32;
        const x = data.pixels.slice(lo * 144, (lo + 8) * 144);
        const y = data.labels.slice(lo, lo + 8);
        la = (await singleStep(tfw, a, vars(a), oa, x, y, [12, 12, 1], info)).loss;
        lb = (await parallelStep(tfw, group, b, vars(b), ob, x, y, [12, 12, 1], info)).loss;
      }
      expect(lb).toBeCloseTo(la, 4);
    } finally {
      await group.close();
      a.dispose();
      b.dispose();
    }
  }, 60_000);
});

describe('ReplicaGroup.predict', () => {
  it('equals model.predict on the whole batch, with the moving statistics BatchNorm learnt on the training thread', async () => {
    const m = tfw.sequential({
      layers: [
        tfw.layers.conv2d({ inputShape: [12, 12, 1], filters: 4, kernelSize: 3, kernelInitializer: tfw.initializers.glorotUniform({ seed: 5 }) }),
        tfw.layers.batchNormalization({ momentum: 0.5 }),
        tfw.layers.reLU(),
        tfw.layers.flatten(),
        tfw.layers.dense({ units: 4, activation: 'softmax', kernelInitializer: tfw.initializers.glorotUniform({ seed: 6 }) }),
      ],
    });
    const info = detectTask(m) as TaskInfo;
    const data = quadrantData(21, 4);
    const group = await ReplicaGroup.start(tfw, m, vars(m), { count: 2, backend: 'wasm', dataShape: [12, 12, 1] });
    try {
      const opt = tfw.train.adam(0.05);
      for (let i = 0; i < 3; i++) await parallelStep(tfw, group, m, vars(m), opt, data.pixels, data.labels, [12, 12, 1], info);
      const got = await group.predict(data.pixels, [12, 12, 1]);
      const want = tfw.tidy(() => (m.predict(tfw.tensor4d(data.pixels, [21, 12, 12, 1])) as tf.Tensor).dataSync());
      expect(got.length).toBe(21 * 4);
      for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i], 5);
      // The replicas used the trained moving statistics, not the initial ones: a fresh copy predicts differently.
      const trained = m.getWeights().map((w) => w.clone());
      m.setWeights(trained.map((w, i) => (i === 4 ? tfw.zerosLike(w) : i === 5 ? tfw.onesLike(w) : w)));
      const stale = tfw.tidy(() => (m.predict(tfw.tensor4d(data.pixels, [21, 12, 12, 1])) as tf.Tensor).dataSync());
      m.setWeights(trained);
      expect(Math.max(...Array.from(want, (v, i) => Math.abs(v - stale[i])))).toBeGreaterThan(1e-3);
    } finally {
      await group.close();
      m.dispose();
    }
  }, 60_000);
});

describe('ReplicaGroup failures', () => {
  it('rejects with a message when a replica thread cannot start', async () => {
    const m = net(tfw, 1);
    await expect(ReplicaGroup.start(tfw, m, vars(m), { count: 1, backend: 'wasm', dataShape: [12, 12, 1], entry: '/nonexistent/replica-worker.ts' })).rejects.toThrow(/training thread/);
    m.dispose();
  }, 30_000);

  it('a replica that dies fails the step with a message, not a hang', async () => {
    const m = net(tfw, 2);
    const info = detectTask(m) as TaskInfo;
    const group = await ReplicaGroup.start(tfw, m, vars(m), { count: 1, backend: 'wasm', dataShape: [12, 12, 1] });
    const data = quadrantData(8, 1);
    // Kill the replica from outside, as an out-of-memory crash would.
    await (group as unknown as { replicas: { worker: { terminate(): Promise<number> } }[] }).replicas[0].worker.terminate();
    await expect(parallelStep(tfw, group, m, vars(m), tfw.train.sgd(0.1), data.pixels, data.labels, [12, 12, 1], info)).rejects.toThrow(/training thread stopped/);
    await group.close();
    m.dispose();
  }, 30_000);
});

describe('trainModel with threads', () => {
  it('trains on 2 threads, reports it, and learns as well as on one', async () => {
    const data = quadrantData(192, 9);
    const results: { threads: number; acc: number }[] = [];
    for (const threads of [1, 2]) {
      const m = net(tfw, 31);
      const r = await trainModel(tfw, m, data, { ...DEFAULT_SETTINGS, batchSize: 32, epochs: 3, learningRate: 0.01, validationSplit: 0.25, threads });
      expect(r.threads).toBe(threads);
      expect(r.notes.join(' ')).not.toMatch(/one thread/);
      results.push({ threads, acc: r.history.at(-1)!.valAccuracy! });
      m.dispose();
    }
    expect(results[1].acc).toBeGreaterThan(0.8);
    expect(Math.abs(results[1].acc - results[0].acc)).toBeLessThan(0.1);
  }, 120_000);
});

describe('evaluateModel with threads', () => {
  it('reports exactly what one thread reports', async () => {
    const data = quadrantData(300, 12);
    const m = net(tfw, 41);
    await trainModel(tfw, m, data, { ...DEFAULT_SETTINGS, batchSize: 16, epochs: 1, threads: 1 });
    const one = await evaluateModel(tfw, m, data.train, data.classNames, { dataShape: [12, 12, 1], batchSize: 32, threads: 1 });
    const two = await evaluateModel(tfw, m, data.train, data.classNames, { dataShape: [12, 12, 1], batchSize: 32, threads: 2 });
    expect(two.confusion).toEqual(one.confusion);
    expect(two.accuracy).toBe(one.accuracy);
    expect(two.loss).toBeCloseTo(one.loss, 5);
    expect(two.mistakes.map((x) => x.index)).toEqual(one.mistakes.map((x) => x.index));
    m.dispose();
  }, 60_000);
});
