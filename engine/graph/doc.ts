/**
 * The graph document: the one JSON format for user projects and templates.
 * Versioned; older versions are migrated on load (see migrate.ts).
 */

export const GRAPH_FORMAT = 'cnn-designer.graph' as const;
export const GRAPH_VERSION = 1 as const;

export interface GraphNode {
  /** Unique within the document; stable across edits. */
  id: string;
  /** Layer type key from the catalog, e.g. `conv2d`. */
  type: string;
  /** Only what the user chose; missing keys take the layer's defaults. */
  params: Record<string, unknown>;
  /** Canvas position in pixels (top-left of the node). */
  position: { x: number; y: number };
  /**
   * Layer name used in the built model and for matching weights, unique in the
   * document, e.g. `conv2d_1` or Keras' `block1_conv1`. Derived when absent.
   */
  name?: string;
  /** Frozen: weights are not trained (transfer learning). */
  frozen?: boolean;
}

export interface GraphEdge {
  id: string;
  /** Node whose output feeds the edge. */
  source: string;
  /** Node that receives it. */
  target: string;
  /** Which input slot of the target (0 for single-input layers; order matters for Concatenate). */
  targetIndex: number;
}

/** Where the document's trained weights live: a TF.js model.json beside it. */
export interface WeightsRef {
  /** Path relative to the document, e.g. `my-net.weights/model.json`. */
  path: string;
  /** When trained, ISO 8601. */
  savedAt?: string;
}

/** Optional gallery and provenance text (templates fill these in). */
export interface DocMeta {
  year?: number;
  paper?: string;
  /** Paper URL or citation. */
  paperUrl?: string;
  /** Key idea in two or three sentences for a learner. */
  idea?: string;
  /** Which reference implementation the counts match, with version. */
  reference?: string;
  /** Free tags for the gallery, e.g. ["classic", "residual"]. */
  tags?: string[];
}

export interface TrainingSettings {
  optimizer?: 'sgd' | 'adam' | 'rmsprop';
  learningRate?: number;
  momentum?: number;
  batchSize?: number;
  epochs?: number;
  validationSplit?: number;
  augment?: { flip?: boolean; shift?: number };
  earlyStopping?: { patience: number } | null;
}

export interface DatasetRef {
  /** A dataset spec: `builtin:shapes`, `fashion-mnist:DIR`, `mnist:DIR`, `cifar10:DIR`, `folder:DIR`. */
  spec: string;
}

export interface GraphDoc {
  format: typeof GRAPH_FORMAT;
  version: number;
  name: string;
  description?: string;
  meta?: DocMeta;
  nodes: GraphNode[];
  edges: GraphEdge[];
  training?: TrainingSettings;
  dataset?: DatasetRef;
  weights?: WeightsRef;
}

/** A new empty document. */
export function emptyDoc(name = 'Untitled network'): GraphDoc {
  return { format: GRAPH_FORMAT, version: GRAPH_VERSION, name, nodes: [], edges: [] };
}
