/**
 * Problems found in a user's graph. Analysis never throws on a user's graph:
 * it returns these, each on the node (or edge) that causes it, in plain words
 * that quote the value received and say how to fix it.
 *
 * Codes are stable (tests and docs refer to them); add new ones at the end.
 */
export const ISSUE_CODES = {
  E001: 'invalid parameter',
  E002: 'output size zero or negative',
  E003: 'kernel larger than its input',
  E004: 'wrong number of inputs',
  E005: 'input shape not accepted by this layer',
  E006: 'Add of different shapes',
  E007: 'Concatenate of different spatial sizes',
  E008: 'cycle',
  E009: 'missing input',
  E010: 'more than one Input',
  E011: 'no Input layer',
  E012: 'unknown layer type',
  E013: 'edge to a missing node or input slot',
  E014: 'unconnected node',
  E015: 'upstream error',
  E016: 'reshape size mismatch',
  E017: 'duplicate layer name',
  E018: 'duplicate node id',
  W101: 'Dense on an unflattened image',
  W102: 'output not used',
  W103: 'huge layer',
  W104: 'unknown parameter',
} as const;

export type IssueCode = keyof typeof ISSUE_CODES;

export interface Issue {
  /** Stable code, see {@link ISSUE_CODES}. E… are errors, W… warnings. */
  code: IssueCode;
  severity: 'error' | 'warning';
  /** Node that causes the problem, when there is one. */
  nodeId?: string;
  /** Edge that causes the problem, when there is one. */
  edgeId?: string;
  /** Parameter of the node at fault, e.g. `kernel`. */
  field?: string;
  /** What is wrong, quoting the value received. */
  message: string;
  /** How to fix it, in plain words. */
  fix?: string;
}

/** What a layer's shape inference returns when its input or parameters don't work. */
export interface LayerError {
  code: IssueCode;
  message: string;
  field?: string;
  fix?: string;
}

export function isLayerError(x: unknown): x is LayerError {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && 'message' in x && 'code' in x;
}
