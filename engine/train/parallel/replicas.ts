/**
 * Data-parallel training over worker threads.
 *
 * tfjs-backend-wasm runs every kernel on one thread (its XNNPACK operators get
 * no thread pool), so one training thread uses one core. To use the others we
 * split each batch: the training thread keeps the model and the optimizer, and
 * R − 1 replica threads (replica-worker.ts) each hold a copy of the model on
 * their own backend. Per step every thread computes the gradient of
 * (its shard's loss sum) / (batch size) — these add up to the gradient of the
 * whole batch's mean loss — the training thread adds them, applies the
 * optimizer once, and writes the new weights to a shared buffer the replicas
 * read before their next step. Gradients come back through shared buffers too,
 * so nothing large is copied through messages except the shards' pixels.
 *
 * As in PyTorch's DistributedDataParallel, BatchNorm computes its batch
 * statistics per shard, and its moving averages are those of the training
 * thread's shard.
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import type * as tfjs from '@tensorflow/tfjs';
import type { BackendName } from '../../backend';
import type { Shape } from '../../core/shape';
import { toInputTensor } from '../adapt';
import { withFoldedInference } from '../fold';
import { replicaBundleOptions } from './bundle';
import type { FromReplica, ToReplica, VarSlot } from './protocol';
import { readInto, sharedFloats, tensorFrom } from './shared-io';
import { spawnBundledWorker, workerEntry } from './spawn';

type TF = typeof tfjs;

/** Fewest images per shard worth a thread: smaller shards cost more in overhead (and noisier BatchNorm statistics) than they gain. */
export const MIN_SHARD = 16;
/** Fewest training steps worth starting replicas for (each takes about a second to load its backend). */
export const MIN_STEPS = 8;
/** Most threads one training run uses. */
export const MAX_REPLICAS = 4;

/**
 * V8's young generation in a replica thread, MB. The default grows to
 * 3 × 16 MB of mostly empty space in a thread whose tensor data lives in the
 * backend's memory: measured on the 28×28 net, the replica's V8 heap was
 * 56 MB with the default and 32 MB with 8 (new space 8 MB, < 1 MB of it in
 * use), steps as fast within the noise of interleaved runs (±5 %).
 */
export const REPLICA_YOUNG_GENERATION_MB = 8;

/** Cores this process may use. */
export function coreCount(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/**
 * How many threads share each batch when the user leaves it automatic: one
 * per core (at most MAX_REPLICAS), as long as every shard gets MIN_SHARD
 * images and the run is long enough to repay starting them; one on the
 * tensorflow backend, whose kernels already use every core.
 */
export function autoReplicas(o: { backend: string; batchSize: number; steps: number; cores?: number }): number {
  if (o.backend === 'tensorflow' || o.steps < MIN_STEPS) return 1;
  return Math.max(1, Math.min(o.cores ?? coreCount(), MAX_REPLICAS, Math.floor(o.batchSize / MIN_SHARD)));
}

/** Split `n` items into `parts` contiguous ranges whose sizes differ by at most one; [start, end) each. */
export function shardRanges(n: number, parts: number): [number, number][] {
  const k = Math.max(1, Math.min(parts, n));
  const out: [number, number][] = [];
  for (let i = 0, start = 0; i < k; i++) {
    const size = Math.floor(n / k) + (i < n % k ? 1 : 0);
    out.push([start, start + size]);
    start += size;
  }
  return out;
}

/**
 * Split `n` items into contiguous ranges, [start, end) each, one per weight,
 * with sizes proportional to the weights (largest remainders get the odd
 * items); every range gets at least one item when n ≥ the number of weights
 * (else only the first n ranges, one item each, as {@link shardRanges}).
 */
export function weightedRanges(n: number, weights: readonly number[]): [number, number][] {
  const k = Math.max(1, Math.min(weights.length, n));
  const w = weights.slice(0, k).map((x) => (Number.isFinite(x) && x > 0 ? x : 0));
  const total = w.reduce((s, x) => s + x, 0);
  if (total <= 0 || n <= k) return shardRanges(n, k);
  // One item each first, the rest by weight.
  const rest = n - k;
  const exact = w.map((x) => (rest * x) / total);
  const sizes = exact.map((x) => 1 + Math.floor(x));
  let left = n - sizes.reduce((s, x) => s + x, 0);
  const order = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let j = 0; left > 0; j = (j + 1) % k, left--) sizes[order[j][1]]++;
  const out: [number, number][] = [];
  for (let i = 0, start = 0; i < k; i++) {
    out.push([start, start + sizes[i]]);
    start += sizes[i];
  }
  return out;
}

/**
 * Weight of the slowest thread's share of a batch at inference, relative to
 * the fastest's, at least: keeps measuring a thread that was slow for a
 * while (its core busy with another process) instead of starving it.
 */
const MIN_SPEED_RATIO = 0.25;
/** How much one batch's measured speed moves a thread's running average (exponential smoothing). */
const SPEED_SMOOTHING = 0.3;

/** What one replica computed for its shard; its gradients are in the group's buffers until the next step. */
export interface ShardResult {
  lossSum: number;
  correct: number;
}

const HERE = path.dirname(fileURLToPath(import.meta.url));

interface Pending {
  id: number;
  resolve: (r: ShardResult | { out: Float32Array; ms: number }) => void;
  reject: (e: Error) => void;
}

interface Replica {
  worker: Worker;
  grad: SharedArrayBuffer;
  /** The replica's shard of pixels, rewritten before each step or prediction (grown when a shard does not fit). */
  input: SharedArrayBuffer | null;
  pending: Pending | null;
  failure: Error | null;
}

/** Replica threads for one model: start with {@link ReplicaGroup.start}, end with {@link ReplicaGroup.close}. */
export class ReplicaGroup {
  private nextId = 1;
  private reload = false;
  private closed = false;
  /**
   * Images per millisecond of wall time each thread (0 = this one) took for
   * its last inference shards, smoothed; null until measured. Inference
   * splits batches by these: a thread whose core is shared with another
   * process finishes its shard late, and the whole batch waits for it.
   */
  private speed: (number | null)[] = [];

  private constructor(
    private readonly tf: TF,
    private readonly model: tfjs.LayersModel,
    private readonly replicas: Replica[],
    private readonly slots: VarSlot[],
    private readonly weightSlots: VarSlot[],
    private readonly weights: SharedArrayBuffer,
  ) {}

  /** Threads in the group, counting the training thread. */
  get size(): number {
    return this.replicas.length + 1;
  }

  /**
   * Start `count` replica threads with copies of `model` on `backend`.
   * Resolves once every one has built its model; rejects (and stops them) if
   * one cannot.
   */
  static async start(tf: TF, model: tfjs.LayersModel, vars: readonly tfjs.Variable[], o: { count: number; backend: BackendName; dataShape: Shape; entry?: string }): Promise<ReplicaGroup> {
    const layout = (shapes: number[][]) => {
      let total = 0;
      const out = shapes.map((shape) => {
        const size = shape.reduce((p, q) => p * q, 1);
        const slot = { offset: total, size, shape };
        total += size;
        return slot;
      });
      return { slots: out, total };
    };
    const g = layout(vars.map((v) => [...v.shape]));
    const w = layout(model.weights.map((v) => v.shape.map((d) => d ?? 1)));
    const slots = g.slots;
    const total = g.total;
    const weightsBuf = new SharedArrayBuffer(w.total * 4);
    const modelJson = model.toJSON(null, true) as string;
    const entry = o.entry ?? workerEntry(HERE, 'replica-worker');
    const replicas: Replica[] = [];
    const group = new ReplicaGroup(tf, model, replicas, slots, w.slots, weightsBuf);
    // The replicas load their initial weights from the shared buffer (no copies in messages).
    group.publishWeights();
    group.reload = false;
    const ready: Promise<void>[] = [];
    for (let i = 0; i < o.count; i++) {
      let worker: Worker;
      try {
        const options = { resourceLimits: { maxYoungGenerationSizeMb: REPLICA_YOUNG_GENERATION_MB } };
        // From sources: the same bundle as the packaged app's replica-worker.cjs (bundle.ts).
        worker = await spawnBundledWorker(entry, options, entry === path.join(HERE, 'replica-worker.ts') ? replicaBundleOptions(HERE) : {});
      } catch (e) {
        await group.close();
        throw new Error(`a training thread could not start: ${(e as Error).message}`);
      }
      const r: Replica = { worker, grad: new SharedArrayBuffer(total * 4), input: null, pending: null, failure: null };
      replicas.push(r);
      ready.push(
        new Promise<void>((resolve, reject) => {
          const fail = (e: Error) => {
            r.failure ??= e;
            reject(r.failure);
            if (r.pending) r.pending.reject(r.failure);
            r.pending = null;
          };
          r.worker.on('message', (m: FromReplica) => {
            if (m.type === 'ready') resolve();
            else if (m.type === 'done' && r.pending?.id === m.id) {
              r.pending.resolve({ lossSum: m.lossSum, correct: m.correct });
              r.pending = null;
            } else if (m.type === 'predicted' && r.pending?.id === m.id) {
              r.pending.resolve({ out: m.out, ms: m.ms });
              r.pending = null;
            } else if (m.type === 'error') fail(new Error(`a training thread failed: ${m.message}`));
          });
          r.worker.on('error', (e) => fail(new Error(`a training thread failed: ${e.message}`)));
          r.worker.on('exit', (code) => {
            if (!group.closed) fail(new Error(`a training thread stopped (exit code ${code})`));
          });
        }),
      );
      const init: ToReplica = { type: 'init', backend: o.backend, modelJson, dataShape: o.dataShape, weightSlots: w.slots, slots, weightsBuffer: weightsBuf, gradBuffer: r.grad };
      r.worker.postMessage(init);
    }
    try {
      await Promise.all(ready);
    } catch (e) {
      await group.close();
      throw e;
    }
    return group;
  }

  /**
   * Start the shards on the replicas (one each, in order; the arrays are
   * copied, so views on a larger batch are fine); resolves when all
   * are done. Call {@link addGradients} after, before the next step.
   */
  run(shards: { xs: Float32Array; labels: Int32Array }[], batchTotal: number): Promise<ShardResult[]> {
    const reload = this.takeReload();
    return Promise.all(
      shards.map((s, i) => {
        const xs = this.shardInput(i, s.xs);
        const labels = s.labels.slice();
        return this.send(i, (id) => ({ type: 'step', id, xs, labels, batchTotal, reload }), [labels.buffer as ArrayBuffer]) as Promise<ShardResult>;
      }),
    );
  }

  /**
   * `xs` copied into replica `i`'s shared input buffer. The replica reads it
   * during the step, and the next write waits for its answer; sharing it,
   * rather than moving a fresh copy per step, leaves no garbage behind.
   */
  private shardInput(i: number, xs: Float32Array): Float32Array {
    const r = this.replicas[i];
    if (!r) return xs;
    const view = sharedFloats(r.input, xs.length);
    r.input = view.buffer as SharedArrayBuffer;
    view.set(xs);
    return view;
  }

  /**
   * The model's output for a batch, shards computed by this thread and the
   * replicas at the same time (inference mode, the published weights).
   * `xs` holds whole samples of `dataShape`, resized / converted to the
   * model's `inputShape` as the trainer does; the result is the outputs of
   * all samples in order, flattened.
   */
  async predict(xs: Float32Array, dataShape: readonly number[], inputShape: readonly number[] = dataShape): Promise<Float32Array> {
    const per = dataShape.reduce((p, q) => p * q, 1);
    const n = xs.length / per;
    const ranges = this.inferenceRanges(n);
    const reload = this.takeReload();
    const remote = Promise.all(
      ranges.slice(1).map(([a, b], i) => {
        const part = this.shardInput(i, xs.subarray(a * per, b * per));
        return this.send(i, (id) => ({ type: 'predict', id, xs: part, reload }), []) as Promise<{ out: Float32Array; ms: number }>;
      }),
    );
    const [a0, b0] = ranges[0];
    const tf = this.tf;
    const t0 = performance.now();
    const local = tf.tidy(() => {
      const x = toInputTensor(tf, xs.subarray(a0 * per, b0 * per), dataShape, inputShape);
      // One pass over the shard (predict's default batchSize 32 would split it).
      return withFoldedInference(tf, this.model, () => this.model.predict(x, { batchSize: Math.max(1, b0 - a0) }) as tfjs.Tensor).dataSync() as Float32Array;
    });
    const localMs = performance.now() - t0;
    const done = await remote;
    this.measured(ranges, [localMs, ...done.map((d) => d.ms)]);
    const parts = [local, ...done.map((d) => d.out)];
    const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  /**
   * How to split `n` images for inference: by each thread's measured speed
   * (see {@link speed}) once all are known, evenly before. The outputs do not
   * depend on the split (inference treats every image on its own).
   */
  private inferenceRanges(n: number): [number, number][] {
    const s = this.speed;
    if (s.length !== this.size || s.some((v) => v == null)) return shardRanges(n, this.size);
    const fastest = Math.max(...(s as number[]));
    return weightedRanges(n, (s as number[]).map((v) => Math.max(v, fastest * MIN_SPEED_RATIO)));
  }

  /** Update the threads' speeds from one batch: shard `ranges[i]` took `ms[i]` milliseconds. */
  private measured(ranges: [number, number][], ms: number[]): void {
    if (this.speed.length !== this.size) this.speed = new Array<number | null>(this.size).fill(null);
    ranges.forEach(([a, b], i) => {
      if (b <= a || !(ms[i] > 0)) return;
      const v = (b - a) / ms[i];
      const old = this.speed[i];
      this.speed[i] = old == null ? v : old + SPEED_SMOOTHING * (v - old);
    });
  }

  private send(i: number, make: (id: number) => ToReplica, transfer: ArrayBuffer[]): Promise<ShardResult | { out: Float32Array; ms: number }> {
    const r = this.replicas[i];
    if (!r) return Promise.reject(new Error(`no replica thread ${i}`));
    if (r.failure) return Promise.reject(r.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      r.pending = { id, resolve, reject };
      r.worker.postMessage(make(id), transfer);
    });
  }

  private takeReload(): boolean {
    const r = this.reload;
    this.reload = false;
    return r;
  }

  /**
   * `grads` (the training thread's, keyed by variable name) plus those of the
   * first `shards` replicas: new tensors, keyed the same way.
   */
  addGradients(vars: readonly tfjs.Variable[], grads: tfjs.NamedTensorMap, shards: number): tfjs.NamedTensorMap {
    const { tf } = this;
    const out: tfjs.NamedTensorMap = {};
    vars.forEach((v, i) => {
      const s = this.slots[i];
      // Summed by the backend straight from the shared buffers (no JavaScript copies).
      out[v.name] = tf.tidy(() => {
        const parts = [grads[v.name], ...this.replicas.slice(0, shards).map((r) => tensorFrom(tf, new Float32Array(r.grad, s.offset * 4, s.size), s.shape))];
        return parts.length === 1 ? tf.clone(parts[0]) : parts.length === 2 ? tf.add(parts[0], parts[1]) : tf.addN(parts);
      });
    });
    return out;
  }

  /**
   * Publish the training thread's current weights (all of them, BatchNorm's
   * moving statistics included); the replicas load them before their next
   * step or prediction.
   */
  publishWeights(): void {
    this.model.weights.forEach((w, i) => readInto(this.tf, w.read(), new Float32Array(this.weights, this.weightSlots[i].offset * 4, this.weightSlots[i].size)));
    this.reload = true;
  }

  /** Stop the replica threads. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(
      this.replicas.map(async (r) => {
        r.pending?.reject(new Error('training threads closed'));
        r.pending = null;
        try {
          r.worker.postMessage({ type: 'close' } satisfies ToReplica);
        } catch {
          /* already gone */
        }
        await r.worker.terminate();
      }),
    );
  }
}

/**
 * Replica threads for a run of `steps` batches of `batchSize` when they pay
 * (`threads` 0 = {@link autoReplicas}, else that many threads in all), on the
 * backend tfjs is using. Never throws: when the threads cannot start the run
 * goes on one thread and `note` says why.
 */
export async function startReplicas(
  tf: TF,
  model: tfjs.LayersModel,
  vars: readonly tfjs.Variable[],
  o: { threads: number; batchSize: number; steps: number; dataShape: Shape },
): Promise<{ group: ReplicaGroup | null; note?: string }> {
  const backend = tf.getBackend() as BackendName;
  const wanted = Math.min(o.threads > 0 ? o.threads : autoReplicas({ backend, batchSize: o.batchSize, steps: o.steps }), o.batchSize);
  if (wanted <= 1) return { group: null };
  try {
    return { group: await ReplicaGroup.start(tf, model, vars, { count: wanted - 1, backend, dataShape: o.dataShape }) };
  } catch (e) {
    return { group: null, note: `Ran on one thread: the extra threads could not start (${(e as Error).message}).` };
  }
}
