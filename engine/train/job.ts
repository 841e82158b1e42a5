/**
 * The training, evaluation and prediction services as the app runs them.
 * `runTrainJob` and `runEvaluateJob` are job kinds for the job runner
 * (electron/services/job-kinds.ts): each runs in its own worker thread,
 * reports progress through `ctx.progress`, and stops when `ctx.signal`
 * aborts. `predictRequest` answers one call, on the host's call worker
 * thread (electron/services/call-worker.ts), which keeps the last model
 * loaded for the next call.
 *
 * Errors carry a contract error code (`code`), which the worker runtime
 * passes to the renderer with the message.
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { ErrorCode, EvaluateRequest, EvaluationResult, JobProgress, PredictRequest, Prediction, StartTrainingRequest, TrainResult } from '../api';
import { initBackend, parseBackendName } from '../backend';
import { DatasetError, encodePng, openDataset, type Dataset } from '../data';
import { BuildError } from './build-model';
import { adaptProblem } from './adapt';
import { datasetSplit } from './data-source';
import { evaluateModel } from './evaluate';
import { loadModelRef, loadModelRefKept, storeModel, weightsDirOf } from './model-store';
import { predictImage } from './predict';
import { IncompatibleError, train } from './session';
import type { TrainSettingsInput } from './settings';
import { TrainError } from './trainer';
import type { BatchProgress, EpochProgress } from './types';
import { defaultWeightsDir, saveWeights, WeightsError } from './weights';
import { applyWeights, readWeightsFile, type MatchReport } from '../transfer/match';

type TF = typeof tfjs;

/** What a job sees (structurally the job runner's JobContext; engine code does not import electron). */
export interface JobCtx {
  jobId: string;
  signal: AbortSignal;
  progress(p: Omit<JobProgress, 'jobId' | 'kind'>): void;
}

/** An error with a contract error code, for the job runtime to pass on. */
export class ServiceError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ServiceError';
  }
}

/** Map our errors to contract codes; anything else is a real failure (JOB_FAILED). */
function asServiceError(e: unknown): unknown {
  if (e instanceof IncompatibleError || e instanceof BuildError) return new ServiceError('INVALID_GRAPH', e.message);
  if (e instanceof TrainError) return new ServiceError(e.code === 'settings' ? 'INVALID_ARGUMENT' : 'INVALID_GRAPH', e.message);
  if (e instanceof WeightsError) return new ServiceError('NOT_FOUND', e.message);
  if (e instanceof DatasetError) return new ServiceError(e.code === 'ABORTED' ? 'CANCELLED' : e.code === 'NOT_FOUND' ? 'NOT_FOUND' : 'IO_ERROR', e.message);
  return e;
}

/** The backend: CNN_BACKEND forces one, else the best that loads. */
async function backend(): Promise<TF> {
  return (await initBackend({ prefer: parseBackendName(process.env.CNN_BACKEND) })).tf;
}

/** "Epoch 2/10 · batch 13/94 · loss 0.4312 · acc 87.5%" */
export function progressLine(p: BatchProgress | EpochProgress): string {
  const acc = p.accuracy == null ? '' : ` · acc ${(p.accuracy * 100).toFixed(1)}%`;
  if (p.kind === 'batch') return `Epoch ${p.epoch}/${p.epochs} · batch ${p.batch}/${p.batchesPerEpoch} · loss ${p.loss.toFixed(4)}${acc}`;
  const val = p.valLoss == null ? '' : ` · val loss ${p.valLoss.toFixed(4)}${p.valAccuracy == null ? '' : ` · val acc ${(p.valAccuracy * 100).toFixed(1)}%`}`;
  return `Epoch ${p.epoch}/${p.epochs} done · loss ${p.loss.toFixed(4)}${acc}${val}`;
}

/** Train a document on a dataset (a job kind). Cancelling keeps what was learnt: the job ends 'done' with the model so far. */
export async function runTrainJob(payload: unknown, ctx: JobCtx): Promise<TrainResult> {
  const req = payload as StartTrainingRequest;
  let ds: Dataset | null = null;
  try {
    const tf = await backend();
    ctx.progress({ fraction: 0, etaSeconds: null, message: `Opening ${req.dataset.spec}…` });
    ds = await openDataset(req.dataset.spec, { signal: ctx.signal });
    // Fine-tuning: start from earlier weights; the model is built from *this*
    // document (its frozen flags). Layers are matched by name and shape, so a
    // replaced head or an added layer starts fresh while the rest is loaded
    // (engine/transfer/match.ts); nothing matching at all is an error.
    const initial = req.initialModel ? await readWeightsFile(tf, weightsDirOf(req.initialModel)) : null;
    let transfer: MatchReport | undefined;
    const settings: TrainSettingsInput = { ...req.settings, ...(req.adaptInput !== undefined ? { adaptInput: req.adaptInput } : {}), ...(req.limit ? { limit: req.limit } : {}), ...(req.threads !== undefined ? { threads: req.threads } : {}) };
    const out = await train(req.doc, ds, settings, {
      tf,
      signal: ctx.signal,
      onBuilt: initial
        ? (model) => {
            transfer = applyWeights(tf, model, initial);
            if (transfer.matched.length === 0) throw new WeightsError(`None of the starting model's layers fit this network (matched by name and shape). ${transfer.summary}`);
            ctx.progress({ fraction: 0, etaSeconds: null, message: transfer.summary });
          }
        : undefined,
      onBatch: (p) =>
        ctx.progress({
          fraction: p.progress,
          etaSeconds: p.etaSec,
          message: progressLine(p),
          train: { stage: 'batch', epoch: p.epoch, epochs: p.epochs, batch: p.batch, batches: p.batchesPerEpoch, loss: p.loss, accuracy: p.accuracy, imagesPerSecond: p.imagesPerSec, threads: p.threads },
        }),
      onEpoch: (p) =>
        ctx.progress({
          fraction: p.progress,
          etaSeconds: p.etaSec,
          message: progressLine(p),
          train: {
            stage: 'epoch',
            epoch: p.epoch,
            epochs: p.epochs,
            batch: 0,
            batches: 0,
            loss: p.loss,
            accuracy: p.accuracy,
            valLoss: p.valLoss,
            valAccuracy: p.valAccuracy,
            imagesPerSecond: p.imagesPerSec,
            threads: p.threads,
          },
        }),
    });
    const meta = await storeModel(tf, out.model, req.doc, {
      classNames: ds.classNames,
      datasetSpec: ds.spec,
      dataShape: ds.inputShape,
      adaptInput: out.settings.adaptInput,
    });
    let weightsPath: string | null = null;
    if (req.saveBesidePath) {
      const dir = defaultWeightsDir(req.saveBesidePath);
      await saveWeights(tf, out.model, dir);
      weightsPath = `${dir}/model.json`;
    }
    out.model.dispose();
    const h = out.summary.history;
    const kept = h.find((e) => e.epoch === out.summary.restoredEpoch) ?? h[h.length - 1];
    return {
      modelId: meta.modelId,
      weightsPath,
      epochsRun: out.summary.epochsDone,
      final: kept
        ? { loss: kept.loss, accuracy: kept.accuracy, valLoss: kept.valLoss, valAccuracy: kept.valAccuracy }
        : { loss: NaN, accuracy: null, valLoss: null, valAccuracy: null },
      stoppedEarly: out.summary.stopReason !== 'completed',
      ...(transfer ? { transfer: { matched: transfer.matched, missing: transfer.missing, mismatched: transfer.mismatched, unused: transfer.unused, summary: transfer.summary } } : {}),
    };
  } catch (e) {
    throw asServiceError(e);
  } finally {
    await ds?.close();
  }
}

/** Evaluate a model on a dataset's test split (a job kind). */
export async function runEvaluateJob(payload: unknown, ctx: JobCtx): Promise<EvaluationResult> {
  const req = payload as EvaluateRequest;
  let ds: Dataset | null = null;
  try {
    const tf = await backend();
    const { model, meta } = await loadModelRef(tf, req.model);
    try {
      ds = await openDataset(req.dataset.spec, { signal: ctx.signal });
      if (ds.counts.test === 0) throw new ServiceError('INVALID_ARGUMENT', `The dataset ${ds.name} has no test split to evaluate on.`);
      const inShape = model.inputs[0].shape.slice(1) as number[];
      // Evaluation resizes/converts when it can: there is nothing else to offer.
      const adapt = meta?.adaptInput ?? adaptProblem(ds.inputShape, inShape, true) === null;
      const rep = await evaluateModel(tf, model, datasetSplit(ds, 'test', ctx.signal), ds.classNames, {
        dataShape: ds.inputShape,
        adaptInput: adapt,
        maxMistakes: req.mistakes ?? 16,
        limit: req.limit,
        signal: ctx.signal,
        onProgress: (f) => ctx.progress({ fraction: f, etaSeconds: null, message: `Evaluating: ${Math.round(f * 100)}%` }),
      });
      const mistakes: EvaluationResult['mistakes'] = [];
      for (const m of rep.mistakes) {
        const s = await ds.sample('test', m.index);
        const png = encodePng(s.pixels, s.shape, Math.max(1, Math.round(64 / s.shape[0])));
        mistakes.push({ index: m.index, trueClass: m.trueLabel, predictedClass: m.predLabel, confidence: m.confidence, image: Buffer.from(png).toString('base64') });
      }
      return {
        accuracy: rep.accuracy,
        loss: rep.loss,
        classNames: rep.classNames,
        perClassAccuracy: rep.perClass.map((c) => c.accuracy ?? 0),
        confusion: rep.confusion,
        mistakes,
      };
    } finally {
      model.dispose();
    }
  } catch (e) {
    throw asServiceError(e);
  } finally {
    await ds?.close();
  }
}

/** Classify one image with a model; quick, not a job. */
export async function predictRequest(req: PredictRequest, tf?: TF): Promise<Prediction> {
  try {
    tf ??= await backend();
    // Kept for the next prediction with the same model (the call worker answers one after another).
    const { model, meta } = await loadModelRefKept(tf, req.model);
    const bytes = 'path' in req.image ? req.image.path : Buffer.from(req.image.base64, 'base64');
    const top = await predictImage(tf, model, bytes, req.classNames ?? meta?.classNames ?? [], req.topK ?? 5, meta ?? {});
    return { top };
  } catch (e) {
    throw asServiceError(e);
  }
}
