/**
 * The importModel request: a model.json on disk → a graph document, as a
 * Result for the contract (an unsupported model is INVALID_DOCUMENT with
 * every cause listed; a missing file NOT_FOUND).
 */
import type { ImportedModelResult, ImportModelRequest } from '../api/contract';
import { err, ok, type Result } from '../api/result';
import { importModelFile } from './file';
import { ImportError } from './keras';

export async function importModelService(req: ImportModelRequest): Promise<Result<ImportedModelResult>> {
  try {
    const r = await importModelFile(req.path);
    return ok({ doc: r.doc, kind: r.kind, source: r.source ?? null, weightsPath: r.weightsPath, notes: r.notes });
  } catch (e) {
    if (e instanceof ImportError) return err(/does not exist/.test(e.message) ? 'NOT_FOUND' : 'INVALID_DOCUMENT', e.message, 'path');
    throw e;
  }
}
