/**
 * State of the Export / fine-tune dialog: whether it is open, the chosen
 * format and folder, and the running export job. Data only; ExportDialog
 * starts the job and follows it.
 */
import { create } from 'zustand';
import type { ExportFormat } from '../../../engine/api/contract';

export interface ExportState {
  open: boolean;
  format: ExportFormat;
  /** Output folder, absolute; '' = not chosen yet. */
  dir: string;
  /** Export the document's trained weights (when it has some) or fresh random ones. */
  weights: 'trained' | 'random';
  job: { jobId: string; fraction: number | null; message?: string } | null;
  /** The last export's files and notes. */
  done: { files: string[]; notes: string[] } | null;
  error: string | null;
  set(p: Partial<Omit<ExportState, 'set'>>): void;
}

export const useExportStore = create<ExportState>()((set) => ({
  open: false,
  format: 'onnx',
  dir: '',
  weights: 'trained',
  job: null,
  done: null,
  error: null,
  set: (p) => set(p),
}));

/** What each format writes, for the user. */
export const FORMATS: readonly { id: ExportFormat; label: string; help: string; folder: string }[] = [
  { id: 'tfjs', label: 'TF.js', help: 'model.json + weights.bin: loads in TensorFlow.js, converts to Keras.', folder: 'tfjs' },
  { id: 'onnx', label: 'ONNX', help: 'model.onnx (opset 13) for ONNX Runtime, TensorRT, OpenVINO…', folder: 'onnx' },
  { id: 'keras', label: 'Keras (Python)', help: 'model.py rebuilding the network, weights.npz and train.py for multi-GPU training.', folder: 'keras' },
  { id: 'pytorch', label: 'PyTorch (Python)', help: 'model.py (an nn.Module), weights.npz and train.py for torchrun / DDP.', folder: 'pytorch' },
];

/** Default folder: beside the document, e.g. /p/my-net.json → /p/my-net.onnx. */
export function defaultExportDir(docPath: string | null, format: ExportFormat): string {
  if (!docPath) return '';
  const f = FORMATS.find((x) => x.id === format)!;
  return docPath.replace(/\.(json|cnnd)$/i, '') + `.${f.folder}`;
}
