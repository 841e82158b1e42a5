/**
 * Import a model.json from disk (Node only): the topology becomes a graph
 * document; when the file lists weights and they are beside it, their
 * model.json is reported so the caller can reference or load them.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ImportError, importKerasModel, type ImportedModel } from './keras';

export interface ImportedFile extends ImportedModel {
  /** Absolute path of the model.json whose weights are complete beside it, or null for a topology only. */
  weightsPath: string | null;
}

/** Read and import `file` (a model.json, or a folder holding one). */
export async function importModelFile(file: string): Promise<ImportedFile> {
  let p = path.resolve(file);
  try {
    if ((await fs.stat(p)).isDirectory()) p = path.join(p, 'model.json');
  } catch {
    throw new ImportError(`cannot read ${file}: it does not exist`, []);
  }
  let json: unknown;
  try {
    json = JSON.parse(await fs.readFile(p, 'utf8'));
  } catch (e) {
    throw new ImportError(`cannot read ${p}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : (e as Error).message}`, []);
  }
  const imported = importKerasModel(json);
  let weightsPath: string | null = null;
  const manifest = (json as { weightsManifest?: { paths?: unknown[] }[] }).weightsManifest;
  if (Array.isArray(manifest) && manifest.length > 0) {
    const files = manifest.flatMap((g) => (Array.isArray(g.paths) ? g.paths : [])).map((f) => path.resolve(path.dirname(p), String(f)));
    const present = await Promise.all(files.map((f) => fs.stat(f).then(() => true, () => false)));
    if (files.length > 0 && present.every(Boolean)) weightsPath = p;
    else imported.notes.push(`the weights files listed in ${path.basename(p)} are not all beside it (${files.filter((_, i) => !present[i]).map((f) => path.basename(f)).join(', ')}); imported the topology only`);
  }
  return { ...imported, weightsPath };
}
