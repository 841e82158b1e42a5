/**
 * Messages between the training thread and its replica threads
 * (data-parallel training, see replicas.ts). Plain data only.
 */
import type { BackendName } from '../../backend';
import type { Shape } from '../../core/shape';

/** Where one trainable variable lives in the shared weight and gradient buffers (float32 elements). */
export interface VarSlot {
  offset: number;
  size: number;
  shape: number[];
}

export type ToReplica =
  | {
      type: 'init';
      backend: BackendName;
      /** The model's topology, `LayersModel.toJSON()` (our layer classes are registered under their Keras names). */
      modelJson: string;
      /** Shape of one sample of the data, [H, W, C] (may differ from the model's Input when adapted). */
      dataShape: Shape;
      /** Every weight (`model.weights` order) in the weights buffer. */
      weightSlots: VarSlot[];
      /** Trainable variables (`model.trainableWeights` order) in the gradient buffer. */
      slots: VarSlot[];
      /** Current weights (every one, `model.weights` order), written by the training thread before the start and between steps. */
      weightsBuffer: SharedArrayBuffer;
      /** This replica's gradients, written by the replica during a step. */
      gradBuffer: SharedArrayBuffer;
    }
  | {
      type: 'step';
      id: number;
      /** The shard's pixels: a view on a SharedArrayBuffer the training thread rewrites only after this step's answer. */
      xs: Float32Array;
      labels: Int32Array;
      /** Images in the whole batch: each replica's loss is its sum over its shard / this, so the gradients add up. */
      batchTotal: number;
      /** Read the weights buffer first (the training thread updated them since the last step). */
      reload: boolean;
    }
  | {
      type: 'predict';
      id: number;
      /** As for 'step'. */
      xs: Float32Array;
      /** Read the weights buffer first. */
      reload: boolean;
    }
  | { type: 'close' };

export type FromReplica =
  | { type: 'ready' }
  | { type: 'done'; id: number; lossSum: number; correct: number }
  /** `ms`: wall time the replica spent computing the shard (for splitting later batches by speed). */
  | { type: 'predicted'; id: number; out: Float32Array; ms: number }
  | { type: 'error'; id?: number; message: string };
