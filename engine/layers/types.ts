/**
 * The shape of a layer definition. One LayerDef per file in engine/layers/ is
 * the single truth about a layer type: palette entry, parameter schema, shape
 * inference, counts, receptive field, and how it becomes a tf.js layer.
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { Shape } from '../core/shape';
import type { LayerError } from '../core/issues';
import type { ParamSchema, ParamsOf } from './params';
import type { KerasHook, OnnxHook, PytorchHook } from './export-types';

/** Palette groups; each has its own colour in the UI. */
export type LayerCategory =
  | 'input'
  | 'convolution'
  | 'pooling'
  | 'normalization'
  | 'activation'
  | 'regularization'
  | 'reshape'
  | 'dense'
  | 'merge';

export const LAYER_CATEGORIES: readonly { id: LayerCategory; label: string }[] = [
  { id: 'input', label: 'Input' },
  { id: 'convolution', label: 'Convolution' },
  { id: 'pooling', label: 'Pooling' },
  { id: 'normalization', label: 'Normalization' },
  { id: 'activation', label: 'Activation' },
  { id: 'regularization', label: 'Regularization' },
  { id: 'reshape', label: 'Reshape' },
  { id: 'dense', label: 'Dense' },
  { id: 'merge', label: 'Merge' },
];

/** Parameters of one layer, split as Keras splits them. */
export interface ParamCount {
  /** Weights updated by training (unless the node is frozen). */
  trainable: number;
  /** Weights never updated by gradients, e.g. BatchNorm moving mean/variance. */
  nonTrainable: number;
  /**
   * How the count is obtained, with the numbers, as the user reads it.
   * @example "(3×3×64 + 1) × 128 = 73,856"
   */
  formula: string;
}

/**
 * How one layer moves the receptive field, per spatial axis [height, width].
 * All in units of this layer's input grid.
 */
export interface RfStep {
  kernel: readonly [number, number];
  stride: readonly [number, number];
  dilation: readonly [number, number];
  /** Padding added before the first input element (top, left). */
  padBefore: readonly [number, number];
  /**
   * A transposed convolution (or upsampling): its output grid is `stride`
   * times finer. Output position o then receives input positions i with
   * i·stride + t − padBefore = o for taps t in [0, kernel); `padBefore` is what
   * TF crops from the start of the full transposed output.
   */
  transposed?: boolean;
}

/**
 * `identity`: the layer keeps the grid (activations, BatchNorm, Dropout, merges
 * take the max over their inputs). `global`: every output sees the whole input
 * (Flatten, Dense, global pooling).
 */
export type RfRule = RfStep | 'identity' | 'global';

export type TF = typeof tfjs;

export interface LayerDef<S extends ParamSchema = ParamSchema> {
  /** Stable lowercase key saved in documents, e.g. `conv2d`. Never rename. */
  type: string;
  /** Display name in the palette and on nodes, e.g. `Conv2D`. */
  label: string;
  category: LayerCategory;
  /** One line for the palette tooltip, for a learner. */
  help: string;
  /** Parameter schema: defaults, ranges and UI hints. */
  params: S;
  /** How many inputs it takes: Input 0..0, most 1..1, merges 2..∞. */
  inputs: { min: number; max: number };
  /** Output shape from input shapes, or an error in plain words. */
  outputShape(inputs: readonly Shape[], p: ParamsOf<S>): Shape | LayerError;
  /** Parameter count; only called when outputShape succeeded. */
  paramCount(inputs: readonly Shape[], p: ParamsOf<S>, out: Shape): ParamCount;
  /** Multiply-accumulates for one sample (a FLOP is about 2 MACs). */
  macs(inputs: readonly Shape[], p: ParamsOf<S>, out: Shape): number;
  /** Receptive-field step. */
  rf(inputs: readonly Shape[], p: ParamsOf<S>): RfRule;
  /** The key parameters as a short text for the node, e.g. `64 · 3×3 /2`. */
  summary(p: ParamsOf<S>): string;
  /**
   * Build the tf.js layer. `name` is the node's unique layer name (weights are
   * matched by it). tf is passed in so analysis never loads tfjs. `inputs`
   * are the analysed input shapes (batch axis omitted), for layers whose tfjs
   * arguments depend on them (Reshape resolves its −1 with them, as tfjs'
   * symbolic Reshape leaves it unknown).
   */
  toTfjs(tf: TF, p: ParamsOf<S>, name: string, inputs?: readonly Shape[]): tfjs.layers.Layer;
  /**
   * How the layer is written in ONNX (opset 13): add its nodes with the
   * context's builder and return the output tensor. Image tensors are NCHW
   * inside the ONNX graph. Helpers: engine/export/onnx/ops.ts.
   */
  onnx?: OnnxHook;
  /** The Keras constructor call (see KerasHook). Helpers: engine/export/python/keras-ops.ts. */
  keras?: KerasHook;
  /** The PyTorch module, forward expression and weight loading (NCHW). Helpers: engine/export/python/pytorch-ops.ts. */
  pytorch?: PytorchHook;
}

/** A LayerDef with its parameter types erased, as the registry holds it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyLayerDef = LayerDef<any>;
