/**
 * The dataset formats, one DatasetKind per file, listed once here.
 * To add a format: write its file exporting a DatasetKind, add it to
 * DATASET_KINDS, document it in docs/datasets.md, test it in test/unit/data/.
 */
import { promises as fsp } from 'node:fs';
import { cifar10Kind } from './cifar';
import { DatasetError } from './errors';
import { folderKind } from './folder';
import { fashionMnistKind, mnistKind } from './idx';
import type { DatasetKind } from './kind';
import { parseSpec } from './spec';
import { shapesKind } from './synthetic-shapes';
import type { Dataset, DatasetChoice, OpenOptions } from './types';

export const DATASET_KINDS: readonly DatasetKind[] = [shapesKind, fashionMnistKind, mnistKind, cifar10Kind, folderKind];

export function getDatasetKind(kind: string): DatasetKind | undefined {
  return DATASET_KINDS.find((k) => k.kind === kind);
}

/**
 * Opens a dataset from its spec. Throws DatasetError (message naming the
 * file and what is wrong, `fix` saying what to do) for anything bad.
 * @example await openDataset('builtin:shapes?size=32&channels=3')
 * @example await openDataset('fashion-mnist:/usr/share/datasets/fashion-mnist')
 */
export async function openDataset(spec: string, opts: OpenOptions = {}): Promise<Dataset> {
  const p = parseSpec(spec);
  const kind = getDatasetKind(p.kind);
  if (!kind) {
    throw new DatasetError('BAD_SPEC', `Dataset spec "${spec}": unknown kind "${p.kind}".`, `Known kinds: ${DATASET_KINDS.map((k) => k.kind).join(', ')}.`);
  }
  return kind.open(p, spec, opts);
}

/** The built-in sets (no files needed), for the picker. */
export function listBuiltinDatasets(): DatasetChoice[] {
  return DATASET_KINDS.flatMap((k) => (k.presets ?? []).map((pr) => ({ spec: pr.spec, name: pr.label, description: pr.description, ready: true })));
}

/**
 * Everything the picker offers: the built-in sets, each file format (as a
 * template spec ending in DIR, `ready: false`), and file sets found where
 * system packages install them (e.g. Debian's dataset-fashion-mnist), `ready: true`.
 */
export async function listDatasetChoices(): Promise<DatasetChoice[]> {
  const out = listBuiltinDatasets();
  for (const k of DATASET_KINDS) {
    if (k.presets) continue;
    for (const dir of k.knownDirs ?? []) {
      const ok = await fsp.stat(dir).then((s) => s.isDirectory(), () => false);
      if (ok) out.push({ spec: `${k.kind}:${dir}`, name: k.label, description: `${k.description} Installed in ${dir}.`, ready: true, expects: k.expects });
    }
    out.push({ spec: `${k.kind}:DIR`, name: k.label, description: k.description, ready: false, expects: k.expects });
  }
  return out;
}
