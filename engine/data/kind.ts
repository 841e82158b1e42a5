/**
 * What one dataset format file exports: a DatasetKind, listed once in
 * registry.ts. To add a format: write `my-format.ts` exporting a DatasetKind,
 * add it to DATASET_KINDS, and add its tests under test/unit/data/.
 */
import type { ParsedSpec } from './spec';
import type { Dataset, OpenOptions } from './types';

export interface DatasetKind {
  /** Spec prefix, e.g. `fashion-mnist`. */
  kind: string;
  /** Display name, e.g. "Fashion-MNIST". */
  label: string;
  /** One sentence for the picker. */
  description: string;
  /** What the directory must hold (file kinds), for the picker's help text. */
  expects?: string;
  /** Options the spec may carry after `?`. */
  options: readonly string[];
  /** Ready-made specs this kind offers without files (the built-in sets). */
  presets?: readonly { spec: string; label: string; description: string }[];
  /** Directories where system packages install these files (the picker offers them when present). */
  knownDirs?: readonly string[];
  /** Opens `p`; `spec` is the user's string, for messages. Throws DatasetError. */
  open(p: ParsedSpec, spec: string, opts: OpenOptions): Promise<Dataset>;
}
