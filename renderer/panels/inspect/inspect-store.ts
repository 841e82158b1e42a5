/**
 * State of the "Look inside" panel: what the user chose (model weights,
 * image, layer, class) and what the engine sent back. Jobs are started and
 * followed by ./run-inspect.ts; this store holds only data.
 */
import { create } from 'zustand';
import type { InspectResult } from '../../../engine/api/contract';

/** Where the image comes from. */
export type ImageSource = { kind: 'sample'; spec: string; split: 'train' | 'test'; index: number } | { kind: 'file'; name: string; base64: string };

/** A job the panel is waiting for. */
export interface RunningJob {
  jobId: string;
  /** What it computes, for the progress line. */
  what: string;
  fraction: number | null;
  message?: string;
}

/** A unit the user clicked on a feature map. */
export interface ClickedUnit {
  row: number;
  col: number;
  channel: number;
}

export interface InspectState {
  open: boolean;
  /** 'trained': weights from `weightsPath`; 'random': the network freshly initialised. */
  weights: 'trained' | 'random';
  /** Folder (or model.json) of the trained weights, absolute. */
  weightsPath: string;
  image: ImageSource;
  /** Node id of the chosen layer; null = the last spatial layer. */
  nodeId: string | null;
  /** Node id of the Grad-CAM layer; null = the last spatial layer (the usual choice). */
  camNodeId: string | null;
  /** Class for saliency and Grad-CAM; null = the network's top class. */
  classIndex: number | null;
  /** The main result (feature maps, filters, saliency, Grad-CAM, effective RF). */
  result: InspectResult | null;
  /** The effective-RF result for the clicked unit (replaces the one in `result`). */
  erf: InspectResult | null;
  unit: ClickedUnit | null;
  /** Channel-maximisation result and its channel. */
  maximize: InspectResult | null;
  maximizeChannel: number;
  /** SmoothGrad computed on request (big networks leave it out of the main views). */
  smooth: InspectResult | null;
  jobs: { main: RunningJob | null; erf: RunningJob | null; maximize: RunningJob | null; smooth: RunningJob | null };
  /** Last failure, in plain words. */
  error: string | null;
  set(p: Partial<Omit<InspectState, 'set'>>): void;
}

export const useInspectStore = create<InspectState>()((set) => ({
  open: false,
  weights: 'trained',
  weightsPath: '',
  image: { kind: 'sample', spec: 'builtin:shapes', split: 'test', index: 0 },
  nodeId: null,
  camNodeId: null,
  classIndex: null,
  result: null,
  erf: null,
  unit: null,
  maximize: null,
  maximizeChannel: 0,
  smooth: null,
  jobs: { main: null, erf: null, maximize: null, smooth: null },
  error: null,
  set: (p) => set(p),
}));

/**
 * The weights path a document refers to, made absolute against the
 * document's own path (`weights.path` is relative to the document).
 */
export function resolveWeightsPath(docPath: string | null, rel: string | undefined): string {
  if (!rel) return '';
  if (/^([A-Za-z]:[\\/]|[\\/])/.test(rel) || !docPath) return rel;
  const dir = docPath.replace(/[^\\/]*$/, '');
  return dir + rel;
}
