/**
 * Trained weights on disk in the TF.js Layers format (model.json +
 * weights.bin), through a tf.io IOHandler of our own so that no tfjs-node is
 * needed. Files are written atomically (temporary file, then rename), so a
 * crash never leaves a half-written model.json beside a good document.
 *
 * The folder is loadable by `tf.loadLayersModel` (with this handler or
 * tfjs-node's `file://`) and convertible to Keras with the standard converter.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type * as tfjs from '@tensorflow/tfjs';
import type { GraphDoc, WeightsRef } from '../graph/doc';

type TF = typeof tfjs;

const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';

/** Write `data` to `file` atomically: a temporary file in the same folder, fsync, rename. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  const fh = await fs.open(tmp, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}

/** A clear error for weights that cannot be read or do not fit. */
export class WeightsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WeightsError';
  }
}

function toBytes(tf: TF, data: tfjs.io.WeightData | undefined): Uint8Array {
  if (!data) return new Uint8Array(0);
  const buf = tf.io.CompositeArrayBuffer.join(data as ArrayBuffer | ArrayBuffer[]);
  return new Uint8Array(buf);
}

/**
 * An IOHandler reading and writing `dir/model.json` and `dir/weights.bin`.
 * `dir` may also name the model.json itself.
 */
export function fileHandler(tf: TF, dirOrModelJson: string): tfjs.io.IOHandler {
  const dir = dirOrModelJson.endsWith('.json') ? path.dirname(dirOrModelJson) : dirOrModelJson;
  const modelJson = dirOrModelJson.endsWith('.json') ? dirOrModelJson : path.join(dir, MODEL_JSON);
  return {
    async save(artifacts) {
      if (artifacts.modelTopology instanceof ArrayBuffer) throw new WeightsError('binary model topologies (graph models) are not supported here');
      await fs.mkdir(dir, { recursive: true });
      const bytes = toBytes(tf, artifacts.weightData);
      const json: tfjs.io.ModelJSON = {
        modelTopology: artifacts.modelTopology ?? {},
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.trainingConfig) json.trainingConfig = artifacts.trainingConfig;
      if (artifacts.userDefinedMetadata) json.userDefinedMetadata = artifacts.userDefinedMetadata;
      // Weights first, model.json last: a reader that finds the new model.json finds its weights.
      await writeFileAtomic(path.join(dir, WEIGHTS_BIN), bytes);
      await writeFileAtomic(modelJson, JSON.stringify(json));
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          modelTopologyBytes: JSON.stringify(json.modelTopology).length,
          weightSpecsBytes: JSON.stringify(json.weightsManifest).length,
          weightDataBytes: bytes.byteLength,
        },
      };
    },
    async load() {
      let text: string;
      try {
        text = await fs.readFile(modelJson, 'utf8');
      } catch (e) {
        throw new WeightsError(`cannot read trained weights: ${modelJson} ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `(${(e as Error).message})`}`);
      }
      let json: tfjs.io.ModelJSON;
      try {
        json = JSON.parse(text);
      } catch (e) {
        throw new WeightsError(`${modelJson} is not valid JSON: ${(e as Error).message}`);
      }
      if (!json || typeof json !== 'object' || !Array.isArray(json.weightsManifest))
        throw new WeightsError(`${modelJson} is not a TF.js model file: it has no weightsManifest`);
      const specs: tfjs.io.WeightsManifestEntry[] = [];
      const parts: Uint8Array[] = [];
      for (const group of json.weightsManifest) {
        specs.push(...group.weights);
        for (const p of group.paths) {
          const f = path.resolve(dir, p);
          try {
            parts.push(await fs.readFile(f));
          } catch {
            throw new WeightsError(`${modelJson} lists the weights file ${p}, which cannot be read at ${f}`);
          }
        }
      }
      const total = parts.reduce((a, b) => a + b.byteLength, 0);
      const data = new Uint8Array(total);
      let o = 0;
      for (const p of parts) {
        data.set(p, o);
        o += p.byteLength;
      }
      const expected = specs.reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1) * (s.dtype === 'int32' || s.dtype === 'float32' ? 4 : s.dtype === 'bool' ? 1 : 4), 0);
      if (!specs.some((s) => s.quantization) && expected !== total)
        throw new WeightsError(`${path.join(dir, WEIGHTS_BIN)} has ${total} bytes but ${modelJson} describes ${expected}: the files are from different saves or truncated`);
      return {
        modelTopology: json.modelTopology,
        weightSpecs: specs,
        weightData: data.buffer,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        trainingConfig: json.trainingConfig,
        userDefinedMetadata: json.userDefinedMetadata,
      };
    },
  };
}

/** Save the model (topology + weights) to `dir` in TF.js format. */
export async function saveWeights(tf: TF, model: tfjs.LayersModel, dir: string): Promise<void> {
  await model.save(fileHandler(tf, dir));
}

/**
 * Load the weights saved in `dir` into a model built from the same document.
 * Weights are matched by layer name; a mismatch (a layer added, removed,
 * renamed or resized since the weights were saved) is a WeightsError naming it.
 */
export async function loadWeightsInto(tf: TF, model: tfjs.LayersModel, dir: string): Promise<void> {
  const art = await fileHandler(tf, dir).load!();
  const tensors = tf.io.decodeWeights(art.weightData!, art.weightSpecs!);
  try {
    const expected = new Map(model.weights.map((w) => [w.originalName, w.shape]));
    const missing = [...expected.keys()].filter((k) => !(k in tensors));
    const extra = Object.keys(tensors).filter((k) => !expected.has(k));
    if (missing.length || extra.length)
      throw new WeightsError(
        `the weights in ${dir} do not fit this network` +
          (missing.length ? `; missing: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}` : '') +
          (extra.length ? `; not in the network: ${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ` and ${extra.length - 5} more` : ''}` : '') +
          '. Train again, or open the document these weights were saved with.',
      );
    for (const [name, shape] of expected) {
      const got = tensors[name].shape;
      if (got.length !== shape.length || got.some((d, i) => d !== shape[i]))
        throw new WeightsError(`the weight ${name} in ${dir} is ${got.join('×')} but the network needs ${shape.join('×')}; the layer changed since the weights were saved. Train again.`);
    }
    model.loadWeights(tensors, true);
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
  }
}

/** The folder for a document's weights: `my-net.json` or `my-net.cnnd` → `my-net.weights`. */
export function defaultWeightsDir(docPath: string): string {
  const base = path.basename(docPath).replace(/\.(json|cnnd)$/i, '');
  return path.join(path.dirname(docPath), `${base}.weights`);
}

/** The reference to store in `doc.weights` for weights saved in `dir`, relative to the document. */
export function weightsRef(docPath: string, dir: string, savedAt = new Date()): WeightsRef {
  const rel = path.relative(path.dirname(path.resolve(docPath)), path.resolve(dir, MODEL_JSON)).split(path.sep).join('/');
  return { path: rel, savedAt: savedAt.toISOString() };
}

/** Absolute folder of the document's weights, or null when it has none. */
export function resolveWeightsDir(doc: Pick<GraphDoc, 'weights'>, docPath: string): string | null {
  if (!doc.weights?.path) return null;
  return path.dirname(path.resolve(path.dirname(path.resolve(docPath)), doc.weights.path));
}
