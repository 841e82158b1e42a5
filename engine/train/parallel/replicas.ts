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
import type { FromReplica, ToReplica, VarSlot } from './protocol';
import { spawnWorker, workerEntry } from './spawn';

type TF = typeof tfjs;

/** Fewest images per shard worth a thread: smaller shards cost more in overhead (and noisier BatchNorm statistics) than they gain. */
export const MIN_SHARD = 16;
/** Fewest training steps worth starting replicas for (each takes about a second to load its backend). */
export const MIN_STEPS = 8;
/** Most threads one training run uses. */
export const MAX_REPLICAS = 4;

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

/** What one replica computed for its shard; its gradients are in the group's buffers until the next step. */
export interface ShardResult {
  lossSum: number;
  correct: number;
}

const HERE = path.dirname(fileURLToPath(import.meta.url));

interface Pending {
  id: number;
  resolve: (r: ShardResult | Float32Array) => void;
  reject: (e: Error) => void;
}

interface Replica {
  worker: Worker;
  grad: SharedArrayBuffer;
  pending: Pending | null;
  failure: Error | null;
}

/** Replica threads for one model: start with {@link ReplicaGroup.start}, end with {@link ReplicaGroup.close}. */
export class ReplicaGroup {
  private nextId = 1;
  private reload = false;
  private closed = false;

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
    const weights = model.getWeights().map((t) => ({ shape: [...t.shape], data: t.dataSync() as Float32Array }));
    const entry = o.entry ?? workerEntry(HERE, 'replica-worker');
    const replicas: Replica[] = [];
    const group = new ReplicaGroup(tf, model, replicas, slots, w.slots, weightsBuf);
    const ready: Promise<void>[] = [];
    for (let i = 0; i < o.count; i++) {
      const r: Replica = { worker: spawnWorker(entry, {}), grad: new SharedArrayBuffer(total * 4), pending: null, failure: null };
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
              r.pending.resolve(m.out);
              r.pending = null;
            } else if (m.type === 'error') fail(new Error(`a training thread failed: ${m.message}`));
          });
          r.worker.on('error', (e) => fail(new Error(`a training thread failed: ${e.message}`)));
          r.worker.on('exit', (code) => {
            if (!group.closed) fail(new Error(`a training thread stopped (exit code ${code})`));
          });
        }),
      );
      const init: ToReplica = { type: 'init', backend: o.backend, modelJson, weights, dataShape: o.dataShape, weightSlots: w.slots, slots, weightsBuffer: weightsBuf, gradBuffer: r.grad };
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
   * Start the shards on the replicas (one each, in order); resolves when all
   * are done. Call {@link addGradients} after, before the next step.
   */
  run(shards: { xs: Float32Array; labels: Int32Array }[], batchTotal: number): Promise<ShardResult[]> {
    const reload = this.takeReload();
    return Promise.all(
      shards.map(
        (s, i) =>
          this.send(i, (id) => ({ type: 'step', id, xs: s.xs, labels: s.labels, batchTotal, reload }), [s.xs.buffer as ArrayBuffer, s.labels.buffer as ArrayBuffer]) as Promise<ShardResult>,
      ),
    );
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
    const ranges = shardRanges(n, this.size);
    const reload = this.takeReload();
    const remote = Promise.all(
      ranges.slice(1).map(([a, b], i) => {
        const part = xs.slice(a * per, b * per);
        return this.send(i, (id) => ({ type: 'predict', id, xs: part, reload }), [part.buffer as ArrayBuffer]) as Promise<Float32Array>;
      }),
    );
    const [a0, b0] = ranges[0];
    const tf = this.tf;
    const local = tf.tidy(() => {
      const x = toInputTensor(tf, xs.subarray(a0 * per, b0 * per), dataShape, inputShape);
      // One pass over the shard (predict's default batchSize 32 would split it).
      return withFoldedInference(tf, this.model, () => this.model.predict(x, { batchSize: Math.max(1, b0 - a0) }) as tfjs.Tensor).dataSync() as Float32Array;
    });
    const parts = [local, ...(await remote)];
    const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  private send(i: number, make: (id: number) => ToReplica, transfer: ArrayBuffer[]): Promise<ShardResult | Float32Array> {
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
    const out: tfjs.NamedTensorMap = {};
    vars.forEach((v, i) => {
      const s = this.slots[i];
      const acc = new Float32Array(this.replicas[0].grad, s.offset * 4, s.size).slice();
      for (let r = 1; r < shards; r++) {
        const g = new Float32Array(this.replicas[r].grad, s.offset * 4, s.size);
        for (let j = 0; j < acc.length; j++) acc[j] += g[j];
      }
      out[v.name] = shards > 0 ? this.tf.tidy(() => this.tf.add(grads[v.name], this.tf.tensor(acc, s.shape))) : this.tf.clone(grads[v.name]);
    });
    return out;
  }

  /**
   * Publish the training thread's current weights (all of them, BatchNorm's
   * moving statistics included); the replicas load them before their next
   * step or prediction.
   */
  publishWeights(): void {
    this.model.weights.forEach((w, i) => new Float32Array(this.weights, this.weightSlots[i].offset * 4, this.weightSlots[i].size).set(w.read().dataSync() as Float32Array));
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
