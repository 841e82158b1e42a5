/**
 * Starting and following inspect jobs for the panel: one job per slot (main
 * views, the clicked unit's effective RF, channel maximisation); starting a
 * new one in a slot cancels the old one, so the views always show the
 * latest choice. Progress and the end arrive through the contract's job
 * events.
 */
import type { InspectRequest, InspectResult, JobEnd, JobProgress } from '../../../engine/api/contract';
import { getEngine } from '../../ipc/engine';
import { useAnalysisStore } from '../../state/analysis-store';
import { useGraphStore } from '../../state/graph-store';
import { useInspectStore, type InspectState } from './inspect-store';

type Slot = keyof InspectState['jobs'];

const waiting = new Map<string, { slot: Slot; done: (e: JobEnd) => void }>();
let subscribed = false;

/** Subscribe once to the job events (they carry every job's id). */
function ensureSubscribed(): void {
  if (subscribed) return;
  subscribed = true;
  const engine = getEngine();
  engine.onJobProgress((p: JobProgress) => {
    const w = waiting.get(p.jobId);
    if (!w) return;
    const s = useInspectStore.getState();
    const job = s.jobs[w.slot];
    if (job?.jobId === p.jobId) s.set({ jobs: { ...s.jobs, [w.slot]: { ...job, fraction: p.fraction, message: p.message } } });
  });
  engine.onJobEnd((e: JobEnd) => {
    const w = waiting.get(e.jobId);
    if (!w) return;
    waiting.delete(e.jobId);
    w.done(e);
  });
}

/** The request's model part from the panel's choices. */
function modelRef(s: InspectState): InspectRequest['model'] {
  const doc = useGraphStore.getState().doc;
  return s.weights === 'trained' && s.weightsPath.trim() ? { doc, weightsPath: s.weightsPath.trim() } : { doc };
}

function imagePart(s: InspectState): Pick<InspectRequest, 'image' | 'sample'> {
  return s.image.kind === 'file' ? { image: { base64: s.image.base64 } } : { sample: { spec: s.image.spec, split: s.image.split, index: s.image.index } };
}

/** Start a job in `slot` (cancelling the one there); resolves with its result, or null if cancelled or replaced. */
async function run(slot: Slot, what: string, req: Omit<InspectRequest, 'model'>): Promise<InspectResult | null> {
  ensureSubscribed();
  const engine = getEngine();
  const s = useInspectStore.getState();
  const old = s.jobs[slot];
  if (old) void engine.cancelJob(old.jobId);
  const started = await engine.inspect({ ...req, model: modelRef(s) });
  if (!started.ok) {
    useInspectStore.getState().set({ error: started.error.message });
    return null;
  }
  const { jobId } = started.value;
  const st = useInspectStore.getState();
  st.set({ jobs: { ...st.jobs, [slot]: { jobId, what, fraction: 0 } }, error: null });
  const end = await new Promise<JobEnd>((done) => waiting.set(jobId, { slot, done }));
  const now = useInspectStore.getState();
  // A newer job replaced this one: drop its result.
  if (now.jobs[slot]?.jobId !== jobId) return null;
  now.set({ jobs: { ...now.jobs, [slot]: null } });
  if (end.status === 'error') {
    now.set({ error: end.error.message });
    return null;
  }
  if (end.status === 'cancelled') return null;
  return end.result as InspectResult;
}

/** Feature maps, filters, saliency, SmoothGrad, Grad-CAM and the centre unit's effective RF. */
export async function runMainViews(): Promise<void> {
  const s = useInspectStore.getState();
  const smooth = !isBigNetwork();
  const r = await run('main', 'feature maps, filters, saliency, Grad-CAM', {
    view: 'activations',
    views: smooth ? ['activations', 'filters', 'saliency', 'smoothgrad', 'gradcam', 'effective-rf'] : ['activations', 'filters', 'saliency', 'gradcam', 'effective-rf'],
    nodeId: s.nodeId ?? lastSpatialNode() ?? '',
    ...imagePart(s),
    ...(s.classIndex !== null ? { classIndex: s.classIndex } : {}),
    ...((s.camNodeId ?? lastSpatialNode()) ? { gradcamNodeId: (s.camNodeId ?? lastSpatialNode())! } : {}),
    samples: 16,
  });
  if (r) useInspectStore.getState().set({ result: r, erf: null, unit: null, smooth: null });
}

/**
 * More multiply-adds per image than this (VGG16 has 15.5 G, ResNet-50 4 G):
 * SmoothGrad's 16 backward passes take minutes on a CPU, so it runs only when asked.
 */
export const BIG_NETWORK_MACS = 500e6;

export function isBigNetwork(): boolean {
  return useAnalysisStore.getState().analysis.totals.macs > BIG_NETWORK_MACS;
}

/** SmoothGrad alone (for big networks, on request). */
export async function runSmoothGrad(samples: number): Promise<void> {
  const s = useInspectStore.getState();
  const r = await run('smooth', `SmoothGrad (${samples} copies)`, {
    view: 'smoothgrad',
    nodeId: s.nodeId ?? lastSpatialNode() ?? '',
    ...imagePart(s),
    ...(s.classIndex !== null ? { classIndex: s.classIndex } : {}),
    samples,
  });
  if (r) useInspectStore.getState().set({ smooth: r });
}

/** The effective receptive field of the clicked unit. */
export async function runUnitErf(unit: { row: number; col: number; channel: number }): Promise<void> {
  const s = useInspectStore.getState();
  s.set({ unit, erf: null });
  const r = await run('erf', `receptive field of unit (${unit.row}, ${unit.col}, ${unit.channel})`, {
    view: 'effective-rf',
    nodeId: s.nodeId ?? lastSpatialNode() ?? '',
    ...imagePart(s),
    unit: [unit.row, unit.col, unit.channel],
  });
  if (r) useInspectStore.getState().set({ erf: r });
}

/** An image that maximises the chosen channel of the layer. */
export async function runMaximize(): Promise<void> {
  const s = useInspectStore.getState();
  const steps = maximizeSteps();
  const r = await run('maximize', `image for channel ${s.maximizeChannel} (${steps} steps)`, { view: 'maximize', nodeId: s.nodeId ?? lastSpatialNode() ?? '', channel: s.maximizeChannel, steps });
  if (r) useInspectStore.getState().set({ maximize: r });
}

/**
 * Gradient-ascent steps for this network: 200 for small ones, fewer as a
 * forward+backward pass grows (VGG16's takes seconds on a CPU), at least 10.
 */
export function maximizeSteps(): number {
  const macs = useAnalysisStore.getState().analysis.totals.macs;
  return Math.max(10, Math.min(200, Math.round(2e10 / Math.max(1, macs))));
}

/** Cancel the job in a slot. */
export function cancelSlot(slot: Slot): void {
  const s = useInspectStore.getState();
  const job = s.jobs[slot];
  if (!job) return;
  void getEngine().cancelJob(job.jobId);
  s.set({ jobs: { ...s.jobs, [slot]: null } });
}

/** The id of the last node whose output has height, width and channels (what the engine picks by default). */
export function lastSpatialNode(): string | null {
  const { analysisNodes } = analysisView();
  let best: string | null = null;
  for (const n of analysisNodes) if (n.outputShape && n.outputShape.length === 3 && n.type !== 'input' && !/pool|padding|dropout/.test(n.type)) best = n.id;
  return best;
}

function analysisView() {
  const a = useAnalysisStore.getState().analysis;
  return { analysisNodes: a.order.map((id) => a.nodes[id]).filter(Boolean) };
}
