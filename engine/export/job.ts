/**
 * The export job kind (electron/services/job-kinds.ts): load the model
 * (a stored trained model by id, or a document with its weights on disk, or a
 * document without weights → freshly initialised, said in the notes) and
 * write it in the requested format to the requested folder.
 */
import type { ExportModelRequest, ExportResult } from '../api';
import { analyzeGraph } from '../analysis';
import { initBackend, parseBackendName } from '../backend';
import { BuildError, buildModel } from '../train/build-model';
import type { JobCtx } from '../train/job';
import { ServiceError } from '../train/job';
import { loadModelRef } from '../train/model-store';
import { WeightsError } from '../train/weights';
import { ExportError, exportModelFiles } from './index';

export async function runExportJob(payload: unknown, ctx: JobCtx): Promise<ExportResult & { notes: string[] }> {
  const req = payload as ExportModelRequest;
  if (!req.dir) throw new ServiceError('INVALID_ARGUMENT', 'Choose the folder to export into.');
  try {
    const { tf } = await initBackend({ prefer: parseBackendName(process.env.CNN_BACKEND) });
    ctx.progress({ fraction: 0.1, etaSeconds: null, message: 'Loading the model…' });
    const untrained = 'doc' in req.model && !req.model.weightsPath;
    const loaded = untrained && 'doc' in req.model ? { model: buildModel(tf, req.model.doc, analyzeGraph(req.model.doc)), doc: req.model.doc } : await loadModelRef(tf, req.model);
    try {
      if (ctx.signal.aborted) throw new ServiceError('CANCELLED', 'Export cancelled.');
      ctx.progress({ fraction: 0.4, etaSeconds: null, message: `Writing ${req.format}…` });
      const r = await exportModelFiles(tf, loaded.doc, analyzeGraph(loaded.doc), loaded.model, req.format, req.dir, { trained: !untrained });
      ctx.progress({ fraction: 1, etaSeconds: 0, message: `Exported ${r.files.length} files` });
      return { files: r.files, notes: r.notes };
    } finally {
      loaded.model.dispose();
    }
  } catch (e) {
    if (e instanceof BuildError || e instanceof ExportError) throw new ServiceError('INVALID_GRAPH', e.message);
    if (e instanceof WeightsError) throw new ServiceError('NOT_FOUND', e.message);
    throw e;
  }
}
