/**
 * The `inspect` job: runs in a worker thread (electron/services/job-kinds.ts),
 * loads the model (trained, from weights on disk, or freshly initialised when
 * the document has no weights), reads the image (file, bytes or a dataset
 * sample) and returns the views as PNG base64 over the contract.
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { InspectRequest, InspectResult } from '../api/contract';
import { analyzeGraph } from '../analysis/analyze';
import { initBackend } from '../backend';
import { openDataset } from '../data';
import type { GraphDoc } from '../graph/doc';
import { buildModel } from '../train/build-model';
import { loadModelRef, weightsDirOf } from '../train/model-store';
import { readTrainingInfo } from '../train/training-info';
import { decodeImage } from '../train/predict';
import type { InspectImage } from './input';
import { modelInputShape } from './run-graph';
import { pngBase64 } from './png';
import { computeViews } from './session';
import { InspectError } from './types';

type TF = typeof tfjs;

/** What a job sees (the structural part of electron/services/job-protocol's JobContext). */
export interface InspectJobContext {
  signal: AbortSignal;
  progress(p: { fraction: number | null; etaSeconds: number | null; message?: string }): void;
}

/** The model of a request with its document and class names. */
async function loadModel(tf: TF, req: InspectRequest, notes: string[]): Promise<{ model: tfjs.LayersModel; doc: GraphDoc; classNames: string[] }> {
  const ref = req.model;
  if ('doc' in ref && !ref.weightsPath) {
    // No weights: look inside the freshly initialised network (what the
    // effective-RF literature studies, and what a user sees before training).
    notes.push('random weights: this network has not been trained (or its weights were not given)');
    return { model: buildModel(tf, ref.doc, analyzeGraph(ref.doc)), doc: ref.doc, classNames: [] };
  }
  const m = await loadModelRef(tf, ref);
  let classNames = m.meta?.classNames ?? [];
  // Weights saved by `cli train` carry the dataset's class names beside them; without
  // training.json, classes are named by the image's dataset, or numbered.
  if (!classNames.length && 'weightsPath' in ref && ref.weightsPath) classNames = (await readTrainingInfo(weightsDirOf(ref))).classNames;
  return { model: m.model, doc: m.doc, classNames };
}

/** The image of a request, if it names one. */
async function loadImage(req: InspectRequest, model: tfjs.LayersModel, signal: AbortSignal): Promise<{ image?: InspectImage; classNames?: string[]; label?: number }> {
  const shape = modelInputShape(model);
  if (req.image) {
    const src = 'path' in req.image ? req.image.path : Buffer.from(req.image.base64, 'base64');
    const d = await decodeImage(src, shape);
    return { image: { pixels: d.pixels, shape: d.shape } };
  }
  if (req.sample) {
    const ds = await openDataset(req.sample.spec, { signal });
    try {
      const split = req.sample.split ?? 'test';
      const n = ds.counts[split];
      if (req.sample.index >= n) throw new InspectError(`sample ${req.sample.index} does not exist: the ${split} split of ${ds.name} has ${n} images (0 to ${n - 1})`, 'image');
      const s = await ds.sample(split, req.sample.index);
      return { image: { pixels: s.pixels, shape: s.shape }, classNames: ds.classNames, label: s.label };
    } finally {
      await ds.close();
    }
  }
  return {};
}

/** Run an inspect request (already validated by the host). */
export async function runInspectJob(payload: unknown, ctx: InspectJobContext): Promise<InspectResult> {
  const req = payload as InspectRequest;
  const started = Date.now();
  ctx.progress({ fraction: 0, etaSeconds: null, message: 'loading the model' });
  const { tf } = await initBackend();
  const notes: string[] = [];
  const { model, doc, classNames: modelNames } = await loadModel(tf, req, notes);
  try {
    const analysis = analyzeGraph(doc);
    const img = await loadImage(req, model, ctx.signal);
    const classNames = modelNames.length ? modelNames : (img.classNames ?? []);
    if (img.label !== undefined) notes.push(`image: ${req.sample!.split ?? 'test'} sample ${req.sample!.index}, labelled ${classNames[img.label] ?? img.label}`);
    const views = req.views?.length ? req.views : [req.view];
    const r = await computeViews(
      tf,
      { model, analysis, classNames },
      {
        views,
        layer: req.nodeId,
        gradcamLayer: req.gradcamNodeId,
        image: img.image,
        classIndex: req.classIndex,
        unit: req.unit ? { row: req.unit[0], col: req.unit[1], channel: req.unit[2] } : undefined,
        channel: req.channel,
        steps: req.steps,
        samples: req.samples,
        maxTiles: req.maxTiles,
      },
      {
        signal: ctx.signal,
        onProgress: (f, message) => {
          const el = (Date.now() - started) / 1000;
          ctx.progress({ fraction: f, etaSeconds: f > 0.05 ? (el / f) * (1 - f) : null, message });
        },
      },
    );
    return {
      view: views[0],
      images: r.pictures.map((p) => ({
        caption: p.caption,
        base64: pngBase64(p.image),
        width: p.image.width,
        height: p.image.height,
        view: p.view,
        ...(p.layer ? { layer: p.layer } : {}),
        ...(p.grid ? { grid: p.grid } : {}),
      })),
      stats: r.stats,
      ...(r.input ? { input: { base64: pngBase64(r.input.image), width: r.input.image.width, height: r.input.image.height, scale: r.input.scale } } : {}),
      ...(classNames.length ? { classNames } : {}),
      ...(r.prediction ? { prediction: r.prediction } : {}),
      notes: [...notes, ...r.notes],
    };
  } finally {
    model.dispose();
  }
}
