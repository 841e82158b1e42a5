/**
 * Round trip: export a network in the TF.js Layers format, import the
 * model.json as a graph document, and get the same analysis (names, types,
 * shapes, counts) and, with the exported weights loaded strictly by name,
 * the same outputs.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeGraph, type GraphAnalysis } from '../../../engine/analysis';
import { exportTfjs } from '../../../engine/export/tfjs';
import type { GraphDoc } from '../../../engine/graph/doc';
import { importModelFile } from '../../../engine/import/file';
import { loadTemplate } from '../../../engine/templates';
import { loadTrainedModel } from '../../../engine/train/session';
import { fileHandler } from '../../../engine/train/weights';
import { catalogGraphs, engineOutputs, randomInput, randomModel } from '../export/helpers';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Per layer name: what the user sees (types of the Activation family compared by function). */
function summary(a: GraphAnalysis) {
  return Object.values(a.nodes)
    .map((n) => {
      // Activation('sigmoid') is exactly our Sigmoid layer (it builds that Keras layer).
      const fam = n.type === 'activation' && ['sigmoid', 'tanh'].includes(n.params.activation as string);
      const type = fam ? (n.params.activation as string) : n.type;
      return { name: n.name, out: n.outputShape, ins: n.inputShapes, params: n.paramCount, trainable: n.trainable, macs: n.macs, rf: n.receptiveField, type, p: fam ? {} : n.params };
    })
    .sort((x, y) => x.name.localeCompare(y.name));
}

async function roundTrip(doc: GraphDoc) {
  const dir = mkdtempSync(path.join(tmpdir(), 'cnnd-rt-'));
  dirs.push(dir);
  const a1 = analyzeGraph(doc);
  const model = randomModel(doc, 3);
  await exportTfjs(tf, model, dir);
  const imp = await importModelFile(path.join(dir, 'model.json'));
  expect(imp.weightsPath).toBe(path.join(dir, 'model.json'));
  const a2 = analyzeGraph(imp.doc);
  expect(a2.issues.filter((i) => i.severity === 'error')).toEqual([]);
  expect(summary(a2)).toEqual(summary(a1));
  expect(a2.totals).toEqual(a1.totals);
  // Output order: the analysis' outputs, by name.
  expect(a2.outputIds.map((id) => a2.nodes[id].name)).toEqual(a1.outputIds.map((id) => a1.nodes[id].name));
  const x = randomInput(a1.nodes[a1.inputId!].outputShape!, 2, 9);
  const want = engineOutputs(model, x);
  const m2 = await loadTrainedModel(tf, imp.doc, dir);
  const got = engineOutputs(m2, x);
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => expect(Buffer.from(g.buffer).equals(Buffer.from(want[i].buffer))).toBe(true));
  // The standard loader reads the files too (what the Keras converter reads).
  const m3 = await tf.loadLayersModel(fileHandler(tf, dir));
  engineOutputs(m3, x).forEach((g, i) => expect(Buffer.from(g.buffer).equals(Buffer.from(want[i].buffer))).toBe(true));
  model.dispose();
  m2.dispose();
  m3.dispose();
  // Positions are laid out: no two nodes on the same spot.
  const spots = new Set(imp.doc.nodes.map((n) => `${n.position.x},${n.position.y}`));
  expect(spots.size).toBe(imp.doc.nodes.length);
  return imp;
}

describe('TF.js export → import round trip', () => {
  it.each(catalogGraphs())('catalog graph $name', async ({ doc }) => {
    const imp = await roundTrip(doc);
    expect(imp.kind).toBe('Functional');
  });
  it.each(['mnist-cnn', 'resnet20-cifar', 'conv-autoencoder', 'dilated-context'])('template %s', async (id) => {
    await roundTrip(await loadTemplate(id));
  }, 60_000);
});
