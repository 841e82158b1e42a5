/**
 * Running a built model layer by layer on concrete tensors, with hooks: read
 * any layer's output, add a tensor to it (the handle Grad-CAM differentiates
 * through), stop once a layer is computed, or leave out the final softmax.
 * Branches and merges (ResNet, Inception) run as wired, because each layer is
 * fed the outputs of the layers its inbound node names.
 *
 * Everything here is differentiable (plain `layer.apply` on tensors), so it can
 * run inside tf.grad.
 */
import type * as tfjs from '@tensorflow/tfjs';
import { InspectError } from './types';

type TF = typeof tfjs;
type Layer = tfjs.layers.Layer;
type SymbolicTensor = tfjs.SymbolicTensor;

/** Options of {@link runGraph}. */
export interface RunOptions {
  /** Called with a layer's output; what it returns replaces that output downstream. */
  hooks?: Record<string, (t: tfjs.Tensor) => tfjs.Tensor>;
  /** Stop after this layer; only the layers it depends on run. */
  until?: string;
  /**
   * Return class scores before the final softmax (the logit), as saliency and
   * Grad-CAM are defined: through a softmax a class can gain only by others
   * losing, and saturated probabilities have vanishing gradients.
   */
  logits?: boolean;
  /**
   * With `until`: return that layer's value before its activation (a fused
   * activation is skipped; an activation layer returns its input). A ReLU
   * unit that is off has zero gradient everywhere, which would leave channel
   * maximisation stuck and an effective receptive field blank.
   */
  preActivation?: boolean;
}

/** Activation layers: their "pre-activation" value is their input. */
const ACTIVATION_LAYERS = new Set(['ReLU', 'LeakyReLU', 'ELU', 'Softmax', 'Activation', 'ThresholdedReLU', 'PReLU']);

/** Inbound node of a layer in this model (layers built once have exactly one). */
function inboundOf(layer: Layer): { inputs: SymbolicTensor[]; outputs: SymbolicTensor[] } {
  const node = layer.inboundNodes[0] as unknown as { inputTensors: SymbolicTensor[]; outputTensors: SymbolicTensor[] };
  return { inputs: node.inputTensors, outputs: node.outputTensors };
}

const isInputLayer = (l: Layer) => l.getClassName() === 'InputLayer';

/** The layers `target` depends on (itself included), in the model's order. */
function ancestors(model: tfjs.LayersModel, target: Layer): Set<Layer> {
  const byOutput = new Map<number, Layer>();
  for (const l of model.layers) for (const o of inboundOf(l).outputs) byOutput.set(o.id, l);
  const seen = new Set<Layer>();
  const stack = [target];
  while (stack.length) {
    const l = stack.pop()!;
    if (seen.has(l)) continue;
    seen.add(l);
    if (isInputLayer(l)) continue;
    for (const s of inboundOf(l).inputs) {
      const src = byOutput.get(s.id);
      if (src) stack.push(src);
    }
  }
  return seen;
}

/** The layer named `name`, or an InspectError listing the names there are. */
export function layerByName(model: tfjs.LayersModel, name: string): Layer {
  const l = model.layers.find((x) => x.name === name);
  if (!l) {
    const names = model.layers.map((x) => x.name);
    throw new InspectError(`the network has no layer named '${name}'; its layers are ${names.slice(0, 30).join(', ')}${names.length > 30 ? ', …' : ''}`, 'layer');
  }
  return l;
}

/** Does this layer end in a softmax (a Softmax layer, or Dense/Conv with activation 'softmax')? */
function softmaxKind(layer: Layer): 'layer' | 'activation' | null {
  const cls = layer.getClassName();
  if (cls === 'Softmax') return 'layer';
  const act = (layer.getConfig() as { activation?: unknown }).activation;
  if (cls === 'Activation' && act === 'softmax') return 'layer';
  return act === 'softmax' ? 'activation' : null;
}

/** Does the layer apply a (non-linear) activation of its own (Dense, Conv2D with activation)? */
function hasActivation(layer: Layer): boolean {
  const act = (layer as unknown as { activation?: { getClassName?: () => string } }).activation;
  return !!act && typeof act.getClassName === 'function' && act.getClassName() !== 'linear' && !ACTIVATION_LAYERS.has(layer.getClassName());
}

/** Identity stand-in for a layer's activation function while we read its logits. */
const LINEAR = { apply: (x: tfjs.Tensor) => x, getClassName: () => 'linear' };

/** Run `layer` on `inputs` with its activation replaced by the identity. */
function applyWithoutActivation(layer: Layer, inputs: tfjs.Tensor | tfjs.Tensor[]): tfjs.Tensor {
  const self = layer as unknown as { activation: unknown };
  const saved = self.activation;
  self.activation = LINEAR;
  try {
    return layer.apply(inputs, { training: false }) as tfjs.Tensor;
  } finally {
    self.activation = saved;
  }
}

/**
 * Run the model on `x` (a batch, NHWC). Returns the output of `until` when
 * given, else the model's (first) output. Call inside tf.tidy or tf.grad:
 * intermediate tensors are not disposed here.
 */
export function runGraph(tf: TF, model: tfjs.LayersModel, x: tfjs.Tensor, opts: RunOptions = {}): tfjs.Tensor {
  const values = new Map<number, tfjs.Tensor>();
  values.set(model.inputs[0].id, x);
  const target = opts.until !== undefined ? layerByName(model, opts.until) : null;
  const needed = target ? ancestors(model, target) : null;
  const outId = target ? inboundOf(target).outputs[0].id : model.outputs[0].id;
  const finalLayer = model.outputs[0].sourceLayer as Layer;

  // model.layers is ordered so that every layer comes after the ones it reads
  // (tfjs sorts a functional model's layers by depth).
  for (const layer of model.layers) {
    if (needed && !needed.has(layer)) continue;
    const { inputs, outputs } = inboundOf(layer);
    let out: tfjs.Tensor;
    if (isInputLayer(layer)) {
      out = values.get(outputs[0].id) ?? x;
    } else {
      const ins = inputs.map((s) => {
        const v = values.get(s.id);
        if (!v) throw new InspectError(`layer '${layer.name}' reads a tensor that was not computed (the model's layers are not in order)`, 'layer');
        return v;
      });
      const arg = ins.length === 1 ? ins[0] : ins;
      const dropSoftmax = opts.logits && !target && layer === finalLayer ? softmaxKind(layer) : null;
      const pre = opts.preActivation && layer === target;
      if (dropSoftmax === 'layer' || (pre && ACTIVATION_LAYERS.has(layer.getClassName()))) out = ins[0];
      else if (dropSoftmax === 'activation' || (pre && hasActivation(layer))) out = applyWithoutActivation(layer, arg);
      else out = layer.apply(arg, { training: false }) as tfjs.Tensor;
    }
    const hook = opts.hooks?.[layer.name];
    if (hook) out = hook(out);
    values.set(outputs[0].id, out);
    if (target && layer === target) break;
  }
  const out = values.get(outId);
  if (!out) throw new InspectError('the model produced no output', 'layer');
  void tf;
  return out;
}

/**
 * The default layer for Grad-CAM: the last layer whose output still has
 * height and width (the Keras Grad-CAM example's "last conv layer"), skipping
 * pooling, padding and dropout so that it lands on a convolution or on the
 * activation/addition right after one (ResNet's block output).
 */
export function lastSpatialLayer(model: tfjs.LayersModel): string | null {
  const skip = /Pooling|ZeroPadding|Dropout|InputLayer/;
  let best: string | null = null;
  for (const l of model.layers) {
    const shape = inboundOf(l).outputs[0].shape;
    if (shape.length === 4 && !skip.test(l.getClassName())) best = l.name;
  }
  return best;
}

/** Output shape of a layer without the batch axis. */
export function layerOutputShape(model: tfjs.LayersModel, name: string): number[] {
  return inboundOf(layerByName(model, name)).outputs[0].shape.slice(1) as number[];
}

/** The model's input shape [h, w, c]. */
export function modelInputShape(model: tfjs.LayersModel): [number, number, number] {
  const s = model.inputs[0].shape.slice(1);
  if (s.length !== 3 || s.some((d) => d == null)) throw new InspectError(`the network's Input is ${s.join('×')}, not an image (height × width × channels)`, 'image');
  return s as [number, number, number];
}

/** Number of classes of a classifier (its output is [batch, K]), or an InspectError. */
export function classCount(model: tfjs.LayersModel): number {
  const s = model.outputs[0].shape;
  if (s.length !== 2 || s[1] == null) throw new InspectError(`saliency needs a classifier whose output is one score per class; this network's output is ${s.slice(1).join('×')}`, 'task');
  return s[1];
}
