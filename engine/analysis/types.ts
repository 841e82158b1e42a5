/** What analysis returns for a graph document. Pure data, safe to send over IPC. */
import type { Issue } from '../core/issues';
import type { Shape } from '../core/shape';

/**
 * Receptive field of one unit of a layer's output, per axis [height, width],
 * in input pixels.
 */
export interface ReceptiveField {
  /** Side of the region of the input one output unit sees. */
  size: readonly [number, number];
  /** Effective stride (jump): input pixels between neighbouring output units. */
  stride: readonly [number, number];
  /**
   * Centre of the first output unit's region, in input pixel coordinates
   * (0 = centre of the first pixel); negative when padding is involved.
   * Effective padding = (size − 1)/2 − start.
   */
  start: readonly [number, number];
  /** Every output unit sees the whole input (after Flatten, Dense, global pooling). */
  global?: boolean;
  /**
   * Output units see regions of different sizes (after a transposed
   * convolution or upsampling: e.g. kernel 3, stride 2 gives even units two
   * inputs and odd units one). `size` is then the widest.
   */
  varies?: boolean;
  /** A bound rather than exact (branches whose grids do not line up merge here). */
  approximate?: boolean;
  /**
   * The exact region of every output unit, per axis [height, width], when
   * units differ (`varies`); see {@link RfPattern}. Otherwise unit u sees
   * start + u·stride ± (size − 1)/2. `rfUnitRegion()` handles both.
   */
  pattern?: readonly [RfPattern, RfPattern];
}

/**
 * Receptive-field regions of one axis as a repeating pattern: units
 * 0…period−1 see input pixels first[φ]…last[φ] (null: that unit sees no
 * pixel), and unit u = φ + m·period sees the region of unit φ moved by
 * m·period·stride pixels. period is 1 except after transposed convolutions
 * and upsampling. Pixels may lie outside the image (padding).
 */
export interface RfPattern {
  period: number;
  first: readonly (number | null)[];
  last: readonly (number | null)[];
}

export interface NodeAnalysis {
  id: string;
  /** Unique layer name (the node's name or one derived from its type). */
  name: string;
  type: string;
  /** Shapes arriving at each input slot (null where unknown). */
  inputShapes: (Shape | null)[];
  /** Null when the node or something upstream has an error. */
  outputShape: Shape | null;
  /** Parameters resolved against defaults (what the layer will use). */
  params: Record<string, unknown>;
  /** Total parameters (trainable + non-trainable). */
  paramCount: number;
  trainable: number;
  nonTrainable: number;
  /** e.g. "(3×3×64 + 1) × 128 = 73,856". */
  formula: string;
  /** Multiply-accumulates per sample. */
  macs: number;
  /** Bytes of this layer's output for one sample (float32). */
  activationBytes: number;
  receptiveField: ReceptiveField | null;
  frozen: boolean;
  /** Issues on this node (also listed in GraphAnalysis.issues). */
  issues: Issue[];
}

export interface GraphTotals {
  params: number;
  trainable: number;
  nonTrainable: number;
  /** Multiply-accumulates per sample. */
  macs: number;
  /** Model size in bytes (float32 weights). */
  bytes: number;
  /** Sum of all layer outputs for one sample, bytes (float32). */
  activationBytes: number;
}

export interface GraphAnalysis {
  /** Per node, by id. */
  nodes: Record<string, NodeAnalysis>;
  /** Node ids in topological order (nodes on a cycle are left out). */
  order: string[];
  /** Every issue in the graph, errors first. */
  issues: Issue[];
  totals: GraphTotals;
  /** Id of the Input node, if exactly one. */
  inputId: string | null;
  /** Ids of nodes whose output nothing consumes (the model outputs). */
  outputIds: string[];
}
