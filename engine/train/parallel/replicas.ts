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

interface Replica {
  worker: Worker;
  grad: SharedArrayBuffer;
  pending: { id: number; resolve: (r: ShardResult) => void; reject: (e: Error) => void } | null;
  failure: Error | null;
}

/** Replica threads for one model: start with {@link ReplicaGroup.start}, end with {@link ReplicaGroup.close}. */
export class ReplicaGroup {
  private nextId = 1;
  private reload = false;
  private closed = false;

  private constructor(
    private readonly tf: TF,
    private readonly replicas: Replica[],
    private readonly slots: VarSlot[],
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
    const slots: VarSlot[] = [];
    let total = 0;
    for (const v of vars) {
      slots.push({ offset: total, size: v.size, shape: [...v.shape] });
      total += v.size;
    }
    const weightsBuf = new SharedArrayBuffer(total * 4);
    const modelJson = model.toJSON(null, true) as string;
    const weights = model.getWeights().map((w) => ({ shape: [...w.shape], data: w.dataSync() as Float32Array }));
    const entry = o.entry ?? workerEntry(HERE, 'replica-worker');
    const replicas: Replica[] = [];
    const group = new ReplicaGroup(tf, replicas, slots, weightsBuf);
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
            } else if (m.type === 'error') fail(new Error(`a training thread failed: ${m.message}`));
          });
          r.worker.on('error', (e) => fail(new Error(`a training thread failed: ${e.message}`)));
          r.worker.on('exit', (code) => {
            if (!group.closed) fail(new Error(`a training thread stopped (exit code ${code})`));
          });
        }),
      );
      const init: ToReplica = { type: 'init', backend: o.backend, modelJson, weights, dataShape: o.dataShape, slots, weightsBuffer: weightsBuf, gradBuffer: r.grad };
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
    if (shards.length > this.replicas.length) throw new Error(`${shards.length} shards for ${this.replicas.length} replica threads`);
    const reload = this.reload;
    this.reload = false;
    return Promise.all(
      shards.map((s, i) => {
        const r = this.replicas[i];
        if (r.failure) return Promise.reject(r.failure);
        const id = this.nextId++;
        return new Promise<ShardResult>((resolve, reject) => {
          r.pending = { id, resolve, reject };
          const m: ToReplica = { type: 'step', id, xs: s.xs, labels: s.labels, batchTotal, reload };
          r.worker.postMessage(m, [s.xs.buffer as ArrayBuffer, s.labels.buffer as ArrayBuffer]);
        });
      }),
    );
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

  /** Publish the training thread's current weights; the replicas load them at their next step. */
  publishWeights(vars: readonly tfjs.Variable[]): void {
    vars.forEach((v, i) => new Float32Array(this.weights, this.slots[i].offset * 4, this.slots[i].size).set(v.dataSync() as Float32Array));
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
