/** Test helpers for engine/inspect: build a document's model with seeded random weights. */
import * as tf from '@tensorflow/tfjs';
import { analyzeGraph } from '../../../engine/analysis';
import type { GraphAnalysis } from '../../../engine/analysis/types';
import type { GraphDoc } from '../../../engine/graph/doc';
import { buildModel } from '../../../engine/train/build-model';
import type { InspectImage } from '../../../engine/inspect';
import { makeRng as rng } from '../../../engine/train/rng';

export { tf };

/** The engine's seeded generator in [0, 1) (mulberry32), under the name these tests use. */
export { makeRng as rng } from '../../../engine/train/rng';

/** The document's model and analysis; every weight replaced by seeded uniform(−1, 1) values when `seed` is given. */
export function build(doc: GraphDoc, seed?: number): { model: tf.LayersModel; analysis: GraphAnalysis } {
  const analysis = analyzeGraph(doc);
  const model = buildModel(tf, doc, analysis);
  if (seed !== undefined) {
    const r = rng(seed);
    model.setWeights(model.getWeights().map((w) => tf.tensor(Float32Array.from({ length: w.size }, () => r() * 2 - 1), w.shape)));
  }
  return { model, analysis };
}

/** A seeded random image in [0, 1). */
export function randomImage(shape: [number, number, number], seed = 3): InspectImage {
  const r = rng(seed);
  return { pixels: Float32Array.from({ length: shape[0] * shape[1] * shape[2] }, r), shape };
}

/** The node id whose layer name is `name`. */
export function nodeNamed(analysis: GraphAnalysis, name: string): string {
  const n = Object.values(analysis.nodes).find((x) => x.name === name);
  if (!n) throw new Error(`no node named ${name}`);
  return n.id;
}
