/**
 * State of the training panel: the settings form, the chosen dataset and its
 * preview, the running job's progress and curves, and the evaluation and
 * prediction results. Data only; ./run-training.ts talks to the engine.
 */
import { create } from 'zustand';
import type { DatasetInfo, DatasetPreview, EvaluationResult, Prediction, TrainResult } from '../../../engine/api/contract';
import type { GraphDoc, TrainingSettings } from '../../../engine/graph/doc';

/** One point of the live curves. x is in epochs (2.5 = half-way through epoch 3). */
export interface CurvePoint {
  x: number;
  loss: number;
  accuracy: number | null;
}

/** Per-epoch numbers. */
export interface EpochPoint {
  epoch: number;
  loss: number;
  accuracy: number | null;
  valLoss: number | null;
  valAccuracy: number | null;
}

export type Tab = 'train' | 'evaluate' | 'try';

export interface TrainingState {
  open: boolean;
  tab: Tab;
  /** Form values (the document's saved settings are the starting point). */
  settings: Required<Omit<TrainingSettings, 'earlyStopping' | 'augment'>> & { augment: { flip: boolean; shift: number }; patience: number | null };
  /** Resize / convert the dataset's images to the network's Input (the "resize the data" fix). */
  /** Threads sharing each batch: 0 = automatic (one per core). A machine setting, not saved in the document. */
  threads: number;
  adaptInput: boolean;
  /**
   * Fine-tune: start from the trained weights (the run just finished, else the
   * document's saved weights), matched to the layers by name and shape; a
   * replaced head starts fresh.
   */
  fineTune: boolean;
  datasets: DatasetInfo[] | null;
  datasetsError: string | null;
  spec: string;
  preview: DatasetPreview | null;
  previewError: string | null;
  previewLoading: boolean;
  /** The running training job. */
  jobId: string | null;
  status: 'idle' | 'starting' | 'running' | 'stopping' | 'done' | 'cancelled' | 'error';
  fraction: number | null;
  etaSeconds: number | null;
  message: string;
  imagesPerSecond: number | null;
  /** Threads the run trains on (data-parallel), when more than one. */
  runThreads: number | null;
  batches: CurvePoint[];
  epochs: EpochPoint[];
  error: string | null;
  result: TrainResult | null;
  /** Dataset the model was trained on (for evaluation and class names). */
  trainedSpec: string | null;
  trainedClassNames: string[];
  evalJobId: string | null;
  evalFraction: number | null;
  evaluation: EvaluationResult | null;
  evalError: string | null;
  prediction: Prediction | null;
  predictImage: string | null;
  predictError: string | null;
  predicting: boolean;
  set(p: Partial<Omit<TrainingState, 'set'>>): void;
}

export const DEFAULT_FORM: TrainingState['settings'] = {
  optimizer: 'adam',
  learningRate: 0.001,
  momentum: 0.9,
  batchSize: 32,
  epochs: 5,
  validationSplit: 0.1,
  augment: { flip: false, shift: 0 },
  patience: null,
};

/** The form's values from a document's saved settings. */
export function formFromDoc(t: TrainingSettings | undefined): TrainingState['settings'] {
  return {
    ...DEFAULT_FORM,
    ...Object.fromEntries(Object.entries(t ?? {}).filter(([k, v]) => v !== undefined && k !== 'augment' && k !== 'earlyStopping')),
    augment: { flip: t?.augment?.flip ?? false, shift: t?.augment?.shift ?? 0 },
    patience: t?.earlyStopping?.patience ?? null,
  };
}

/** The contract's TrainingSettings from the form. */
export function settingsFromForm(f: TrainingState['settings']): TrainingSettings {
  return {
    optimizer: f.optimizer,
    learningRate: f.learningRate,
    momentum: f.momentum,
    batchSize: f.batchSize,
    epochs: f.epochs,
    validationSplit: f.validationSplit,
    augment: f.augment.flip || f.augment.shift > 0 ? { flip: f.augment.flip, shift: f.augment.shift } : undefined,
    earlyStopping: f.patience ? { patience: f.patience } : null,
  };
}

/**
 * The document with the form's settings and the chosen dataset written in, or
 * null when it already holds them (settings that read back as the same form,
 * and the same dataset spec), so that no empty step enters the history.
 */
export function docWithSettings(doc: GraphDoc, form: TrainingState['settings'], spec: string): GraphDoc | null {
  const canon = (f: TrainingState['settings']) => JSON.stringify(Object.entries(f).sort(([a], [b]) => a.localeCompare(b)));
  const same = canon(formFromDoc(doc.training)) === canon(form) && doc.dataset?.spec === spec;
  return same ? null : { ...doc, training: settingsFromForm(form), dataset: { spec } };
}

export const useTrainingStore = create<TrainingState>()((set) => ({
  open: false,
  tab: 'train',
  settings: DEFAULT_FORM,
  adaptInput: false,
  threads: 0,
  fineTune: false,
  datasets: null,
  datasetsError: null,
  spec: 'builtin:shapes',
  preview: null,
  previewError: null,
  previewLoading: false,
  jobId: null,
  status: 'idle',
  fraction: null,
  etaSeconds: null,
  message: '',
  imagesPerSecond: null,
  runThreads: null,
  batches: [],
  epochs: [],
  error: null,
  result: null,
  trainedSpec: null,
  trainedClassNames: [],
  evalJobId: null,
  evalFraction: null,
  evaluation: null,
  evalError: null,
  prediction: null,
  predictImage: null,
  predictError: null,
  predicting: false,
  set: (p) => set(p),
}));
