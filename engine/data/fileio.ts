/**
 * File access for the dataset formats: existence checks with useful errors,
 * gzip detection, and positional reads of fixed-size records so uncompressed
 * files stream from disk instead of sitting in memory.
 */
import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { DatasetError } from './errors';

const gunzipAsync = promisify(zlib.gunzip);

/** Throws NOT_FOUND (with `fix`) unless `dir` is an existing directory. */
export async function requireDir(dir: string, what: string, fix: string): Promise<void> {
  let st;
  try {
    st = await fsp.stat(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new DatasetError('NOT_FOUND', `The ${what} directory ${dir} does not exist.`, fix, dir);
    throw new DatasetError('UNREADABLE', `Cannot open the ${what} directory ${dir} (${code ?? String(e)}).`, 'Check that you may read it.', dir);
  }
  if (!st.isDirectory()) {
    throw new DatasetError('NOT_FOUND', `${dir} is a file, not a directory.`, `Pass the directory that holds the ${what} files. ${fix}`, dir);
  }
}

/** Entries of a directory (names only), sorted by plain string order so every machine agrees. */
export async function listDir(dir: string): Promise<import('node:fs').Dirent[]> {
  try {
    const es = await fsp.readdir(dir, { withFileTypes: true });
    return es.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch (e) {
    throw new DatasetError('UNREADABLE', `Cannot list the directory ${dir} (${(e as NodeJS.ErrnoException).code ?? String(e)}).`, 'Check that you may read it.', dir);
  }
}

/** The first of `names` that exists in `dir` (case-insensitive match), or undefined. */
export async function findFile(dir: string, names: readonly string[]): Promise<string | undefined> {
  const entries = await listDir(dir);
  for (const n of names) {
    const hit = entries.find((e) => e.name.toLowerCase() === n.toLowerCase() && (e.isFile() || e.isSymbolicLink()));
    if (hit) return path.join(dir, hit.name);
  }
  return undefined;
}

/** A short listing of a directory for error messages ("it holds: a, b, c and 12 more"). */
export async function describeDir(dir: string): Promise<string> {
  try {
    const names = (await fsp.readdir(dir)).sort();
    if (names.length === 0) return 'it is empty';
    const shown = names.slice(0, 6).join(', ');
    return `it holds ${shown}${names.length > 6 ? ` and ${names.length - 6} more` : ''}`;
  } catch {
    return 'it cannot be listed';
  }
}

/** Reads a whole file; NOT_FOUND / UNREADABLE name it. */
export async function readWhole(file: string): Promise<Buffer> {
  try {
    return await fsp.readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DatasetError('NOT_FOUND', `${file} does not exist.`, 'Check the path.', file);
    throw new DatasetError('UNREADABLE', `Cannot read ${file} (${code ?? String(e)}).`, 'Check that the file is readable.', file);
  }
}

/** True when the bytes start with the gzip magic number 1f 8b. */
export function isGzip(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/** Gunzips, turning zlib's errors into BAD_FORMAT naming the file. */
export async function gunzipFile(buf: Buffer, file: string): Promise<Buffer> {
  try {
    return await gunzipAsync(buf);
  } catch (e) {
    throw new DatasetError(
      'BAD_FORMAT',
      `${file} is not a valid gzip file (${(e as Error).message}); it is probably truncated or corrupt.`,
      'Download it again, or gunzip it by hand to see what is wrong.',
      file,
    );
  }
}

/** An open file read by position, in records that may sit anywhere in it. */
export class PositionalFile {
  private constructor(
    readonly file: string,
    private readonly fh: FileHandle,
    readonly size: number,
  ) {}

  static async open(file: string): Promise<PositionalFile> {
    let fh: FileHandle;
    try {
      fh = await fsp.open(file, 'r');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new DatasetError('NOT_FOUND', `${file} does not exist.`, 'Check the path.', file);
      throw new DatasetError('UNREADABLE', `Cannot open ${file} (${code ?? String(e)}).`, 'Check that the file is readable.', file);
    }
    const st = await fh.stat();
    return new PositionalFile(file, fh, st.size);
  }

  /** Reads exactly `length` bytes at `position` into `into` at `offset`. */
  async readAt(position: number, length: number, into: Uint8Array = new Uint8Array(length), offset = 0): Promise<Uint8Array> {
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.fh.read(into, offset + done, length - done, position + done);
      if (bytesRead === 0) {
        throw new DatasetError('BAD_LENGTH', `${this.file} ended early at byte ${position + done} (it changed while being read?).`, 'Do not modify dataset files while they are in use; reopen the dataset.', this.file);
      }
      done += bytesRead;
    }
    return into;
  }

  /**
   * Reads records of `recBytes` bytes at the given byte positions into `out`
   * (record i at out offset i × recBytes). Runs of adjacent records are read
   * in one call, so sequential batches cost one read each.
   */
  async readRecords(positions: readonly number[], recBytes: number, out: Uint8Array): Promise<void> {
    const order = positions.map((_, i) => i).sort((a, b) => positions[a] - positions[b]);
    const reads: Promise<unknown>[] = [];
    let i = 0;
    while (i < order.length) {
      let j = i + 1;
      while (j < order.length && positions[order[j]] === positions[order[j - 1]] + recBytes) j++;
      const start = positions[order[i]];
      const len = (j - i) * recBytes;
      const run = order.slice(i, j);
      // Contiguous in the file and, if also contiguous in `out`, read straight into place.
      const direct = run.every((r, k) => r === run[0] + k);
      if (direct) reads.push(this.readAt(start, len, out, run[0] * recBytes));
      else {
        reads.push(
          this.readAt(start, len).then((buf) => {
            run.forEach((r, k) => out.set(buf.subarray(k * recBytes, (k + 1) * recBytes), r * recBytes));
          }),
        );
      }
      i = j;
    }
    await Promise.all(reads);
  }

  async close(): Promise<void> {
    await this.fh.close().catch(() => undefined);
  }
}
