/**
 * The dataset formats, one DatasetKind per file, listed once here.
 * To add a format: write its file exporting a DatasetKind, add it to
 * DATASET_KINDS, document it in docs/datasets.md, test it in test/unit/data/.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { cifar10Kind } from './cifar';
import { DatasetError } from './errors';
import { folderKind, IMAGE_EXTENSIONS } from './folder';
import { fashionMnistKind, idxFileNames, mnistKind } from './idx';
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

/** A spec the picker can offer for a directory the user chose. */
export interface DetectedSpec {
  spec: string;
  /** Display name of the format. */
  name: string;
  /** Why this format was recognised, e.g. "holds train-images-idx3-ubyte.gz". */
  reason: string;
}

/**
 * Guesses which formats a directory the user picked holds, best guess first
 * (nothing is decoded; open the spec to check the files). MNIST and
 * Fashion-MNIST files look alike: a path mentioning "fashion" ranks
 * Fashion-MNIST first, otherwise MNIST. Empty when nothing is recognised.
 */
export async function detectDataset(dir: string): Promise<DetectedSpec[]> {
  const abs = path.resolve(dir);
  const entries = await fsp.readdir(abs, { withFileTypes: true }).catch(() => null);
  if (!entries) return [];
  const names = entries.map((e) => e.name);
  const lower = names.map((n) => n.toLowerCase());
  const out: DetectedSpec[] = [];
  const idx = names.find((n, i) => idxFileNames('train', 'images').includes(lower[i]));
  if (idx) {
    const fashionFirst = /fashion/i.test(abs);
    const both = [
      { spec: `fashion-mnist:${abs}`, name: 'Fashion-MNIST', reason: `holds ${idx}` },
      { spec: `mnist:${abs}`, name: 'MNIST', reason: `holds ${idx}` },
    ];
    out.push(...(fashionFirst ? both : both.reverse()));
  }
  if (lower.includes('data_batch_1.bin') || lower.includes('test_batch.bin')) out.push({ spec: `cifar10:${abs}`, name: 'CIFAR-10', reason: 'holds CIFAR-10 binary batches' });
  else if (entries.some((e) => e.isDirectory() && e.name === 'cifar-10-batches-bin')) out.push({ spec: `cifar10:${abs}`, name: 'CIFAR-10', reason: 'holds cifar-10-batches-bin' });
  // Image folder: at least two visible subfolders, one of which (or train/) holds an image.
  const subdirs = entries.filter((e) => (e.isDirectory() || e.isSymbolicLink()) && !e.name.startsWith('.'));
  if (subdirs.length >= 2) {
    for (const s of subdirs.slice(0, 50)) {
      const inner = await fsp.readdir(path.join(abs, s.name), { withFileTypes: true }).catch(() => []);
      const img = inner.find((e) => IMAGE_EXTENSIONS.includes(path.extname(e.name).toLowerCase()));
      const nested = /^(train|test)$/i.test(s.name) && inner.some((e) => e.isDirectory());
      if (img || nested) {
        out.push({ spec: `folder:${abs}`, name: 'Image folder', reason: img ? `${s.name}/ holds ${img.name}` : `has ${s.name}/ with class folders` });
        break;
      }
    }
  }
  return out;
}
