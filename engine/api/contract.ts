/**
 * The contract between the renderer and the engine: every request and every
 * event stream, declared once (style.md convention 7, VS Code's ProxyChannel
 * convention). Methods return `Promise<Result<T>>`; members named `onX` are
 * event subscriptions that return an unsubscribe function.
 *
 * Derived from this interface, never written twice:
 * - channel names (channels.ts: `engine:${method}`),
 * - argument schemas (schemas.ts: one zod schema per request, parsed by the host),
 * - the Electron preload (one wrapper per method), the host handler table
 *   (electron/handlers.ts), and the transport-neutral client (engine/api-client.ts).
 *
 * Every request takes at most ONE argument (an object or a primitive), so the
 * two transports (Electron IPC and the web host's WebSocket) carry the same
 * message: `(method, arg) → Result`.
 *
 * Pure types: no Electron, no DOM, no Node. Payloads are JSON-safe (binary
 * data travels as base64 strings) so the WebSocket transport carries them
 * unchanged.
 */
import type { Result } from './result';
import type { GraphDoc, TrainingSettings, DocMeta } from '../graph/doc';
import type { Shape } from '../core/shape';

// ---------------------------------------------------------------------------
// Host and backend

/** Which compute backend the engine runs on, as design.md ranks them. */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface BackendInfo {
  /** The backend in use, or null while none has been loaded yet. */
  backend: BackendName | null;
  /** Plain words for the status bar, e.g. "WebAssembly (XNNPACK, SIMD, 2 threads)". */
  detail: string;
  /** Backends that loaded, best first. */
  available: BackendName[];
  /** Why better backends are not in use, e.g. "@tensorflow/tfjs-node is not installed". */
  notes: string[];
}

export interface HostInfo {
  /** Which transport the renderer is talking through. */
  transport: 'electron' | 'web';
  /**
   * True when the host shows native open/save dialogs (Electron). False in the
   * web host: the renderer then shows its own picker over {@link EngineApi.listProjectFiles}
   * and passes paths to openProject / saveProjectAs / exportDiagram.
   */
  nativeDialogs: boolean;
  /** The folder the web host's picker starts in (absolute), or null. */
  projectsDir: string | null;
  /** The extension of saved graph documents, with the leading dot. */
  documentExtension: string;
  appVersion: string;
  /** `process.platform` of the host, e.g. `linux`. */
  platform: string;
}

// ---------------------------------------------------------------------------
// Files

/** A graph document and where it lives. */
export interface ProjectFile {
  /** Absolute path of the file, or null for a document not saved yet. */
  path: string | null;
  /** The document, validated and migrated to the current version. */
  doc: GraphDoc;
}

export interface RecentFile {
  /** Absolute path. */
  path: string;
  /** File name for display, e.g. `my-net.cnn.json`. */
  name: string;
  /** ISO 8601 time it was last opened or saved. */
  openedAt: string;
  /** Whether the file still exists (checked when listed). */
  exists: boolean;
}

export interface AutosaveEntry {
  doc: GraphDoc;
  /** The file the document was opened from / saved to, or null if never saved. */
  path: string | null;
  /** ISO 8601 time of the autosave. */
  savedAt: string;
}

export interface OpenProjectRequest {
  /**
   * Absolute path to open. Omit to show the native open dialog (Electron);
   * required in the web host. In Electron a path is accepted only when the
   * user chose it earlier (recent files, dialog, file association).
   */
  path?: string;
}

export interface SaveProjectRequest {
  /** Where to write (atomically); usually the path it was opened from. */
  path: string;
  doc: GraphDoc;
}

export interface SaveProjectAsRequest {
  doc: GraphDoc;
  /**
   * Target path. Omit to show the native save dialog (Electron); required in
   * the web host. The document extension is appended when missing.
   */
  path?: string;
  /** File name the dialog proposes, e.g. the document's name. */
  suggestedName?: string;
  /** With `path`: replace an existing file (the renderer's picker asked the user). Otherwise ALREADY_EXISTS. */
  overwrite?: boolean;
}

export interface SavedFile {
  /** Absolute path written. */
  path: string;
}

export interface WriteAutosaveRequest {
  doc: GraphDoc;
  path: string | null;
}

export interface ListProjectFilesRequest {
  /** Absolute folder; omit for the projects folder. */
  dir?: string;
}

export interface DirEntry {
  name: string;
  /** Absolute path. */
  path: string;
  kind: 'dir' | 'file';
  /** Bytes, files only. */
  size?: number;
  /** ISO 8601 modification time. */
  modifiedAt?: string;
}

export interface DirListing {
  /** Absolute folder listed. */
  dir: string;
  /** Its parent, or null at a filesystem root. */
  parent: string | null;
  /** Folders first, then graph documents (other files are left out), by name. */
  entries: DirEntry[];
}

/** A diagram rendered by the renderer, to be written to a file. */
export type ExportDiagramRequest = (
  | { format: 'svg'; /** The SVG document text. */ svg: string }
  | { format: 'png'; /** PNG bytes, base64 (no `data:` prefix). */ base64: string }
) & {
  /** Target path; omit for the native save dialog (Electron). Required in the web host. */
  path?: string;
  /** File name the dialog proposes, without extension. */
  suggestedName?: string;
  /** With `path`: replace an existing file. Otherwise ALREADY_EXISTS. */
  overwrite?: boolean;
};

// ---------------------------------------------------------------------------
// Templates

export interface TemplateSummary {
  /** Stable id, the file name without extension, e.g. `resnet50`. */
  id: string;
  name: string;
  description: string;
  /** Gallery shelf: `classic` (published architectures) or `trainable` (small nets for this machine). */
  group: 'classic' | 'trainable';
  meta: DocMeta;
  /** Shape of the Input layer, e.g. [224, 224, 3]; null if it has none. */
  inputShape: Shape | null;
  /** Totals from the analysis; null when the template does not analyse. */
  totals: {
    params: number;
    trainable: number;
    nonTrainable: number;
    /** Multiply-accumulates per sample. */
    macs: number;
    /** float32 weights, bytes. */
    bytes: number;
  } | null;
  nodeCount: number;
}

// ---------------------------------------------------------------------------
// Jobs (training, evaluation, inspection, export): long work off the main thread

/** The kinds of long-running work. Each kind's result type is in {@link JobResults}. */
export type JobKind = 'train' | 'evaluate' | 'inspect' | 'export';

/** A handle on a started job. */
export interface JobStarted {
  jobId: string;
  kind: JobKind;
}

/** Training-specific progress (per batch and per epoch). */
export interface TrainProgress {
  /** 'batch' after each batch, 'epoch' after each epoch (with validation numbers). */
  stage: 'batch' | 'epoch';
  /** 1-based. */
  epoch: number;
  epochs: number;
  /** 1-based batch within the epoch. */
  batch: number;
  batches: number;
  loss: number;
  /** Fraction 0..1. */
  accuracy: number | null;
  valLoss?: number | null;
  valAccuracy?: number | null;
  imagesPerSecond: number;
  /** Threads training in parallel (data-parallel replicas); absent = 1. */
  threads?: number;
}

export interface JobProgress {
  jobId: string;
  kind: JobKind;
  /** 0..1, or null when unknown. */
  fraction: number | null;
  /** Seconds until done, estimated, or null. */
  etaSeconds: number | null;
  /** A line for the user, e.g. "Epoch 2/10". */
  message?: string;
  /** Set for kind 'train'. */
  train?: TrainProgress;
}

export interface TrainResult {
  /** A model kept by the engine for evaluate/predict/inspect/export. */
  modelId: string;
  /** Where the weights were written (TF.js format beside the document), if saved. */
  weightsPath: string | null;
  epochsRun: number;
  /** Metrics of the last (or best, if checkpointing) epoch. */
  final: { loss: number; accuracy: number | null; valLoss: number | null; valAccuracy: number | null };
  stoppedEarly: boolean;
  /**
   * Fine-tuning (`initialModel` given): which layers took the starting
   * model's weights (matched by name and shape) and which started fresh.
   */
  transfer?: TransferReport;
}

/** What loading a starting model's weights into a (changed) network did. */
export interface TransferReport {
  /** Layers whose weights were loaded. */
  matched: string[];
  /** Layers with weights not in the starting model (freshly initialised). */
  missing: string[];
  /** Layers in the starting model with other shapes (freshly initialised), e.g. a replaced head. */
  mismatched: string[];
  /** Layers of the starting model this network does not have. */
  unused: string[];
  /** One paragraph for the user. */
  summary: string;
}

export interface EvaluationResult {
  /** Fraction 0..1 on the test split. */
  accuracy: number;
  loss: number;
  classNames: string[];
  /** Per class, fraction 0..1. */
  perClassAccuracy: number[];
  /** confusion[true][predicted] = count. */
  confusion: number[][];
  /** The most confident mistakes, worst first. */
  mistakes: { index: number; trueClass: number; predictedClass: number; confidence: number; /** PNG base64 */ image: string }[];
}

/** Result of an inspection view (feature maps, filters, saliency…), as images. */
export interface InspectResult {
  view: InspectView;
  /** PNG base64 images with a caption each (one per channel, filter or overlay). */
  images: InspectPicture[];
  /** Numbers the view computed that the UI may show (e.g. effective RF size). */
  stats?: Record<string, number>;
  /** The image looked at, at the network's input size, enlarged `scale`× (absent for views without an image). */
  input?: { base64: string; width: number; height: number; /** Picture pixels per input pixel. */ scale: number };
  /** Class names of the model's outputs, when known (trained model's dataset). */
  classNames?: string[];
  /** The network's top classes for the image, best first (classifiers only). */
  prediction?: { index: number; name: string; probability: number }[];
  /** Lines for the user about choices made (default layer, random weights, …). */
  notes?: string[];
}

/** One picture of an inspection result. */
export interface InspectPicture {
  caption: string;
  /** PNG bytes, base64 (no `data:` prefix). */
  base64: string;
  width: number;
  height: number;
  /** Which view made it (with several views per request). */
  view?: InspectView;
  /** Layer name it shows (feature maps, filters, Grad-CAM, effective RF, maximisation). */
  layer?: string;
  /**
   * For a grid of tiles (feature maps, filters): where tile i sits, so a
   * click maps back to (channel, row, col). Tile i is at column i % cols,
   * row ⌊i / cols⌋; its top-left picture pixel is
   * (pad + col·(tileWidth + pad), pad + row·(tileHeight + pad)); one map
   * pixel is `scale` picture pixels (1/f when big maps were shrunk f×);
   * tile i shows channel `channels[i]`.
   */
  grid?: { count: number; cols: number; rows: number; tileWidth: number; tileHeight: number; pad: number; scale: number; channels: number[] };
}

export interface ExportResult {
  /** Files written, absolute. */
  files: string[];
  /** Remarks for the user: how to load the files, whether the weights were random. */
  notes?: string[];
}

/** The result type of each job kind, carried by {@link JobEnd} when it succeeds. */
export interface JobResults {
  train: TrainResult;
  evaluate: EvaluationResult;
  inspect: InspectResult;
  export: ExportResult;
}

/** The end of a job: exactly one per job, whatever happens. */
export type JobEnd = {
  [K in JobKind]:
    | { jobId: string; kind: K; status: 'done'; result: JobResults[K] }
    | { jobId: string; kind: K; status: 'cancelled' }
    | { jobId: string; kind: K; status: 'error'; error: import('./result').ApiError };
}[JobKind];

/** A model the engine can run: one kept in memory after training, or weights on disk. */
export type ModelRef = { modelId: string } | { doc: GraphDoc; weightsPath?: string };

/** An image from the user: a file path the host reads, or encoded bytes. */
export type ImageInput = { path: string } | { /** PNG or JPEG bytes, base64. */ base64: string };

export interface DatasetInfo {
  /** The spec to pass back, e.g. `builtin:shapes`, `fashion-mnist:/usr/share/datasets/fashion-mnist`. */
  spec: string;
  name: string;
  /** Input shape of one sample, e.g. [28, 28, 1]; null until the files are read. */
  inputShape: Shape | null;
  classNames: string[];
  /** Whether its files are present and readable. */
  available: boolean;
  /** Plain words: where it comes from, or why it is not available. */
  detail: string;
}

export interface PreviewDatasetRequest {
  spec: string;
  /** Sample images wanted (default 16, at most 64). */
  count?: number;
}

export interface DatasetPreview {
  spec: string;
  name: string;
  inputShape: Shape;
  classNames: string[];
  /** Train-split examples per class, in classNames order. */
  classCounts: number[];
  testCount: number;
  samples: { label: number; /** PNG base64 */ image: string }[];
}

export interface StartTrainingRequest {
  doc: GraphDoc;
  dataset: { spec: string };
  settings: TrainingSettings;
  /** Continue from these weights (fine-tuning), e.g. from an earlier run. */
  initialModel?: ModelRef;
  /** Write the trained weights beside this document path when done. */
  saveBesidePath?: string;
  /** Resize / convert the dataset's images to the network's input (the "resize the data" fix). */
  adaptInput?: boolean;
  /** Use at most this many training images (quick runs). */
  limit?: number;
  /** Threads sharing each batch: 0 or absent = automatic (one per core, see engine/train/parallel), 1 = one thread. */
  threads?: number;
}

export interface EvaluateRequest {
  model: ModelRef;
  dataset: { spec: string };
  /** How many worst mistakes to return (default 16). */
  mistakes?: number;
  /** Evaluate on at most this many test images. */
  limit?: number;
}

export interface PredictRequest {
  model: ModelRef;
  image: ImageInput;
  /** How many classes to return, best first (default 5). */
  topK?: number;
  /** Class names to label the outputs with (else "class 0", …). */
  classNames?: string[];
}

export interface Prediction {
  /** Best first. */
  top: { index: number; name: string; probability: number }[];
}

/**
 * - activations: the chosen layer's feature maps as a grid;
 * - filters: the chosen conv layer's filters (else the first conv's);
 * - saliency / smoothgrad: ∂ class score / ∂ pixels (plain, or averaged over noisy copies);
 * - gradcam: Grad-CAM at the chosen layer (else the last spatial one);
 * - effective-rf: ∂ unit / ∂ pixels beside the analysis' theoretical field;
 * - maximize: an image that maximises one channel of the chosen layer (gradient ascent).
 */
export type InspectView = 'activations' | 'filters' | 'saliency' | 'smoothgrad' | 'gradcam' | 'effective-rf' | 'maximize';

export interface InspectRequest {
  model: ModelRef;
  view: InspectView;
  /** Node id of the layer to look at. */
  nodeId: string;
  image?: ImageInput;
  /** Class for saliency / Grad-CAM. */
  classIndex?: number;
  /** Unit for the effective receptive field: [row, col, channel] in the layer's output. */
  unit?: [number, number, number];
  /** Compute these views in one job (one model load); `view` is then the first. Results: one picture set per view, tagged with `view`. */
  views?: InspectView[];
  /** The image: sample `index` of a dataset split (instead of `image`). */
  sample?: { spec: string; split?: 'train' | 'test'; index: number };
  /** Channel for 'maximize' (default 0). */
  channel?: number;
  /** Gradient-ascent steps for 'maximize' (default 200, at most 500). */
  steps?: number;
  /** Noisy copies for 'smoothgrad' (default 25, at most 200). */
  samples?: number;
  /** Most tiles in a grid of feature maps or filters (default 64). */
  maxTiles?: number;
  /** Layer (node id) for 'gradcam' when it differs from `nodeId` (Grad-CAM is usually taken at the last conv layer). */
  gradcamNodeId?: string;
}

export type ExportFormat = 'tfjs' | 'onnx' | 'keras' | 'pytorch';

export interface ImportModelRequest {
  /** A TF.js / Keras model.json, or the folder holding one. */
  path: string;
}

/** A model.json turned into a graph document (nothing is imported when it fails). */
export interface ImportedModelResult {
  /** The network, laid out, with the file's layer names. Not saved yet. */
  doc: GraphDoc;
  kind: 'Sequential' | 'Functional';
  /** Keras version or TF.js generator recorded in the file. */
  source: string | null;
  /** Absolute path of the model.json when its weights are complete beside it (load them by name), else null. */
  weightsPath: string | null;
  /** Remarks for the user (renamed layers, missing weights files). */
  notes: string[];
}

/** What a folder is chosen for (sets the dialog's title and button). */
export type FolderPurpose = 'export' | 'dataset' | 'import' | 'weights';

export interface ChooseFolderRequest {
  purpose: FolderPurpose;
  /** Folder the dialog starts in (absolute); the host's last folder when omitted. */
  defaultPath?: string;
}

/** A folder the user chose through the host's native dialog; it may then be named in later requests (read and write). */
export interface ChosenFolder {
  path: string;
}

export interface ExportModelRequest {
  model: ModelRef;
  format: ExportFormat;
  /** Output folder; omit for the native folder dialog (Electron). Required in the web host. */
  dir?: string;
}

// ---------------------------------------------------------------------------
// Events pushed by the host

/** Commands the host's menu sends to the renderer; the renderer runs its own command of that name. */
export type MenuCommand =
  | 'new'
  | 'open'
  | 'save'
  | 'save-as'
  | 'export-svg'
  | 'export-png'
  | 'undo'
  | 'redo'
  | 'cut'
  | 'copy'
  | 'paste'
  | 'delete'
  | 'select-all'
  | 'auto-layout'
  | 'fit-view'
  | 'zoom-in'
  | 'zoom-out'
  | 'toggle-minimap'
  | 'show-welcome';

// ---------------------------------------------------------------------------
// The contract

/**
 * Everything the renderer can ask of the engine, and every event it can
 * listen to. Implemented by the preload's `window.engine` (Electron) and by
 * `createEngineClient(transport)` (either transport).
 */
export interface EngineApi {
  // -- host --------------------------------------------------------------
  /** Which transport and capabilities the host has (dialogs or not, projects folder). */
  hostInfo(): Promise<Result<HostInfo>>;
  /**
   * Documents the OS or command line asked the app to open before the
   * renderer was listening (file association, `cnn-designer my-net.cnnd`).
   * Call once at startup, after subscribing to onOpenProject; later ones
   * arrive through onOpenProject.
   */
  takeOpenedFiles(): Promise<Result<ProjectFile[]>>;
  /** The compute backend the engine trains on, for the status bar. */
  backendInfo(): Promise<Result<BackendInfo>>;

  // -- templates ---------------------------------------------------------
  /** The gallery: every template with its description and totals. */
  listTemplates(): Promise<Result<TemplateSummary[]>>;
  /** One template as a new, unsaved document. `id` from {@link TemplateSummary.id}. */
  loadTemplate(id: string): Promise<Result<GraphDoc>>;

  // -- project files -----------------------------------------------------
  /** Open a document: the native dialog, or `req.path`. Null when the user cancels the dialog. */
  openProject(req?: OpenProjectRequest): Promise<Result<ProjectFile | null>>;
  /** Save to a known path (atomic write); adds it to recent files. */
  saveProject(req: SaveProjectRequest): Promise<Result<SavedFile>>;
  /** Save under a new name: the native dialog, or `req.path`. Null when cancelled. */
  saveProjectAs(req: SaveProjectAsRequest): Promise<Result<SavedFile | null>>;
  /** Recently opened or saved documents, newest first. */
  recentFiles(): Promise<Result<RecentFile[]>>;
  /** Forget the recent files. */
  clearRecentFiles(): Promise<Result<void>>;
  /** For the renderer's own file picker (web host): folders and graph documents in a folder. */
  listProjectFiles(req?: ListProjectFilesRequest): Promise<Result<DirListing>>;
  /** The autosaved document left by a session that did not close cleanly, or null. */
  readAutosave(): Promise<Result<AutosaveEntry | null>>;
  /** Keep a copy of the current document for recovery after a crash. */
  writeAutosave(req: WriteAutosaveRequest): Promise<Result<{ savedAt: string }>>;
  /** Drop the autosave (after a save, or when the user discards the recovery). */
  clearAutosave(): Promise<Result<void>>;
  /** Write a diagram the renderer drew (SVG text or PNG bytes). Null when cancelled. */
  exportDiagram(req: ExportDiagramRequest): Promise<Result<SavedFile | null>>;
  /**
   * The native folder picker (Electron): null when cancelled. The chosen
   * folder may then be named by exportModel's `dir`, a dataset spec, etc.
   * NOT_SUPPORTED in the web host (the renderer keeps its typed-path field).
   */
  chooseFolder(req: ChooseFolderRequest): Promise<Result<ChosenFolder | null>>;

  // -- datasets, training, evaluation, inspection, export -----------------
  /** Datasets the engine knows (built-in, and files found on this machine). */
  listDatasets(): Promise<Result<DatasetInfo[]>>;
  /** Class names, counts and sample images of a dataset. */
  previewDataset(req: PreviewDatasetRequest): Promise<Result<DatasetPreview>>;
  /** Start training as a job; progress via onJobProgress, the end via onJobEnd. */
  startTraining(req: StartTrainingRequest): Promise<Result<JobStarted>>;
  /** Evaluate on the test split as a job; the EvaluationResult arrives in onJobEnd. */
  evaluate(req: EvaluateRequest): Promise<Result<JobStarted>>;
  /** Classify one image (quick, not a job). */
  predict(req: PredictRequest): Promise<Result<Prediction>>;
  /** Compute an inspection view as a job; the InspectResult arrives in onJobEnd. */
  inspect(req: InspectRequest): Promise<Result<JobStarted>>;
  /** Export a model as a job; the ExportResult arrives in onJobEnd. */
  exportModel(req: ExportModelRequest): Promise<Result<JobStarted>>;
  /** Turn a TF.js / Keras model.json into a graph document (quick, not a job). INVALID_DOCUMENT names every unsupported layer. */
  importModel(req: ImportModelRequest): Promise<Result<ImportedModelResult>>;
  /** Cancel a running job; it then ends with status 'cancelled'. Ok if it already ended. */
  cancelJob(jobId: string): Promise<Result<void>>;

  // -- events ------------------------------------------------------------
  /** Progress of any job. Returns an unsubscribe function. */
  onJobProgress(cb: (e: JobProgress) => void): () => void;
  /** The end of any job (done, cancelled or error), exactly once per job. */
  onJobEnd(cb: (e: JobEnd) => void): () => void;
  /** A menu item was chosen (Electron). The web host never sends these. */
  onMenuCommand(cb: (command: MenuCommand) => void): () => void;
  /** The host opened a document for the renderer (file association, Recent menu). */
  onOpenProject(cb: (file: ProjectFile) => void): () => void;
}

// ---------------------------------------------------------------------------
// Types derived from the contract

/** Names of the event members (`onX`). */
export type EngineEventName = { [K in keyof EngineApi]: K extends `on${string}` ? K : never }[keyof EngineApi];
/** Names of the request methods. */
export type EngineRequestName = Exclude<keyof EngineApi, EngineEventName>;
/** The single argument of a request (undefined when it takes none). */
export type RequestArg<K extends EngineRequestName> = Parameters<EngineApi[K]>[0];
/** The value inside the ok Result of a request. */
export type ResponseValue<K extends EngineRequestName> =
  Awaited<ReturnType<EngineApi[K]>> extends Result<infer T> ? T : never;
/** The payload an event delivers to its listener. */
export type EventPayload<K extends EngineEventName> = Parameters<Parameters<EngineApi[K]>[0]>[0];
