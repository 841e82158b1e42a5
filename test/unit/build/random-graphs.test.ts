/**
 * Property test: many random networks (chains and DAGs with Add and
 * Concatenate branches, every layer type, random strides, paddings, kernels,
 * dilations, depth multipliers, frozen layers) are analysed and then built
 * with buildModel; for every layer, the analysis' output shape, parameter
 * count and trainable split must equal what tfjs reports, and the shapes the
 * model really produces when run. Layers the analysis refuses (E00x) are kept
 * out of the network and must be refused by tfjs too.
 *
 * CI-sized: small images and channel counts; a fixed seed (FC_SEED overrides).
 */
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeGraph } from '../../../engine/analysis';
import type { GraphDoc, GraphEdge, GraphNode } from '../../../engine/graph/doc';
import { LAYER_DEFS } from '../../../engine/layers';
import { buildModel } from '../../../engine/train/build-model';
import { tfRejects } from '../layers/tf-oracle';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const RUNS = Number(process.env.FC_RUNS ?? 150);
const SEED = Number(process.env.FC_SEED ?? 20261127);
const MAX_SIDE = 40;
const MAX_CHANNELS = 24;

type Shape = number[];
interface Step {
  src: number;
  others: number[];
  op: number;
  r: number[];
  frozen: boolean;
  /** Ignore compatibility when choosing merge partners / targets (to provoke errors). */
  wild: boolean;
}
interface Candidate {
  type: string;
  params: Record<string, unknown>;
  inputs: number[];
}

const stepArb: fc.Arbitrary<Step> = fc.record({
  src: fc.nat(100),
  others: fc.array(fc.nat(100), { minLength: 2, maxLength: 2 }),
  op: fc.nat(1000),
  r: fc.array(fc.nat(1000), { minLength: 8, maxLength: 8 }),
  frozen: fc.boolean(),
  wild: fc.nat(6).map((x) => x === 0),
});
const graphArb = fc.record({
  input: fc.tuple(fc.integer({ min: 4, max: 20 }), fc.integer({ min: 4, max: 20 }), fc.integer({ min: 1, max: 4 })),
  steps: fc.array(stepArb, { minLength: 3, maxLength: 14 }),
});

const ACTS = ['linear', 'relu', 'relu6', 'sigmoid', 'tanh', 'elu', 'selu', 'gelu', 'swish', 'softplus', 'softsign', 'softmax'];
const pick = <T>(xs: readonly T[], n: number) => xs[n % xs.length];
const pair = (a: number, b: number, max: number) => [1 + (a % max), 1 + (b % max)];

/** A layer to try on top of node `at` (shape `x`), from the step's random numbers. */
function propose(step: Step, at: number, shapes: Shape[]): Candidate | null {
  const x = shapes[at];
  const r = step.r;
  const img = x.length === 3;
  const [h, w, c] = x;
  const one = (type: string, params: Record<string, unknown> = {}): Candidate => ({ type, params, inputs: [at] });
  const conv = {
    kernel: pair(r[1], r[2], 4),
    stride: pair(r[3], r[4], 3),
    padding: pick(['same', 'valid'], r[5]),
    useBias: r[2] % 3 !== 0,
    activation: pick(ACTS, r[7]),
  };
  const dilation = r[6] % 4 === 0 ? pair(r[7], r[1], 3) : [1, 1];
  const merge = (type: string, ok: (s: Shape) => boolean): Candidate | null => {
    const pool = shapes.map((s, i) => i).filter((i) => i !== at && (step.wild || ok(shapes[i])));
    if (pool.length === 0) return null;
    const n = type === 'concatenate' ? 1 + (r[0] % 2) : 1;
    const partners = step.others.slice(0, n).map((o) => pool[o % pool.length]);
    return { type, params: {}, inputs: r[1] % 2 ? [at, ...partners] : [...partners, at] };
  };
  const sameButChannels = (s: Shape) => s.length === x.length && s.slice(0, -1).every((d, i) => d === x[i]);

  const imageOps: (() => Candidate | null)[] = [
    () => one('conv2d', { ...conv, filters: 1 + (r[0] % 6), dilation }),
    () => (c * (1 + (r[6] % 3)) > MAX_CHANNELS ? null : one('depthwise-conv2d', { ...conv, depthMultiplier: 1 + (r[6] % 3) })),
    () => one('separable-conv2d', { ...conv, filters: 1 + (r[0] % 6), dilation, depthMultiplier: 1 + (r[6] % 2) }),
    () => {
      const stride = pair(r[3], r[4], 3);
      if (h * stride[0] + 4 > MAX_SIDE || w * stride[1] + 4 > MAX_SIDE) return null;
      return one('conv2d-transpose', { filters: 1 + (r[0] % 5), kernel: pair(r[1], r[2], 4), stride, padding: conv.padding, useBias: conv.useBias });
    },
    () => one(pick(['max-pool2d', 'avg-pool2d'], r[0]), { pool: pair(r[1], r[2], 3), stride: [r[3] % 4, r[4] % 4], padding: conv.padding }),
    () => one('batch-norm', { center: r[0] % 3 !== 0, scale: r[1] % 3 !== 0 }),
    () => one('zero-padding2d', { top: r[0] % 3, bottom: r[1] % 3, left: r[2] % 3, right: r[3] % 3 }),
    () => {
      const size = pair(r[0], r[1], 2);
      if (h * size[0] > MAX_SIDE || w * size[1] > MAX_SIDE) return null;
      return one('upsampling2d', { size, interpolation: pick(['nearest', 'bilinear'], r[2]) });
    },
    () => one('reshape', { targetShape: step.wild ? [1 + (r[0] % 5), -1] : pick([[w, h, c], [h * w, 1, -1], [-1]], r[0]) }),
    () => one(pick(['flatten', 'global-avg-pool2d', 'global-max-pool2d'], r[0])),
    () => merge('add', (s) => s.length === x.length && s.every((d, i) => d === x[i])),
    () => (c > MAX_CHANNELS / 2 ? null : merge('concatenate', sameButChannels)),
  ];
  const anyOps: (() => Candidate | null)[] = [
    () => one('relu', { maxValue: r[0] % 2 ? 6 : 0 }),
    () => one('leaky-relu', { alpha: (r[0] % 10) / 10 }),
    () => one(pick(['elu', 'sigmoid', 'tanh', 'softmax'], r[0])),
    () => one('activation', { activation: pick(ACTS.slice(1), r[0]) }),
    () => one('dropout', { rate: (r[0] % 9) / 10 }),
    () => one('rescaling', { scale: 1 / (1 + (r[0] % 255)), offset: (r[1] % 3) - 1 }),
  ];
  const vectorOps: (() => Candidate | null)[] = [
    () => one('dense', { units: 1 + (r[0] % 8), useBias: conv.useBias, activation: conv.activation }),
    () => one('batch-norm', { center: r[0] % 3 !== 0, scale: r[1] % 3 !== 0 }),
    () => one('reshape', { targetShape: step.wild ? [r[0] % 4, -1] : [1, 1, -1] }),
    () => (step.wild ? one('flatten') : null),
    () => merge('add', (s) => s.length === 1 && s[0] === x[0]),
    () => merge('concatenate', (s) => s.length === 1),
  ];
  const ops = [...(img ? imageOps : vectorOps), ...anyOps];
  return ops[step.op % ops.length]();
}

/** NumPy broadcasting of shapes (aligned on the right), or null when they do not broadcast. */
function broadcastShape(shapes: Shape[]): Shape | null {
  const n = Math.max(...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 1; i <= n; i++) {
    const dims = new Set(shapes.map((s) => s[s.length - i] ?? 1).filter((d) => d !== 1));
    if (dims.size > 1) return null;
    out.unshift(dims.size ? [...dims][0] : 1);
  }
  return out;
}

/** Tally over the whole run, checked at the end so the generator keeps covering what it should. */
const built = new Map<string, number>();
const refused = new Map<string, number>();
const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

function runOne(input: [number, number, number], steps: Step[]) {
  const nodes: GraphNode[] = [{ id: 'n0', type: 'input', params: { shape: [...input] }, position: { x: 0, y: 0 } }];
  const edges: GraphEdge[] = [];
  const shapes: Shape[] = [[...input]];
  const doc = (): GraphDoc => ({ format: 'cnn-designer.graph', version: 1, name: 'random', nodes, edges });

  for (const step of steps) {
    const cand = propose(step, step.src % shapes.length, shapes);
    if (!cand) continue;
    const id = `n${nodes.length}`;
    const node: GraphNode = { id, type: cand.type, params: cand.params, position: { x: 0, y: 0 } };
    if (step.frozen && step.r[0] % 3 === 0) node.frozen = true;
    const newEdges = cand.inputs.map((src, i) => ({ id: `e${edges.length + i}`, source: nodes[src].id, target: id, targetIndex: i }));
    const a = analyzeGraph({ ...doc(), nodes: [...nodes, node], edges: [...edges, ...newEdges] });
    const errors = a.nodes[id].issues.filter((i) => i.severity === 'error');
    if (errors.length > 0) {
      // The analysis refuses this layer here: tfjs must refuse it too…
      const ins = cand.inputs.map((k) => shapes[k]);
      const verdict = tfRejects(cand.type, cand.params, ins);
      const why = `${cand.type} ${JSON.stringify(cand.params)} on ${JSON.stringify(ins)}: analysis says ${errors[0].code} "${errors[0].message}", tfjs ${verdict.how}`;
      // …except one deliberate difference: tfjs (like Keras) broadcasts an Add
      // of shapes such as 1×1×C and C; we call that a mistake (E006), as a
      // residual sum of different shapes almost always is for a learner.
      const broadcast = cand.type === 'add' ? broadcastShape(ins) : null;
      if (broadcast) {
        expect(verdict.rejected, why).toBe(false);
        bump(refused, 'E006 (tfjs broadcasts)');
      } else {
        expect(verdict.rejected, why).toBe(true);
        bump(refused, errors[0].code);
      }
      continue;
    }
    nodes.push(node);
    edges.push(...newEdges);
    shapes.push([...a.nodes[id].outputShape!]);
  }

  const a = analyzeGraph(doc());
  expect(a.issues.filter((i) => i.severity === 'error')).toEqual([]);
  const model = buildModel(tf, doc(), a);
  const size = (ws: tf.LayerVariable[]) => ws.reduce((s, v) => s + (v.shape as number[]).reduce((x, y) => x * y, 1), 0);
  for (const id of a.order) {
    const n = a.nodes[id];
    const layer = model.getLayer(n.name);
    const what = `${n.name} (${n.type} ${JSON.stringify(n.params)}) on ${JSON.stringify(n.inputShapes)}`;
    expect(layer.outputShape, what).toEqual([null, ...n.outputShape!]);
    expect(layer.countParams(), what).toBe(n.paramCount);
    expect([size(layer.trainableWeights), size(layer.nonTrainableWeights)], what).toEqual([n.trainable, n.nonTrainable]);
    bump(built, n.type);
  }
  expect(size(model.trainableWeights)).toBe(a.totals.trainable);
  expect(model.countParams()).toBe(a.totals.params);

  // What the model really produces when run, layer by layer.
  const probe = tf.model({ inputs: model.inputs, outputs: a.order.slice(1).map((id) => model.getLayer(a.nodes[id].name).output as tf.SymbolicTensor) });
  tf.tidy(() => {
    const outs = probe.predict(tf.randomNormal([1, ...input], 0, 1, 'float32', 1));
    const list = Array.isArray(outs) ? outs : [outs];
    a.order.slice(1).forEach((id, i) => expect(list[i].shape, a.nodes[id].name).toEqual([1, ...a.nodes[id].outputShape!]));
  });
  model.dispose();
}

describe('random networks: analysis = tfjs', () => {
  it(`${RUNS} random graphs (seed ${SEED}) build with the shapes and counts the analysis shows`, () => {
    fc.assert(
      fc.property(graphArb, ({ input, steps }) => runOne(input, steps)),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
  });

  it('exercised every layer type and the main refusals', () => {
    for (const d of LAYER_DEFS) expect(built.get(d.type) ?? 0, d.type).toBeGreaterThan(0);
    for (const code of ['E003', 'E006', 'E007']) expect(refused.get(code) ?? 0, code).toBeGreaterThan(0);
  });
});
