/**
 * Trained models kept by the engine between jobs, by id. Jobs run in
 * short-lived worker threads, so a trained model cannot stay in memory: the
 * train job writes it here (document + TF.js weights + metadata) and later
 * evaluate / predict / inspect / export jobs load it by `modelId`.
 *
 * Folder: $CNN_MODEL_STORE, else <tmpdir>/cnn-designer-models/<modelId>/.
 */
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as tfjs from '@tensorflow/tfjs';
import type { ModelRef } from '../api';
import type { Shape } from '../core/shape';
import type { GraphDoc } from '../graph/doc';
import { parseGraphDoc } from '../graph';
import { loadTrainedModel } from './session';
import { saveWeights, writeFileAtomic, WeightsError } from './weights';

type TF = typeof tfjs;

/** What is known about a stored model besides its weights. */
export interface ModelMeta {
  modelId: string;
  /** Class names of the dataset it was trained on (index = output unit). */
  classNames: string[];
  /** The dataset spec it was trained on. */
  datasetSpec: string;
  /** Shape of the dataset's images. */
  dataShape: Shape;
  /** The data was resized / converted to the Input during training. */
  adaptInput: boolean;
  createdAt: string;
}

export function modelStoreRoot(): string {
  return process.env.CNN_MODEL_STORE || path.join(os.tmpdir(), 'cnn-designer-models');
}

const ID_RE = /^[A-Za-z0-9_-]{1,100}$/;

function dirOf(modelId: string): string {
  // The id comes from the renderer: never let it name a path outside the store.
  if (!ID_RE.test(modelId)) throw new WeightsError(`'${modelId}' is not a model id`);
  return path.join(modelStoreRoot(), modelId);
}

/** Store a trained model; returns its id. */
export async function storeModel(tf: TF, model: tfjs.LayersModel, doc: GraphDoc, meta: Omit<ModelMeta, 'modelId' | 'createdAt'>): Promise<ModelMeta> {
  const modelId = randomUUID();
  const dir = dirOf(modelId);
  await fs.mkdir(dir, { recursive: true });
  await saveWeights(tf, model, dir);
  const full: ModelMeta = { ...meta, modelId, createdAt: new Date().toISOString() };
  await writeFileAtomic(path.join(dir, 'doc.json'), JSON.stringify(doc));
  await writeFileAtomic(path.join(dir, 'meta.json'), JSON.stringify(full));
  return full;
}

/** A model ready to run, with what is known about it. */
export interface LoadedModel {
  model: tfjs.LayersModel;
  doc: GraphDoc;
  /** Null for a document's weights on disk (no training metadata). */
  meta: ModelMeta | null;
}

/**
 * Load a model reference: a stored model by id, or a document with the path
 * of its weights (a folder or its model.json). Throws WeightsError naming what
 * is missing.
 */
export async function loadModelRef(tf: TF, ref: ModelRef): Promise<LoadedModel> {
  if ('modelId' in ref) {
    const dir = dirOf(ref.modelId);
    let doc: GraphDoc;
    let meta: ModelMeta;
    try {
      meta = JSON.parse(await fs.readFile(path.join(dir, 'meta.json'), 'utf8'));
      const parsed = parseGraphDoc(JSON.parse(await fs.readFile(path.join(dir, 'doc.json'), 'utf8')));
      if (!parsed.ok) throw new Error(parsed.message);
      doc = parsed.value;
    } catch {
      throw new WeightsError(`There is no trained model '${ref.modelId}' any more (models are kept in ${modelStoreRoot()} until the system clears it). Train again.`);
    }
    return { model: await loadTrainedModel(tf, doc, dir), doc, meta };
  }
  if (!ref.weightsPath) throw new WeightsError('This network has no trained weights yet: train it first, or open the weights saved with it.');
  const dir = ref.weightsPath.endsWith('.json') ? path.dirname(ref.weightsPath) : ref.weightsPath;
  return { model: await loadTrainedModel(tf, ref.doc, dir), doc: ref.doc, meta: null };
}

/** The model {@link loadModelRefKept} keeps, with what it was loaded from. */
let kept: { key: string; loaded: LoadedModel } | null = null;

/**
 * What a model reference loads from: its model id or document, its folder,
 * and the name, size and modification time of every file in that folder (a model retrained or
 * saved again in place is a different model). Null when the folder cannot be
 * read (then loading fails with its own message).
 */
async function refKey(ref: ModelRef): Promise<string | null> {
  let dir: string;
  try {
    dir = weightsDirOf(ref);
  } catch {
    return null;
  }
  try {
    const names = (await fs.readdir(dir)).sort();
    const stats = await Promise.all(names.map(async (n) => {
      const st = await fs.stat(path.join(dir, n));
      return `${n}:${st.size}:${st.mtimeMs}`;
    }));
    // A document's weights named by folder or by its model.json are the same weights.
    return JSON.stringify(['modelId' in ref ? ref.modelId : ref.doc, dir, stats]);
  } catch {
    return null;
  }
}

/**
 * {@link loadModelRef}, keeping the last model loaded for the next call with
 * the same reference and unchanged files. For a thread that answers one
 * prediction after another (the host's call worker): VGG-16 takes ~10 s to
 * build and load (528 MB) and ~1 s to run, so trying several images would
 * otherwise cost the loading every time. One model is kept; a different one
 * disposes it. The caller must not dispose what this returns.
 */
export async function loadModelRefKept(tf: TF, ref: ModelRef): Promise<LoadedModel> {
  const key = await refKey(ref);
  if (key !== null && kept && kept.key === key) return kept.loaded;
  kept?.loaded.model.dispose();
  kept = null;
  const loaded = await loadModelRef(tf, ref);
  // Kept even without a key (never reused then) so that the next call disposes it.
  kept = { key: key ?? '', loaded };
  return loaded;
}

/** The folder holding a model reference's weights (for fine-tuning from it). */
export function weightsDirOf(ref: ModelRef): string {
  if ('modelId' in ref) return dirOf(ref.modelId);
  if (!ref.weightsPath) throw new WeightsError('The starting model has no trained weights: train it first, or open the weights saved with it.');
  return ref.weightsPath.endsWith('.json') ? path.dirname(ref.weightsPath) : ref.weightsPath;
}
