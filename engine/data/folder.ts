/**
 * Folders of images: one subfolder per class (`DIR/cat/*.jpg`, `DIR/dog/*.png`),
 * or `DIR/train/<class>/…` and `DIR/test/<class>/…` for a split of your own.
 * Without train/ and test/, each class is split by a fixed seed (stratified,
 * `test=0.2` by default). Images are decoded, auto-rotated (EXIF), flattened
 * onto white, resized and converted to grey or RGB with sharp when a batch
 * asks for them; decoded images are kept in a bounded memory cache so later
 * epochs do not decode again.
 */
import type { Dirent } from 'node:fs';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { decodeImageRaw, isFit, loadSharp, shortReason } from './image';
import { RecordDataset, type SplitSource } from './base';
import { DatasetError, throwIfAborted } from './errors';
import { listDir, requireDir } from './fileio';
import type { DatasetKind } from './kind';
import { hash32, shuffleInPlace } from './rng';
import { boolParam, channelsParam, checkParams, dirTarget, formatSpec, numParam, type ParsedSpec } from './spec';
import { DEFAULT_CACHE_MB, type ImageShape, type OpenOptions, type SkippedFile } from './types';

/** File extensions taken as images (case-insensitive). Others are ignored. */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp'];
const MAX_DEFAULT_SIDE = 256;
const FALLBACK_SIDE = 64;
/** Decodes in flight at once; sharp runs them on libuv's pool (4 threads by default). */
const DECODE_CONCURRENCY = 4;

const isImage = (name: string) => IMAGE_EXTENSIONS.includes(path.extname(name).toLowerCase());
const visible = (name: string) => !name.startsWith('.') && !name.startsWith('__');

/** Whether a directory entry is a folder or a file, following symbolic links (a linked class folder is common). */
async function entryKind(dir: string, e: Dirent): Promise<'dir' | 'file' | 'other'> {
  if (e.isDirectory()) return 'dir';
  if (e.isFile()) return 'file';
  if (e.isSymbolicLink()) {
    const st = await fsp.stat(path.join(dir, e.name)).catch(() => null);
    if (st?.isDirectory()) return 'dir';
    if (st?.isFile()) return 'file';
  }
  return 'other';
}

/** Image files under `dir` at any depth, sorted; counts other files for messages. `seen` stops symlink loops. */
async function collectImages(dir: string, out: string[], other: string[], seen = new Set<string>()): Promise<void> {
  const real = await fsp.realpath(dir).catch(() => dir);
  if (seen.has(real)) return;
  seen.add(real);
  for (const e of await listDir(dir)) {
    if (!visible(e.name)) continue;
    const p = path.join(dir, e.name);
    const kind = await entryKind(dir, e);
    if (kind === 'dir') await collectImages(p, out, other, seen);
    else if (kind === 'file' && isImage(e.name)) out.push(p);
    else if (kind === 'file') other.push(e.name);
  }
}

interface ClassFolder {
  name: string;
  dir: string;
  files: string[];
  other: string[];
}

async function scanClasses(root: string): Promise<ClassFolder[]> {
  const entries = await listDir(root);
  const classes: ClassFolder[] = [];
  for (const e of entries) {
    if (!visible(e.name) || (await entryKind(root, e)) !== 'dir') continue;
    const c: ClassFolder = { name: e.name, dir: path.join(root, e.name), files: [], other: [] };
    await collectImages(c.dir, c.files, c.other);
    classes.push(c);
  }
  if (classes.length < 2) {
    const loose = entries.filter((e) => !e.isDirectory() && isImage(e.name)).length;
    const problem =
      classes.length === 1
        ? `${root} has only one class folder ("${classes[0].name}"); a classifier needs at least 2 classes.`
        : loose > 0
          ? `${root} holds ${loose} image${loose === 1 ? '' : 's'} but no class subfolders.`
          : `${root} has no class subfolders.`;
    throw new DatasetError('TOO_FEW_CLASSES', problem, `Put the images in one subfolder per class, e.g. ${path.join(root, 'cat')}/… and ${path.join(root, 'dog')}/….`, root);
  }
  return classes;
}

function emptyClassError(c: ClassFolder, skippedHere = 0): DatasetError {
  const why = skippedHere > 0 ? `all ${skippedHere} of its images are unreadable` : c.other.length > 0 ? `it holds no PNG, JPEG or WebP images (only ${c.other.slice(0, 3).join(', ')}${c.other.length > 3 ? ', …' : ''})` : 'it is empty';
  return new DatasetError('EMPTY_CLASS', `Class folder ${c.dir} has no usable images: ${why}.`, `Add images to it (${IMAGE_EXTENSIONS.join(', ')}), or remove the folder if the class is not wanted.`, c.dir);
}

interface Meta {
  width: number;
  height: number;
  grey: boolean;
}

/** Runs `fn` over `items`, `n` at a time. The first failure stops the other workers from taking more items. */
async function mapPool<T, R>(items: T[], n: number, fn: (t: T, i: number) => Promise<R>, signal?: AbortSignal): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (next < items.length && !failed) {
      throwIfAborted(signal, 'Opening the image folder');
      const i = next++;
      try {
        out[i] = await fn(items[i], i);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return out;
}

interface Entry {
  file: string;
  label: number;
  meta?: Meta;
}

/** Parses `size=64` or `size=48x64` (height × width). */
function sizeParam(spec: string, p: ParsedSpec): [number, number] | undefined {
  const raw = p.params.size;
  if (raw === undefined || raw === '') return undefined;
  const m = /^(\d+)(?:x(\d+))?$/i.exec(raw);
  const h = m ? Number(m[1]) : NaN;
  const w = m ? Number(m[2] ?? m[1]) : NaN;
  if (!(h >= 4 && h <= 1024 && w >= 4 && w <= 1024)) {
    throw new DatasetError('BAD_SPEC', `Dataset spec "${spec}": size=${raw} is not a side from 4 to 1024 (size=64) or HEIGHTxWIDTH (size=48x64).`, 'Use e.g. size=64.');
  }
  return [h, w];
}

export const folderKind: DatasetKind = {
  kind: 'folder',
  label: 'Image folder',
  description: 'Your own PNG/JPEG images, one subfolder per class (optionally inside train/ and test/).',
  expects: 'one subfolder per class holding PNG/JPEG/WebP images; or train/<class>/… and test/<class>/…',
  options: ['size', 'channels', 'fit', 'test', 'seed', 'skipBad'],
  async open(p, spec, opts) {
    checkParams(spec, p, this.options);
    const root = dirTarget(spec, p, '/path/to/images');
    const skipBad = opts.skipBad ?? boolParam(spec, p, 'skipBad', false);
    const fit = p.params.fit ?? 'fill';
    if (!isFit(fit)) {
      throw new DatasetError('BAD_SPEC', `Dataset spec "${spec}": fit=${fit} is not fill, cover or contain.`, 'fill stretches (the default), cover crops the centre, contain pads.');
    }
    const sizeOpt = sizeParam(spec, p);
    const channelsOpt = channelsParam(spec, p, undefined);
    const testFraction = numParam(spec, p, 'test', 0.2, 0, 0.9, false);
    const seed = numParam(spec, p, 'seed', 0, 0, 2 ** 31 - 1);
    await requireDir(root, 'image folder', 'Choose the folder that holds one subfolder per class.');
    throwIfAborted(opts.signal, 'Opening the image folder');
    opts.onProgress?.({ phase: 'scan', done: 0, total: 1, file: root });

    // Layout: train/ + test/ (the user's own split), or classes directly.
    const top = await listDir(root);
    const dirs: Dirent[] = [];
    for (const e of top) if ((await entryKind(root, e)) === 'dir') dirs.push(e);
    const sub = (n: string) => dirs.find((e) => e.name.toLowerCase() === n);
    const trainDir = sub('train');
    const testDir = sub('test');
    const ownSplit = Boolean(trainDir && testDir);
    if (ownSplit && p.params.test !== undefined) {
      throw new DatasetError('BAD_SPEC', `Dataset spec "${spec}": test=${p.params.test} is not used because ${root} has its own train/ and test/ folders.`, 'Remove the test= option, or the train/ and test/ folders.');
    }

    let classNames: string[];
    let trainEntries: Entry[] = [];
    let testEntries: Entry[] = [];
    let classFolders: ClassFolder[];
    if (ownSplit) {
      const tr = await scanClasses(path.join(root, trainDir!.name));
      const te = await scanClasses(path.join(root, testDir!.name));
      classNames = tr.map((c) => c.name);
      for (const c of te) {
        if (!classNames.includes(c.name)) {
          throw new DatasetError('MISMATCH', `${c.dir} is a test class with no training folder (the train classes are ${classNames.join(', ')}).`, `Add ${path.join(root, trainDir!.name, c.name)} with training images, or remove the test folder.`, c.dir);
        }
      }
      classFolders = [...tr, ...te];
      for (const c of tr) if (c.files.length === 0) throw emptyClassError(c);
      tr.forEach((c, k) => c.files.forEach((file) => trainEntries.push({ file, label: k })));
      te.forEach((c) => c.files.forEach((file) => testEntries.push({ file, label: classNames.indexOf(c.name) })));
    } else {
      classFolders = await scanClasses(root);
      classNames = classFolders.map((c) => c.name);
      for (const c of classFolders) if (c.files.length === 0) throw emptyClassError(c);
    }

    // Check every file's header (or decode it fully) before training starts.
    const sharp = await loadSharp();
    const all: Entry[] = ownSplit ? [...trainEntries, ...testEntries] : classFolders.flatMap((c, k) => c.files.map((file) => ({ file, label: k })));
    const skipped: SkippedFile[] = [];
    const bad = new Set<string>();
    let done = 0;
    await mapPool(
      all,
      DECODE_CONCURRENCY,
      async (e) => {
        try {
          const m = await sharp(e.file).metadata();
          if (!m.width || !m.height) throw new Error('no image size in its header');
          if (opts.validate === 'full') await sharp(e.file).raw().toBuffer();
          // EXIF orientations 5–8 turn the image a quarter: decoding (auto-rotated) swaps width and height.
          const swap = (m.orientation ?? 1) >= 5;
          e.meta = { width: swap ? m.height : m.width, height: swap ? m.width : m.height, grey: m.space === 'b-w' || (m.channels ?? 3) <= 2 };
        } catch (err) {
          if (!skipBad) {
            throw new DatasetError('BAD_IMAGE', `${e.file} cannot be read as an image: ${shortReason(err)}.`, 'Delete or replace that file, or open the folder with skipBad (?skipBad=1) to leave unreadable images out.', e.file);
          }
          skipped.push({ file: e.file, reason: shortReason(err) });
          bad.add(e.file);
        }
        opts.onProgress?.({ phase: 'check', done: ++done, total: all.length, file: e.file });
      },
      opts.signal,
    );
    skipped.sort((a, b) => (a.file < b.file ? -1 : 1));
    const good = all.filter((e) => !bad.has(e.file));
    for (const [k, c] of classFolders.entries()) {
      if (ownSplit && k >= classNames.length) break; // test folders may lack a class
      const left = good.filter((e) => e.file.startsWith(c.dir + path.sep)).length;
      if (left === 0) throw emptyClassError(c, c.files.length);
    }

    if (ownSplit) {
      trainEntries = trainEntries.filter((e) => !bad.has(e.file));
      testEntries = testEntries.filter((e) => !bad.has(e.file));
    } else {
      // Stratified split: each class's files in a seeded order, the first `testFraction` of them for test.
      for (let k = 0; k < classNames.length; k++) {
        const files = good.filter((e) => e.label === k);
        const order = shuffleInPlace(Array.from(files, (_, i) => i), hash32(seed, k));
        const nTest = files.length < 2 ? 0 : Math.min(files.length - 1, Math.round(files.length * testFraction));
        order.forEach((i, j) => (j < nTest ? testEntries : trainEntries).push(files[i]));
      }
      const byName = (a: Entry, b: Entry) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0);
      trainEntries.sort(byName);
      testEntries.sort(byName);
    }

    // Size and channels: from the spec, else from the images (all the same size ≤ 256 px → that size; all grey → 1 channel).
    const metas = good.map((e) => e.meta!);
    const sameSize = metas.every((m) => m.width === metas[0].width && m.height === metas[0].height);
    const size = sizeOpt ?? (sameSize && metas[0].width <= MAX_DEFAULT_SIDE && metas[0].height <= MAX_DEFAULT_SIDE ? [metas[0].height, metas[0].width] : [FALLBACK_SIDE, FALLBACK_SIDE]);
    const channels = channelsOpt ?? (metas.every((m) => m.grey) ? 1 : 3);
    const inputShape: ImageShape = [size[0], size[1], channels];
    const rec = size[0] * size[1] * channels;

    const counter = { samplesRead: 0 };
    const cache = new Map<string, Uint8Array>();
    let cacheBytes = 0;
    const cacheLimit = (opts.cacheMB ?? DEFAULT_CACHE_MB) * 1024 * 1024;

    const decode = (file: string) => decodeImageRaw(file, inputShape, { fit });

    const source = (entries: Entry[]): SplitSource => ({
      count: entries.length,
      labels: Int32Array.from(entries, (e) => e.label),
      async read(indices, out) {
        const ok = new Uint8Array(indices.length);
        let anyBad = false;
        await mapPool(Array.from(indices), DECODE_CONCURRENCY, async (idx, k) => {
          const file = entries[idx].file;
          let px = cache.get(file);
          if (!px && !bad.has(file)) {
            try {
              px = await decode(file);
              counter.samplesRead++;
              if (cacheBytes + px.length <= cacheLimit) {
                cache.set(file, px);
                cacheBytes += px.length;
              }
            } catch (err) {
              const reason = shortReason(err);
              if (!skipBad) {
                throw new DatasetError('BAD_IMAGE', `${file} cannot be decoded: ${reason}.`, 'Delete or replace that file, or open the folder with skipBad (?skipBad=1) to leave unreadable images out.', file);
              }
              bad.add(file);
              skipped.push({ file, reason });
            }
          }
          if (px) {
            out.set(px, k * rec);
            ok[k] = 1;
          } else anyBad = true;
        });
        return anyBad ? ok : undefined;
      },
    });

    const params = { ...p.params };
    delete params.skipBad; // does not change the data; kept out of the canonical spec
    return new RecordDataset({
      spec: formatSpec({ kind: p.kind, target: root, params }),
      name: path.basename(root),
      inputShape,
      classNames,
      train: source(trainEntries),
      test: source(testEntries),
      skipped,
      counter,
      resources: {
        residentBytes: () => cacheBytes,
        close: async () => {
          cache.clear();
          cacheBytes = 0;
        },
      },
    });
  },
};
