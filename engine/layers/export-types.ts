/**
 * What a layer's export hooks (LayerDef `onnx`, `keras`, `pytorch`) receive.
 * Types only: the exporters in engine/export/ build these contexts and the
 * shared helpers the layer files call live in engine/export/onnx/ops.ts and
 * engine/export/python/{keras,pytorch}-ops.ts.
 */
import type { Shape } from '../core/shape';
import type { AttrValue } from '../export/onnx/proto';
import type { WeightArray, LayerWeights } from '../export/weights';

/** ONNX: the layer, its input tensors (image tensors NCHW) and a graph builder. */
export interface OnnxEmitCtx {
  /** Layer name (unique), used to name nodes and initializers. */
  name: string;
  /** Resolved parameters (analysis `params`). */
  p: Record<string, unknown>;
  /** Input tensor names in slot order; image tensors are NCHW. */
  x: string[];
  /** Engine (HWC) shapes of the inputs, batch omitted. */
  inShapes: Shape[];
  /** Engine shape of the output, batch omitted. */
  outShape: Shape;
  /** A weight of this layer by short name (`kernel`, `bias`, `gamma`…), Keras layout. */
  weight(short: string): WeightArray;
  /** True when the layer has this weight. */
  hasWeight(short: string): boolean;
  /** Add a node; returns its (first) output name. */
  node(op: string, inputs: string[], attrs?: Record<string, AttrValue>, outputs?: number): string;
  /** Add a float initializer; returns its name. */
  floats(suffix: string, dims: number[], data: Float32Array | number[]): string;
  /** Add an int64 initializer; returns its name. */
  ints(suffix: string, values: number[]): string;
}

/** Emit a layer's ONNX nodes; returns the output tensor name (NCHW for images). */
export type OnnxHook = (c: OnnxEmitCtx) => string;

/** One layer as the Python code generators see it. */
export interface CodeLayer {
  id: string;
  type: string;
  /** Layer name in the model (and in the weights file). */
  name: string;
  /** Python identifier of this layer's output / module. */
  v: string;
  /** Resolved parameters. */
  p: Record<string, unknown>;
  inShapes: Shape[];
  outShape: Shape;
  /** Variables of its inputs, in slot order. */
  inputs: string[];
  frozen: boolean;
}

/**
 * Keras: the layer constructor call without its closing parenthesis, e.g.
 * `layers.Conv2D(32, (3, 3)` or `layers.Flatten(`; the generator adds
 * `name=…)` and the call on the inputs. Input layers return ''.
 */
export type KerasHook = (l: CodeLayer) => string;

/** PyTorch: module lines for __init__, the forward expression, weight loading lines. */
export interface PtLayer {
  /** `self.<v> = nn.…` lines. */
  init?: string[];
  /** Expression of the output (NCHW for images). */
  fwd: string;
  /** Lines copying weights from `w` (the npz) into `m` (the module), with layout transposes. */
  load?: string[];
}

export type PytorchHook = (l: CodeLayer, weights: LayerWeights | null) => PtLayer;
