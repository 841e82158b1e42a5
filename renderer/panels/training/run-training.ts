/**
 * The training panel's conversations with the engine, all through the
 * contract client: datasets and previews, starting / stopping a training job
 * and following its progress, evaluation jobs, and one-image predictions.
 */
import type { JobEnd, JobProgress, ModelRef } from '../../../engine/api/contract';
import { getEngine } from '../../ipc/engine';
import { useGraphStore } from '../../state/graph-store';
import { resolveWeightsPath } from '../inspect/inspect-store';
import { docWithSettings, settingsFromForm, useTrainingStore } from './training-store';

const st = () => useTrainingStore.getState();
let subscribed = false;

/** Subscribe once to job events; they carry every job's id, we keep ours. */
function ensureSubscribed(): void {
  if (subscribed) return;
  subscribed = true;
  const engine = getEngine();
  engine.onJobProgress((p: JobProgress) => {
    const s = st();
    if (p.jobId === s.jobId) onTrainProgress(p);
    else if (p.jobId === s.evalJobId) s.set({ evalFraction: p.fraction });
  });
  engine.onJobEnd((e: JobEnd) => {
    const s = st();
    if (e.jobId === s.jobId) onTrainEnd(e);
    else if (e.jobId === s.evalJobId) {
      if (e.status === 'done' && e.kind === 'evaluate') s.set({ evaluation: e.result, evalJobId: null, evalFraction: null });
      else s.set({ evalJobId: null, evalFraction: null, evalError: e.status === 'error' ? e.error.message : e.status === 'cancelled' ? 'Evaluation cancelled.' : null });
    }
  });
}

function onTrainProgress(p: JobProgress): void {
  const s = st();
  const t = p.train;
  const patch: Partial<typeof s> = { fraction: p.fraction, etaSeconds: p.etaSeconds, message: p.message ?? s.message, status: s.status === 'stopping' ? 'stopping' : 'running' };
  if (t) {
    patch.imagesPerSecond = t.imagesPerSecond;
    patch.runThreads = t.threads && t.threads > 1 ? t.threads : null;
    if (t.stage === 'batch') patch.batches = [...s.batches, { x: t.epoch - 1 + t.batch / Math.max(1, t.batches), loss: t.loss, accuracy: t.accuracy }];
    else patch.epochs = [...s.epochs, { epoch: t.epoch, loss: t.loss, accuracy: t.accuracy, valLoss: t.valLoss ?? null, valAccuracy: t.valAccuracy ?? null }];
  }
  s.set(patch);
}

function onTrainEnd(e: JobEnd): void {
  const s = st();
  if (e.status === 'done' && e.kind === 'train') {
    if (e.result.weightsPath) referenceWeights(e.result.weightsPath);
    s.set({ status: e.result.stoppedEarly && s.status === 'stopping' ? 'cancelled' : 'done', result: e.result, fraction: 1, etaSeconds: 0, jobId: null, evaluation: null, prediction: null });
  } else if (e.status === 'cancelled') s.set({ status: 'cancelled', jobId: null });
  else if (e.status === 'error') s.set({ status: 'error', error: e.error.message, jobId: null });
}

/**
 * Point the document at the weights the job saved beside it (`doc.weights`,
 * relative to the document), so they open with it next time.
 */
function referenceWeights(absModelJson: string): void {
  const g = useGraphStore.getState();
  if (!g.filePath) return;
  const dir = g.filePath.replace(/[^\\/]*$/, '');
  const rel = absModelJson.startsWith(dir) ? absModelJson.slice(dir.length).replace(/\\/g, '/') : absModelJson;
  g.commit({ ...g.doc, weights: { path: rel, savedAt: new Date().toISOString() } }, 'immediately', 'Trained weights');
}

/** Load the dataset list once. */
export async function loadDatasets(): Promise<void> {
  const r = await getEngine().listDatasets();
  if (r.ok) st().set({ datasets: r.value, datasetsError: null });
  else st().set({ datasets: [], datasetsError: r.error.message });
}

let previewSeq = 0;
/** Preview a dataset (sample images, class counts); the latest request wins. */
export async function loadPreview(spec: string): Promise<void> {
  const seq = ++previewSeq;
  st().set({ spec, previewLoading: true, previewError: null });
  const r = await getEngine().previewDataset({ spec, count: 24 });
  if (seq !== previewSeq) return;
  if (r.ok) st().set({ preview: r.value, previewLoading: false });
  else st().set({ preview: null, previewLoading: false, previewError: r.error.message });
}

/**
 * Keep the form's settings and the chosen dataset in the document (one
 * undoable step, only when they changed), so that saving the network keeps
 * them and opening it again restores them.
 */
export function keepSettingsInDoc(): void {
  const s = st();
  const g = useGraphStore.getState();
  const next = docWithSettings(g.doc, s.settings, s.spec);
  if (next) g.commit(next, 'immediately', 'Training settings');
}

/** Start training the current document on the chosen dataset. */
export async function startTraining(): Promise<void> {
  ensureSubscribed();
  keepSettingsInDoc();
  const s = st();
  const { doc, filePath } = useGraphStore.getState();
  s.set({ status: 'starting', error: null, batches: [], epochs: [], fraction: 0, etaSeconds: null, message: 'Starting…', result: null, evaluation: null, prediction: null, imagesPerSecond: null, runThreads: null });
  const start = s.fineTune ? currentModel() : null;
  const req = {
    doc,
    dataset: { spec: s.spec },
    ...(start ? { initialModel: start } : {}),
    settings: settingsFromForm(s.settings),
    ...(filePath ? { saveBesidePath: filePath } : {}),
    // Honoured by the engine's train job; the request schema must let it through (see the training report).
    ...(s.adaptInput ? { adaptInput: true } : {}),
    ...(s.threads > 0 ? { threads: s.threads } : {}),
  };
  const r = await getEngine().startTraining(req);
  if (!r.ok) {
    s.set({ status: 'error', error: r.error.message });
    return;
  }
  st().set({ jobId: r.value.jobId, status: 'running', trainedSpec: s.spec, trainedClassNames: s.preview?.classNames ?? [] });
}

/** Ask the running job to stop after its current batch; it ends 'done' with what it learnt. */
export async function stopTraining(): Promise<void> {
  const id = st().jobId;
  if (!id) return;
  st().set({ status: 'stopping', message: 'Stopping after this batch…' });
  const r = await getEngine().cancelJob(id);
  if (!r.ok) st().set({ error: r.error.message });
}

/** The model to evaluate or try: the one just trained, else the document's saved weights. */
export function currentModel(): ModelRef | null {
  const s = st();
  if (s.result) return { modelId: s.result.modelId };
  const { doc, filePath } = useGraphStore.getState();
  const wp = resolveWeightsPath(filePath, doc.weights?.path);
  return wp ? { doc, weightsPath: wp } : null;
}

export async function startEvaluation(): Promise<void> {
  ensureSubscribed();
  const model = currentModel();
  if (!model) return;
  const s = st();
  s.set({ evalError: null, evaluation: null, evalFraction: 0 });
  const r = await getEngine().evaluate({ model, dataset: { spec: s.trainedSpec ?? s.spec }, mistakes: 16 });
  if (r.ok) st().set({ evalJobId: r.value.jobId });
  else st().set({ evalError: r.error.message, evalFraction: null });
}

/** Classify an image given as base64 PNG/JPEG bytes. */
export async function predictImage(base64: string): Promise<void> {
  const model = currentModel();
  if (!model) return;
  const s = st();
  s.set({ predicting: true, predictError: null, prediction: null, predictImage: base64 });
  const classNames = s.trainedClassNames.length ? s.trainedClassNames : s.preview?.classNames;
  const r = await getEngine().predict({ model, image: { base64 }, topK: 5, ...(classNames?.length ? { classNames } : {}) });
  if (r.ok) st().set({ prediction: r.value, predicting: false });
  else st().set({ predictError: r.error.message, predicting: false });
}
