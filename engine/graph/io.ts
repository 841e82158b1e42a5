/**
 * Loading and saving graph documents on disk. Node only (the renderer goes
 * through the engine for files); parsing itself is in parse.ts and pure.
 *
 * Saving is atomic: the document is written to a temporary file in the same
 * directory, flushed to disk (fsync), then renamed over the target, so a
 * crash or a full disk leaves either the old file or the new one, never half
 * of one. The directory is fsynced too where the OS allows it, so the rename
 * itself survives a power cut.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { GraphDoc } from './doc';
import { parseGraphJson, type ParseResult } from './parse';

/** Larger files are refused before reading (a 1,000-layer network is ~300 kB). */
export const MAX_FILE_BYTES = 64 * 1024 * 1024;

export type LoadResult = ParseResult & { file: string };

/** Read, migrate and validate a document. Never throws; errors say which file. */
export async function loadGraphFile(file: string): Promise<LoadResult> {
  const failed = (message: string): LoadResult => ({ ok: false, errors: [{ where: '', path: [], message }], message, file });
  let text: string;
  try {
    const st = await fs.stat(file);
    if (st.isDirectory()) return failed(`${file} is a folder, not a graph file`);
    if (st.size > MAX_FILE_BYTES) return failed(`${file} is ${(st.size / 1048576).toFixed(0)} MB; a graph file is at most ${MAX_FILE_BYTES / 1048576} MB`);
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return failed(code === 'ENOENT' ? `${file} does not exist` : code === 'EACCES' ? `${file} cannot be read (permission denied)` : `${file} cannot be read: ${(e as Error).message}`);
  }
  // A UTF-8 byte-order mark is legal in files some editors write.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const r = parseGraphJson(text);
  if (!r.ok) return { ...r, message: `${file}: ${r.message}`, file };
  return { ...r, file };
}

/** The document as saved: pretty JSON with a final newline (diff-friendly). */
export function serializeGraphDoc(doc: GraphDoc): string {
  return JSON.stringify(doc, null, 2) + '\n';
}

/**
 * Write `doc` to `file` atomically (temp file in the same directory, fsync,
 * rename). Throws an Error with a plain message if the write fails; the old
 * file, if any, is then untouched and no temp file is left behind.
 */
export async function saveGraphFile(file: string, doc: GraphDoc): Promise<void> {
  await writeFileAtomic(file, serializeGraphDoc(doc));
}

/** Atomic write of any text file (see saveGraphFile). */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const dir = path.dirname(path.resolve(file));
  // Same directory: rename is only atomic within one file system.
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(tmp, 'wx', 0o644);
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fs.rename(tmp, file);
  } catch (e) {
    if (handle) await handle.close().catch(() => {});
    await fs.rm(tmp, { force: true }).catch(() => {});
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'the folder does not exist' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'ENOSPC' ? 'the disk is full' : (e as Error).message;
    throw new Error(`Could not save ${file}: ${why}`, { cause: e });
  }
  // Persist the rename itself; not possible on every platform (Windows), so best effort.
  try {
    const d = await fs.open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch {
    /* directory fsync unsupported here */
  }
}
