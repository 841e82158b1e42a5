/**
 * Loading pre-trained weights into a network that is not exactly the one
 * they were saved from (transfer learning): layers are matched by name, a
 * match is used only when every weight of the layer has the same shape, and a
 * report says what was loaded, what was left at its initial values and why.
 *
 * The weights may come from an earlier training here or from a Keras model
 * converted with the standard TF.js converter (`tensorflowjs_converter
 * --input_format keras`), whose layer names are the Keras ones.
 */
import type * as tfjs from '@tensorflow/tfjs';
import { weightsFromManifest, type LayerWeights } from '../export/weights';
import { fileHandler } from '../train/weights';

type TF = typeof tfjs;

/** One layer's fate when weights are loaded. */
export type LayerMatch =
  | { layer: string; status: 'matched'; weights: string[] }
  | { layer: string; status: 'missing'; reason: string }
  | { layer: string; status: 'shape-mismatch'; reason: string; weight: string; expected: number[]; got: number[] };

/** What loading weights into a network did. */
export interface MatchReport {
  /** Layers whose weights were loaded. */
  matched: string[];
  /** Layers of the network with weights not found in the file (left as initialised). */
  missing: string[];
  /** Layers found in the file with other shapes (left as initialised). */
  mismatched: string[];
  /** Layers in the file that the network does not have. */
  unused: string[];
  /** Per network layer with weights, in model order. */
  layers: LayerMatch[];
  /** Weight values loaded. */
  loadedParams: number;
  /** Weight values of the network left at their initial values. */
  initialParams: number;
  /** One paragraph for the user. */
  summary: string;
}

const fmt = (s: readonly number[]) => (s.length ? s.join('×') : 'scalar');

/**
 * Compare a model's layers with a set of weights (no loading). A layer
 * matches when the file has a layer of the same name whose weights have the
 * same short names and shapes, in any order.
 */
export function matchWeights(model: tfjs.LayersModel, source: LayerWeights): MatchReport {
  const layers: LayerMatch[] = [];
  const seen = new Set<string>();
  let loadedParams = 0;
  let initialParams = 0;
  for (const layer of model.layers) {
    if (layer.weights.length === 0) continue;
    const size = layer.weights.reduce((a, w) => a + w.shape.reduce((x: number, y) => x * (y as number), 1), 0);
    const src = source.get(layer.name);
    if (!src) {
      layers.push({ layer: layer.name, status: 'missing', reason: `no layer named ${layer.name} in the weights file` });
      initialParams += size;
      continue;
    }
    seen.add(layer.name);
    let bad: LayerMatch | null = null;
    for (const w of layer.weights) {
      const short = w.originalName.split('/').pop()!.replace(/_\d+$/, '');
      const s = src.find((x) => x.name === short);
      const expected = w.shape as number[];
      if (!s) {
        bad = { layer: layer.name, status: 'shape-mismatch', weight: short, expected, got: [], reason: `the file's ${layer.name} has no ${short} (it has ${src.map((x) => x.name).join(', ')})` };
        break;
      }
      if (s.shape.length !== expected.length || s.shape.some((d, i) => d !== expected[i])) {
        bad = {
          layer: layer.name,
          status: 'shape-mismatch',
          weight: short,
          expected,
          got: s.shape,
          reason: `${short} is ${fmt(s.shape)} in the file but ${fmt(expected)} here` + (s.shape.length === expected.length && s.shape.slice(0, -1).every((d, i) => d === expected[i]) ? ' (a different number of outputs, e.g. classes)' : ''),
        };
        break;
      }
    }
    if (bad) {
      layers.push(bad);
      initialParams += size;
    } else {
      layers.push({ layer: layer.name, status: 'matched', weights: layer.weights.map((w) => w.originalName) });
      loadedParams += size;
    }
  }
  const modelNames = new Set(model.layers.map((l) => l.name));
  const unused = [...source.keys()].filter((k) => !modelNames.has(k));
  const matched = layers.filter((l) => l.status === 'matched').map((l) => l.layer);
  const missing = layers.filter((l) => l.status === 'missing').map((l) => l.layer);
  const mismatched = layers.filter((l) => l.status === 'shape-mismatch').map((l) => l.layer);
  const parts = [`Loaded ${matched.length} of ${layers.length} layers with weights (${loadedParams.toLocaleString('en-US')} values).`];
  if (mismatched.length) parts.push(`Different shape, left as initialised: ${mismatched.join(', ')}.`);
  if (missing.length) parts.push(`Not in the file, left as initialised: ${missing.join(', ')}.`);
  if (unused.length) parts.push(`In the file but not in this network: ${unused.join(', ')}.`);
  return { matched, missing, mismatched, unused, layers, loadedParams, initialParams, summary: parts.join(' ') };
}

/**
 * Load the matching weights into `model` (synchronously; see matchWeights for
 * the rule) and return the report. Layers not matched keep their values.
 */
export function applyWeights(tf: TF, model: tfjs.LayersModel, source: LayerWeights): MatchReport {
  const report = matchWeights(model, source);
  const byLayer = new Map(model.layers.map((l) => [l.name, l]));
  for (const m of report.layers) {
    if (m.status !== 'matched') continue;
    const layer = byLayer.get(m.layer)!;
    const src = source.get(m.layer)!;
    const values = layer.weights.map((w) => {
      const short = w.originalName.split('/').pop()!.replace(/_\d+$/, '');
      const s = src.find((x) => x.name === short)!;
      return tf.tensor(s.data, s.shape);
    });
    layer.setWeights(values);
    values.forEach((v) => v.dispose());
  }
  return report;
}

/** Read a TF.js Layers folder (or model.json path) into weights by layer name. */
export async function readWeightsFile(tf: TF, dirOrModelJson: string): Promise<LayerWeights> {
  const art = await fileHandler(tf, dirOrModelJson).load!();
  const data = tf.io.CompositeArrayBuffer.join(art.weightData as ArrayBuffer | ArrayBuffer[]);
  return weightsFromManifest(art.weightSpecs ?? [], data);
}

/** Read the weights at `dir` and load the matching ones into `model`. */
export async function loadMatchingWeights(tf: TF, model: tfjs.LayersModel, dir: string): Promise<MatchReport> {
  return applyWeights(tf, model, await readWeightsFile(tf, dir));
}
