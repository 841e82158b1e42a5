/**
 * A replica thread of data-parallel training (see replicas.ts): it holds a
 * copy of the model on its own tfjs backend, and for each step computes the
 * gradients of its shard of the batch into its shared gradient buffer.
 */
import { createRequire } from 'node:module';
import { parentPort } from 'node:worker_threads';
import type * as tfjs from '@tensorflow/tfjs';
import { initBackend } from '../../backend';
import { registerCustomLayers } from '../../layers/tfjs-classes';
import { toInputTensor } from '../adapt';
import { withFoldedInference } from '../fold';
import { shardLoss } from '../step';
import { detectTask, type TaskInfo } from '../task';
import type { FromReplica, ToReplica, VarSlot } from './protocol';
import { readInto, tensorFrom } from './shared-io';

type TF = typeof tfjs;
type Init = Extract<ToReplica, { type: 'init' }>;

interface State {
  tf: TF;
  model: tfjs.LayersModel;
  /** Every weight of the model, in `model.weights` order (the weights buffer's layout). */
  all: tfjs.LayerVariable[];
  vars: tfjs.Variable[];
  info: TaskInfo;
  /** The init message without the model's JSON (not needed after the start). */
  init: Omit<Init, 'modelJson'>;
}

const port = parentPort;
if (!port) throw new Error('replica-worker.ts runs as a worker thread of data-parallel training');
const send = (m: FromReplica) => port.postMessage(m);
let state: State | null = null;

async function start(init: Init): Promise<State> {
  // The bundled replica leaves tfjs-backend-cpu out (bundle.ts); load it when the run is on it.
  if (init.backend === 'cpu') createRequire(import.meta.url)('@tensorflow/tfjs-backend-cpu');
  const { tf } = await initBackend({ prefer: init.backend, threads: 1 });
  registerCustomLayers(tf);
  const model = await tf.models.modelFromJSON(JSON.parse(init.modelJson));
  const det = detectTask(model);
  if ('error' in det) throw new Error(det.error);
  const vars = model.trainableWeights.map((w) => w.read() as tfjs.Variable);
  // No slots: an inference-only group (evaluation).
  if (init.slots.length > 0 && vars.length !== init.slots.length) throw new Error(`the replica's model has ${vars.length} trainable weights, the training thread's ${init.slots.length}`);
  if (model.weights.length !== init.weightSlots.length) throw new Error(`the replica's model has ${model.weights.length} weights, the training thread's ${init.weightSlots.length}`);
  const { modelJson: _json, ...rest } = init;
  const s: State = { tf, model, all: model.weights, vars, info: det, init: rest };
  // The training thread published its weights before starting us.
  reload(s);
  return s;
}

const view = (buf: SharedArrayBuffer, s: VarSlot) => new Float32Array(buf, s.offset * 4, s.size);

/** Load the weights the training thread published (all of them: BatchNorm's moving statistics too). */
function reload(s: State): void {
  const { tf, init } = s;
  // tensorFrom copies: the buffer changes later.
  s.all.forEach((w, i) => tf.tidy(() => void w.write(tensorFrom(tf, view(init.weightsBuffer, init.weightSlots[i]), init.weightSlots[i].shape))));
}

function predict(s: State, m: Extract<ToReplica, { type: 'predict' }>): { out: Float32Array; ms: number } {
  if (m.reload) reload(s);
  const { tf } = s;
  const t0 = performance.now();
  const out = tf.tidy(() => {
    const x = toInputTensor(tf, m.xs, s.init.dataShape, s.info.inputShape);
    return withFoldedInference(tf, s.model, () => s.model.predict(x, { batchSize: Math.max(1, x.shape[0]) }) as tfjs.Tensor).dataSync() as Float32Array;
  });
  return { out, ms: performance.now() - t0 };
}

function step(s: State, m: Extract<ToReplica, { type: 'step' }>): { lossSum: number; correct: number } {
  const { tf, vars, init } = s;
  if (m.reload) reload(s);
  const n = m.labels.length;
  let correct = 0;
  const lossSum = tf.tidy(() => {
    const x = toInputTensor(tf, m.xs, init.dataShape, s.info.inputShape);
    const y = tf.tensor1d(m.labels, 'int32');
    let correctT: tfjs.Tensor | null = null;
    const { value, grads } = tf.variableGrads(shardLoss(tf, s.model, x, y, s.info, m.batchTotal, (c) => (correctT = c)), vars);
    vars.forEach((v, i) => readInto(tf, grads[v.name], view(init.gradBuffer, init.slots[i])));
    correct = n > 0 ? (correctT as unknown as tfjs.Tensor).dataSync()[0] : 0;
    (correctT as unknown as tfjs.Tensor | null)?.dispose();
    return value.dataSync()[0] * m.batchTotal;
  });
  return { lossSum, correct };
}

port.on('message', async (m: ToReplica) => {
  try {
    if (m.type === 'init') {
      state = await start(m);
      send({ type: 'ready' });
    } else if (m.type === 'step') {
      if (!state) throw new Error('step before init');
      send({ type: 'done', id: m.id, ...step(state, m) });
    } else if (m.type === 'predict') {
      if (!state) throw new Error('predict before init');
      const { out, ms } = predict(state, m);
      port.postMessage({ type: 'predicted', id: m.id, out, ms } satisfies FromReplica, [out.buffer as ArrayBuffer]);
    } else if (m.type === 'close') {
      state?.model.dispose();
      state = null;
      port.close();
    }
  } catch (e) {
    send({ type: 'error', id: m.type === 'step' || m.type === 'predict' ? m.id : undefined, message: e instanceof Error ? e.message : String(e) });
  }
});
