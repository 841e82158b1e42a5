/**
 * BatchNormalization folded into the convolution before it, at inference.
 *
 * In inference mode a BatchNormalization is an affine map per channel,
 * y = (x − μ)·γ/√(σ² + ε) + β, so after a Conv2D (or DepthwiseConv2D) it can
 * be computed by the convolution itself: W' = W·γ/√(σ² + ε) (per output channel) and
 * bias' = (b − μ)·γ/√(σ² + ε) + β. A ReLU (or ReLU6) right after the
 * BatchNormalization becomes the convolution's fused activation. The
 * convolution then runs as one FusedConv2D with bias and activation, and the
 * BatchNorm and ReLU layers hand their input on unchanged: two passes over
 * every feature map fewer. On wasm (bench/fold.bench.ts, CPU time, batch
 * 64): ResNet-20 1.09–1.16× faster; MobileNet-v2 (batch 8) 1.3×.
 *
 * Only the outputs of the model are the same: the folded convolution's own
 * output is already normalised. So folding is opt-in, for one synchronous
 * call at a time ({@link withFoldedInference}), and only for chains whose
 * intermediate outputs nothing else reads (single consumer, not a model
 * output). Feature-map inspection (engine/inspect) runs layers one by one and
 * never folds. Training (`training: true`) never folds either: the layers
 * fall back to their own call.
 *
 * W' and bias' are computed on every call from the current variables (three
 * small kernels over the weights, not the activations): weights change during
 * training, and the cost is small next to a batch (ResNet-20's 19 chains:
 * a one-image predict takes 4.1–4.6 ms folded against 4.1 unfolded on wasm,
 * a batch of 64 ~100 ms). No cache, so nothing to invalidate or free.
 *
 * Residual blocks: where the backend registers the residual kernel
 * (CnnConv2DResidual, wasm), a shape-preserving conv → BN whose output feeds
 * only a two-input Add (→ ReLU) is folded together with the Add: the
 * convolution and the BatchNorm hand their input on, and the Add computes
 * act(conv(x, W') + bias' + shortcut) in one kernel (see planFold).
 *
 * How: for the duration of `fn`, the layers of each chain get an own `call`
 * property that shadows their class's (removed afterwards, also on throw).
 * That works for any Conv2D / DepthwiseConv2D / BatchNormalization /
 * Activation / ReLU instance,
 * ours (engine/layers/tfjs-classes.ts) or tfjs's own (models loaded from
 * files), without the layer classes knowing about folding.
 *
 * `CNN_FOLD=0` in the environment turns folding off (before/after
 * comparisons in one tree).
 */
import type * as tfjs from '@tensorflow/tfjs';
import { envVar } from '../core/env';
import { CONV_RESIDUAL_KERNEL } from '../backend/kernels/conv-forward';

type TF = typeof tfjs;
type Layer = tfjs.layers.Layer;
type Kwargs = Record<string, unknown> | undefined;
type CallFn = (inputs: tfjs.Tensor | tfjs.Tensor[], kwargs: Kwargs) => tfjs.Tensor | tfjs.Tensor[];

/** Activation the folded convolution applies (tfjs fused-kernel names). */
export type FoldActivation = 'linear' | 'relu' | 'relu6';

/** One Conv2D or DepthwiseConv2D → BatchNormalization (→ ReLU) chain computed by the convolution alone. */
export interface FoldChain {
  conv: Layer;
  bn: Layer;
  /** The ReLU / Activation layer folded in as the convolution's activation, or null. */
  act: Layer | null;
  activation: FoldActivation;
  /**
   * A residual connection computed by the convolution too (a ResNet block's
   * conv → BN → Add(·, shortcut) → ReLU): the Add layer, which of its two
   * inputs is this chain's, and the ReLU after it folded in as the
   * activation. Then `act` is null and `activation` 'linear'.
   */
  residual?: { add: Layer; index: number; act: Layer | null; activation: FoldActivation };
}

/** The chains of a model that {@link withFoldedInference} folds. */
export interface FoldPlan {
  chains: FoldChain[];
}

/** tfjs-layers' Conv2D / DepthwiseConv2D fields read here (not in their public typings). */
interface ConvFields {
  rank: number;
  /** Conv2D's [kh, kw, Ci, Co]. */
  kernel?: { read(): tfjs.Tensor };
  /** DepthwiseConv2D's [kh, kw, Ci, multiplier]; output channel ci·multiplier + m. */
  depthwiseKernel?: { read(): tfjs.Tensor };
  bias: { read(): tfjs.Tensor } | null;
  strides: number[];
  padding: string;
  dataFormat: string;
  dilationRate: number[];
  activation: { getClassName(): string };
}

/** tfjs-layers' BatchNormalization fields read here. */
interface BatchNormFields {
  axis: number;
  epsilon: number;
  gamma?: { read(): tfjs.Tensor } | null;
  beta?: { read(): tfjs.Tensor } | null;
  movingMean?: { read(): tfjs.Tensor } | null;
  movingVariance?: { read(): tfjs.Tensor } | null;
}

/** A LayersModel (or Sequential) used as a layer: has layers and output layers. */
interface ContainerLike {
  layers: Layer[];
  outputLayers: Layer[];
}

const FOLDED = Symbol('cnn-fold');

function isContainer(layer: unknown): layer is ContainerLike & Layer {
  const c = layer as Partial<ContainerLike>;
  return Array.isArray(c.layers) && Array.isArray(c.outputLayers);
}

/** The single layer that consumes `layer`'s output, or null (several, none, shared layer, or a model output). */
function soleConsumer(layer: Layer, outputs: ReadonlySet<Layer>): Layer | null {
  if (layer.inboundNodes.length !== 1 || outputs.has(layer)) return null;
  if (layer.outboundNodes.length !== 1) return null;
  const node = layer.outboundNodes[0];
  const next = node.outboundLayer;
  // The consumer must be applied once, to this output only.
  if (next.inboundNodes.length !== 1 || next.inboundNodes[0] !== node) return null;
  if (node.inboundLayers.length !== 1 || node.inboundLayers[0] !== layer) return null;
  return next;
}

function foldableConv(layer: Layer): boolean {
  const c = layer as unknown as ConvFields;
  const name = layer.getClassName();
  if (name === 'Conv2D') {
    if (c.kernel == null) return false;
  } else if (name === 'DepthwiseConv2D') {
    // tfjs 4.22's DepthwiseConv2D computes without its dilation rate; fold only where that does not matter.
    if (c.depthwiseKernel == null || c.dilationRate.some((d) => d !== 1)) return false;
  } else return false;
  return c.rank === 2 && c.dataFormat === 'channelsLast' && c.activation?.getClassName() === 'linear' && (c.padding === 'same' || c.padding === 'valid');
}

/**
 * The Add layer that sums `bn`'s output with one other tensor, and which of
 * its inputs `bn`'s is; null unless `bn` feeds only that Add, once, and the
 * Add is applied once to two inputs.
 */
function residualAdd(bn: Layer, outputs: ReadonlySet<Layer>): { add: Layer; index: number } | null {
  if (bn.inboundNodes.length !== 1 || outputs.has(bn) || bn.outboundNodes.length !== 1) return null;
  const node = bn.outboundNodes[0];
  const add = node.outboundLayer;
  if (add.getClassName() !== 'Add' || add.inboundNodes.length !== 1 || add.inboundNodes[0] !== node) return null;
  if (node.inboundLayers.length !== 2 || node.inboundLayers[0] === node.inboundLayers[1]) return null;
  const index = node.inboundLayers.indexOf(bn);
  return index < 0 ? null : { add, index };
}

/**
 * Whether a folded Conv2D's output has its input's shape (stride 1, 'same',
 * as many filters as input channels): then, fused with the Add after it, the
 * convolution can hand its input on unchanged and the Add compute it.
 */
function shapePreserving(conv: Layer): boolean {
  const c = conv as unknown as ConvFields;
  if (conv.getClassName() !== 'Conv2D' || c.kernel == null) return false;
  const [, , ci, co] = c.kernel.read().shape;
  return c.padding === 'same' && c.strides.every((v) => v === 1) && ci === co;
}

function foldableBatchNorm(layer: Layer): boolean {
  if (layer.getClassName() !== 'BatchNormalization') return false;
  const b = layer as unknown as BatchNormFields;
  // Conv2D's output is rank 4, channels last: the BN must normalise axis 3.
  return (b.axis === -1 || b.axis === 3) && b.movingMean != null && b.movingVariance != null;
}

/** The fused activation a ReLU-like layer amounts to, or null. */
function reluKind(layer: Layer): 'relu' | 'relu6' | null {
  const name = layer.getClassName();
  if (name === 'ReLU') {
    const max = (layer as unknown as { maxValue?: number | null }).maxValue;
    if (max == null) return 'relu';
    return max === 6 ? 'relu6' : null;
  }
  if (name === 'Activation') {
    const f = (layer as unknown as { activation?: { getClassName(): string } }).activation?.getClassName();
    return f === 'relu' || f === 'relu6' ? f : null;
  }
  return null;
}

/**
 * Find the Conv2D / DepthwiseConv2D → BatchNormalization (→ ReLU/ReLU6)
 * chains of `model` that can be folded: a channels-last 2-D convolution
 * (depthwise: not dilated) with no activation of its own, whose output feeds
 * only a BatchNormalization over the channel axis, and (optionally) that
 * BatchNormalization's output feeds only a ReLU, ReLU6 or
 * Activation('relu'|'relu6'). No intermediate output of
 * a chain may be a model output. Layers of nested models are searched too.
 *
 * With `residual` (the backend has the residual kernel), a shape-preserving
 * Conv2D → BatchNormalization whose output feeds only a two-input Add (→
 * ReLU/ReLU6) also folds the Add and the activation (one chain per Add).
 */
export function planFold(model: tfjs.LayersModel, o: { residual?: boolean } = {}): FoldPlan {
  const chains: FoldChain[] = [];
  const claimed = new Set<Layer>();
  const visit = (container: ContainerLike) => {
    const outputs = new Set(container.outputLayers);
    for (const layer of container.layers) {
      if (isContainer(layer)) {
        visit(layer);
        continue;
      }
      if (!foldableConv(layer)) continue;
      const bn = soleConsumer(layer, outputs);
      if (!bn || !foldableBatchNorm(bn)) continue;
      const sum = o.residual && shapePreserving(layer) ? residualAdd(bn, outputs) : null;
      if (sum && !claimed.has(sum.add)) {
        claimed.add(sum.add);
        const after = soleConsumer(sum.add, outputs);
        const kind = after ? reluKind(after) : null;
        chains.push({ conv: layer, bn, act: null, activation: 'linear', residual: { ...sum, act: kind ? after : null, activation: kind ?? 'linear' } });
        continue;
      }
      const after = soleConsumer(bn, outputs);
      const kind = after ? reluKind(after) : null;
      chains.push({ conv: layer, bn, act: kind ? after : null, activation: kind ?? 'linear' });
    }
  };
  visit(model as unknown as ContainerLike);
  return { chains };
}

/** The folded convolution of a chain: one fused (depthwise) conv2d with W', bias' and the activation. */
export function foldedConv(tf: TF, chain: FoldChain, x: tfjs.Tensor): tfjs.Tensor {
  return tf.tidy(() => {
    const { args, depthwise } = foldedArgs(tf, chain, x);
    return depthwise ? tf.fused.depthwiseConv2d(args) : tf.fused.conv2d(args);
  });
}

/**
 * A residual chain's output: act(conv(x, W') + bias' + shortcut), by the
 * backend's residual kernel (see planFold).
 */
export function foldedResidualConv(tf: TF, chain: FoldChain, x: tfjs.Tensor, shortcut: tfjs.Tensor): tfjs.Tensor {
  return tf.tidy(() => {
    const { args } = foldedArgs(tf, chain, x);
    const { x: input, filter, bias, ...attrs } = args;
    return tf.engine().runKernel(CONV_RESIDUAL_KERNEL, { x: input, filter, bias, residual: shortcut }, { ...attrs, activation: chain.residual?.activation ?? 'linear' } as unknown as tfjs.NamedAttrMap) as tfjs.Tensor;
  });
}

/** W', bias' and the attributes of a chain's folded convolution (inside a tidy). */
function foldedArgs(tf: TF, chain: FoldChain, x: tfjs.Tensor) {
  const c = chain.conv as unknown as ConvFields;
  const b = chain.bn as unknown as BatchNormFields;
  const depthwise = c.depthwiseKernel != null && chain.conv.getClassName() === 'DepthwiseConv2D';
  const weights = (depthwise ? c.depthwiseKernel! : c.kernel!).read() as tfjs.Tensor4D;
  const [kh, kw, ci, co] = weights.shape;
  // Depthwise [kh, kw, Ci, m] read as [kh, kw, 1, Ci·m]: the last axis is then the output channel.
  const kernel = depthwise ? (weights.reshape([kh, kw, 1, ci * co]) as tfjs.Tensor4D) : weights;
  const channels = kernel.shape[3];
  const mean = b.movingMean!.read() as tfjs.Tensor1D;
  const variance = b.movingVariance!.read() as tfjs.Tensor1D;
  const gamma = b.gamma?.read() as tfjs.Tensor1D | undefined;
  const beta = b.beta?.read() as tfjs.Tensor1D | undefined;
  const zeros = tf.zeros([channels]) as tfjs.Tensor1D;
  // Inference BatchNorms over the weights (last axis = output channel):
  // W·γ/√(σ²+ε) and (b − μ)·γ/√(σ²+ε), the same arithmetic as the layer's.
  const folded = tf.batchNorm(kernel, zeros, variance, undefined, gamma, b.epsilon) as tfjs.Tensor4D;
  const filter = depthwise ? (folded.reshape([kh, kw, ci, co]) as tfjs.Tensor4D) : folded;
  // β is added by a separate Add on purpose: tf.batchNorm runs its kernel on
  // a 4-D view and reshapes back, and tfjs-backend-wasm's own FusedConv2D
  // reads the bias's rank from the data's original (4-D) shape and refuses
  // it; Add's output is created rank 1.
  const scaled = tf.batchNorm((c.bias?.read() as tfjs.Tensor1D | undefined) ?? zeros, mean, variance, undefined, gamma, b.epsilon);
  const bias = tf.add(scaled, beta ?? zeros) as tfjs.Tensor1D;
  const args = {
    x: x as tfjs.Tensor4D,
    filter,
    strides: c.strides as [number, number],
    pad: c.padding as 'same' | 'valid',
    dataFormat: 'NHWC' as const,
    dilations: c.dilationRate as [number, number],
    bias,
    activation: chain.activation,
  };
  return { args, depthwise };
}

function one(inputs: tfjs.Tensor | tfjs.Tensor[]): tfjs.Tensor {
  if (!Array.isArray(inputs)) return inputs;
  if (inputs.length !== 1) throw new Error(`a folded layer expects one input, got ${inputs.length}`);
  return inputs[0];
}

type Patched = CallFn & { [FOLDED]?: true };

function isFolded(layer: Layer): boolean {
  return (layer as unknown as { call: Patched }).call[FOLDED] === true;
}

/** Give `layer` an own `call` for the scope; returns the undo. */
function override(layer: Layer, make: (original: CallFn) => CallFn): () => void {
  const own = Object.getOwnPropertyDescriptor(layer, 'call');
  const original = (layer as unknown as { call: CallFn }).call;
  const patched: Patched = make((inputs, kwargs) => original.call(layer, inputs, kwargs));
  patched[FOLDED] = true;
  Object.defineProperty(layer, 'call', { value: patched, configurable: true, writable: true });
  return () => {
    if (own) Object.defineProperty(layer, 'call', own);
    else delete (layer as unknown as { call?: unknown }).call;
  };
}

/** CNN_FOLD: '0' = no folding, 'bn' = BatchNorm (and ReLU) only, no residual Adds; else everything. */
function foldSetting(): string | undefined {
  return envVar('CNN_FOLD');
}

/**
 * Run `fn` (synchronous: model.predict, model.apply(x, {training: false}))
 * with the chains of {@link planFold} folded. Only the model's outputs are
 * meaningful inside: do not read intermediate layers' outputs from a scope.
 * Calls with `training: true` inside run unfolded. Nested scopes on the same
 * model are harmless. Returns what `fn` returns.
 *
 * @throws TypeError when `fn` returns a promise (the fold would end before it).
 */
export function withFoldedInference<T>(tf: TF, model: tfjs.LayersModel, fn: () => T): T {
  const setting = foldSetting();
  if (setting === '0') return fn();
  const residual = setting !== 'bn' && tf.getKernel(CONV_RESIDUAL_KERNEL, tf.getBackend()) != null;
  const undo: (() => void)[] = [];
  const unlessTraining = (l: Layer, inference: CallFn) =>
    undo.push(override(l, (original) => (inputs, kwargs) => (kwargs?.training === true ? original(inputs, kwargs) : inference(inputs, kwargs))));
  try {
    for (const chain of planFold(model, { residual }).chains) {
      const r = chain.residual;
      const layers = [chain.conv, chain.bn, chain.act, r?.add, r?.act].filter((l): l is Layer => l != null);
      // A nested scope (or another model sharing these layers) already folds
      // some of them: leave the whole chain as it is, a half-folded one would be wrong.
      if (layers.some(isFolded)) continue;
      if (r) {
        // The convolution and the BatchNorm hand x on (same shape, see
        // shapePreserving); the Add computes act(conv(x) + shortcut); the ReLU hands that on.
        unlessTraining(r.add, (inputs) => {
          const both = inputs as tfjs.Tensor[];
          return foldedResidualConv(tf, chain, both[r.index], both[1 - r.index]);
        });
        for (const l of [chain.conv, chain.bn, r.act]) if (l) unlessTraining(l, one);
        continue;
      }
      unlessTraining(chain.conv, (inputs) => foldedConv(tf, chain, one(inputs)));
      for (const l of layers.slice(1)) unlessTraining(l, one);
    }
    const out = fn();
    if (out != null && typeof (out as { then?: unknown }).then === 'function')
      throw new TypeError('withFoldedInference needs a synchronous function (model.predict / model.apply); the fold would end before a promise settles');
    return out;
  } finally {
    for (let i = undo.length - 1; i >= 0; i--) undo[i]();
  }
}
