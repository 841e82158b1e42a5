/**
 * Training and using a graph document end to end: analysis → compatibility
 * check → build → (initial weights) → train; and loading a trained model back
 * from a document and its weights. The job wrapper, the CLI and tests call
 * these; the UI reaches them through the job runner.
 */
import type * as tfjs from '@tensorflow/tfjs';
import { analyzeGraph } from '../analysis';
import type { Dataset } from '../data';
import type { GraphDoc } from '../graph/doc';
import { buildModel } from './build-model';
import { checkCompatibility, type CompatReport } from './compat';
import { isDataset, trainingDataFrom } from './data-source';
import { resolveSettings, type TrainSettings, type TrainSettingsInput } from './settings';
import { trainModel, TrainError, type TrainCallbacks } from './trainer';
import type { TrainingData, TrainSummary } from './types';
import { loadWeightsInto } from './weights';

type TF = typeof tfjs;

/** A problem found before training, with the compatibility report (its fixes) for the UI. */
export class IncompatibleError extends TrainError {
  constructor(readonly report: CompatReport) {
    const errs = report.problems.filter((p) => p.severity === 'error');
    super(
      `The network does not fit the dataset: ${errs.map((p) => p.message + (p.fixes.length ? ` Fix: ${p.fixes.map((f) => f.label).join(', or ')}.` : '')).join(' ')}`,
      'shape',
    );
    this.name = 'IncompatibleError';
  }
}

export interface TrainOptions extends TrainCallbacks {
  /** The tfjs namespace with its backend ready (from initBackend). */
  tf: TF;
  /** Start from these trained weights (a folder with model.json) instead of random ones: fine-tuning. */
  initialWeights?: string;
  /** Called with the model once built, before training (e.g. to evaluate it from onEpoch). */
  onBuilt?: (model: tfjs.LayersModel) => void;
}

export interface TrainOutcome {
  model: tfjs.LayersModel;
  summary: TrainSummary;
  settings: TrainSettings;
  compat: CompatReport;
  data: TrainingData;
}

/**
 * Train the network of `doc` on `dataset`. Rejects with IncompatibleError
 * (carrying the fixes) when the network does not fit the data, TrainError for
 * bad settings or data, BuildError for a graph that cannot be built.
 */
export async function train(doc: GraphDoc, dataset: Dataset | TrainingData, settingsIn: TrainSettingsInput, o: TrainOptions): Promise<TrainOutcome> {
  const s = resolveSettings(doc, settingsIn);
  if (!s.ok) throw new TrainError(s.error, 'settings');
  const settings = s.value;
  const data = isDataset(dataset) ? await trainingDataFrom(dataset, o.signal) : dataset;
  const analysis = analyzeGraph(doc);
  const compat = checkCompatibility(doc, analysis, { inputShape: data.shape, classNames: data.classNames }, { adaptInput: settings.adaptInput });
  if (!compat.ok) throw new IncompatibleError(compat);
  const model = buildModel(o.tf, doc, analysis);
  try {
    if (o.initialWeights) await loadWeightsInto(o.tf, model, o.initialWeights);
    o.onBuilt?.(model);
    const summary = await trainModel(o.tf, model, data, settings, o);
    return { model, summary, settings, compat, data };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** Build the document's network and load trained weights from `weightsDir` into it. */
export async function loadTrainedModel(tf: TF, doc: GraphDoc, weightsDir: string): Promise<tfjs.LayersModel> {
  // No random initialization: every weight is loaded next, or the load fails.
  const model = buildModel(tf, doc, analyzeGraph(doc), { initialize: false });
  try {
    await loadWeightsInto(tf, model, weightsDir);
    return model;
  } catch (e) {
    model.dispose();
    throw e;
  }
}
