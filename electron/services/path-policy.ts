/**
 * The one rule for file paths that arrive from the renderer.
 *
 * The renderer is not trusted (a compromised page, a malicious document's
 * text rendered somewhere): it must not make the host read or write files the
 * user did not point at. Every request that carries a path declares it in
 * {@link REQUEST_PATHS} (keyed by every request of the contract, so a new
 * request that forgets to say what its paths are is a compile error), and
 * `dispatch()` checks each one with {@link PathPolicy.check} before the
 * handler runs.
 *
 * Two modes:
 * - `'chosen'` (Electron). Reading is allowed for
 *     - a file or folder the user chose through a native dialog this session
 *       (open/save document, `chooseFolder`, a file the OS opened with the app),
 *       and anything inside a chosen folder;
 *     - anything inside the folder of a document the user opened or saved,
 *       except hidden entries (a path segment starting with '.'), so that a
 *       document kept in the home folder does not open `~/.ssh` to the page;
 *     - a documented safe set: `/usr/share/datasets` (Debian's datasets), the
 *       app's data folder and the trained-model store.
 *   Writing is allowed only inside a folder chosen through a dialog
 *   (`chooseFolder`), and in the folders the app names after a document the
 *   user opened or saved (`NAME.weights/`, `NAME.onnx/`, … next to
 *   `NAME.cnnd`: where training saves weights and where the export dialog
 *   proposes to export). `write-beside` (training's `saveBesidePath`) must
 *   be exactly such a document.
 *   Anything else is refused with PATH_NOT_ALLOWED and a message telling the
 *   user to pick the file or folder with the app's Open… / Choose… button.
 * - `'any'` (web host): any absolute path. The web host is loopback-only and
 *   needs its per-run token, and the browser has no native dialog, so the
 *   renderer's typed-path fields stay usable.
 *
 * Graph documents themselves (openProject, saveProject, …) keep their stricter
 * rule in ProjectFiles (exactly a chosen file), which records its choices here.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { err, ok, type EngineRequestName, type ModelRef, type RequestArg, type Result } from '../../engine/api';
import { parseSpec } from '../../engine/data/spec';

/** What the host would do with a path: read it, write into it, or write a folder beside it (a document path). */
export type PathAccess = 'read' | 'write' | 'write-beside';

/** One path found in a request's argument. */
export interface PathUse {
  /** Dotted field of the argument, e.g. `model.weightsPath`, for the error's `field`. */
  field: string;
  path: string;
  access: PathAccess;
  /** What the path is, in the user's words, for the message ("the image", "the dataset folder"). */
  what: string;
}

/** Extracts the paths of a request's (already schema-checked) argument. */
export type PathExtractor<K extends EngineRequestName> = (arg: RequestArg<K>) => PathUse[];

/**
 * `'none'`: the request carries no path. `'project-files'`: its paths are
 * graph documents checked by ProjectFiles (exact chosen file, or any absolute
 * path in the web host). Otherwise a function listing every path.
 */
export type RequestPaths<K extends EngineRequestName> = 'none' | 'project-files' | PathExtractor<K>;

const NO_PATHS = 'none' as const;

function modelPaths(m: ModelRef | undefined, field: string): PathUse[] {
  if (m && 'doc' in m && m.weightsPath !== undefined) return [{ field: `${field}.weightsPath`, path: m.weightsPath, access: 'read', what: 'the trained weights' }];
  return [];
}

function imagePaths(img: { path: string } | { base64: string } | undefined, field: string): PathUse[] {
  if (img && 'path' in img) return [{ field: `${field}.path`, path: img.path, access: 'read', what: 'the image' }];
  return [];
}

/**
 * The folder a dataset spec reads, or none (`builtin:…`, a spec with no
 * folder that falls back to the dataset's known install folder, or a
 * malformed spec, which the data layer reports as BAD_SPEC).
 */
export function datasetSpecPath(spec: string): string | null {
  let p;
  try {
    p = parseSpec(spec);
  } catch {
    return null;
  }
  if (p.kind === 'builtin' || !p.target) return null;
  return p.target;
}

function specPaths(spec: string | undefined, field: string): PathUse[] {
  if (spec === undefined) return [];
  const dir = datasetSpecPath(spec);
  return dir === null ? [] : [{ field, path: dir, access: 'read', what: 'the dataset folder' }];
}

/**
 * Every request of the contract → the paths in its argument. A request added
 * to the contract without an entry here fails to compile, so no request can
 * skip the path rule by being forgotten.
 */
export const REQUEST_PATHS: { [K in EngineRequestName]: RequestPaths<K> } = {
  hostInfo: NO_PATHS,
  takeOpenedFiles: NO_PATHS,
  backendInfo: NO_PATHS,
  listTemplates: NO_PATHS,
  loadTemplate: NO_PATHS,
  openProject: 'project-files',
  saveProject: 'project-files',
  saveProjectAs: 'project-files',
  recentFiles: NO_PATHS,
  clearRecentFiles: NO_PATHS,
  listProjectFiles: 'project-files',
  readAutosave: NO_PATHS,
  // The autosave is written to the app's data folder; `path` is only remembered (re-checked when opened).
  writeAutosave: NO_PATHS,
  clearAutosave: NO_PATHS,
  exportDiagram: 'project-files',
  chooseFolder: NO_PATHS,
  listDatasets: NO_PATHS,
  previewDataset: (a) => specPaths(a.spec, 'spec'),
  startTraining: (a) => [
    ...specPaths(a.dataset.spec, 'dataset.spec'),
    ...modelPaths(a.initialModel, 'initialModel'),
    ...(a.saveBesidePath !== undefined ? [{ field: 'saveBesidePath', path: a.saveBesidePath, access: 'write-beside' as const, what: 'the document to save the weights beside' }] : []),
  ],
  evaluate: (a) => [...modelPaths(a.model, 'model'), ...specPaths(a.dataset.spec, 'dataset.spec')],
  predict: (a) => [...modelPaths(a.model, 'model'), ...imagePaths(a.image, 'image')],
  inspect: (a) => [...modelPaths(a.model, 'model'), ...imagePaths(a.image, 'image'), ...specPaths(a.sample?.spec, 'sample.spec')],
  exportModel: (a) => [
    ...modelPaths(a.model, 'model'),
    ...(a.dir !== undefined ? [{ field: 'dir', path: a.dir, access: 'write' as const, what: 'the export folder' }] : []),
  ],
  importModel: (a) => [{ field: 'path', path: a.path, access: 'read', what: 'the model.json' }],
  cancelJob: NO_PATHS,
};

/** The paths a request's argument carries (empty for 'none' and 'project-files'). */
export function pathsOf<K extends EngineRequestName>(method: K, arg: RequestArg<K>): PathUse[] {
  const decl = REQUEST_PATHS[method] as RequestPaths<K>;
  return typeof decl === 'function' ? decl(arg) : [];
}

export interface PathPolicyOptions {
  /** `'chosen'` (Electron) or `'any'` (web host). */
  mode: 'chosen' | 'any';
  /** Folders always readable in `'chosen'` mode (the app's data folder, the model store, /usr/share/datasets). */
  safeReadRoots?: readonly string[];
}

/** The folders always readable in Electron: Debian's datasets, the app's data folder and the trained-model store. */
export function defaultSafeReadRoots(dataDir: string): string[] {
  // Same folder as engine/train/model-store.ts modelStoreRoot() (not imported: it pulls in the training code).
  const modelStore = process.env.CNN_MODEL_STORE || path.join(os.tmpdir(), 'cnn-designer-models');
  return ['/usr/share/datasets', dataDir, modelStore];
}

const isInside = (p: string, root: string) => p === root || p.startsWith(root.endsWith(path.sep) ? root : root + path.sep);

/**
 * What the user chose this session, and the check every renderer path goes
 * through. One instance per host (shared by ProjectFiles and dispatch).
 */
export class PathPolicy {
  readonly mode: 'chosen' | 'any';
  private readonly files = new Set<string>();
  private readonly docDirs = new Set<string>();
  private readonly folders = new Set<string>();
  private readonly safe: string[];

  constructor(o: PathPolicyOptions) {
    this.mode = o.mode;
    this.safe = (o.safeReadRoots ?? []).map((r) => path.resolve(r));
  }

  /** A document (or other file) the user chose: readable itself; its folder readable (hidden entries excepted). */
  allowDocument(file: string): void {
    const abs = path.resolve(file);
    this.files.add(abs);
    const dir = path.dirname(abs);
    // A document at the top of a drive does not open the whole drive.
    if (path.dirname(dir) !== dir) this.docDirs.add(dir);
  }

  /** A folder the user chose through a dialog: readable and writable, with everything inside. */
  allowFolder(dir: string): void {
    this.folders.add(path.resolve(dir));
  }

  /** True when `file` is exactly a file the user chose (the rule for graph documents). */
  isChosenFile(file: string): boolean {
    return this.files.has(path.resolve(file));
  }

  /**
   * Check one path from the renderer. Returns the absolute, normalised path,
   * or INVALID_ARGUMENT (not absolute) / PATH_NOT_ALLOWED (not chosen) naming
   * the field and saying how to choose it.
   */
  check(use: PathUse): Result<string> {
    const p = use.path;
    if (!path.isAbsolute(p)) {
      return err('INVALID_ARGUMENT', `${cap(use.what)} must be given as a full (absolute) path, e.g. /home/me/data; '${p.slice(0, 200)}' is relative.`, use.field);
    }
    // resolve() folds '..' and '.', so '/chosen/../etc' is judged as '/etc'.
    const abs = path.resolve(p);
    if (this.mode === 'any' || this.allows(abs, use.access)) return ok(abs);
    const how =
      use.access === 'read'
        ? `Pick it with Open… (or Choose folder…) in the app; the app reads only files and folders you chose, the folders of your open documents, and ${this.safe[0] ?? 'its own data'}.`
        : use.access === 'write'
          ? 'Pick the folder with Choose folder… in the app; the app writes only into folders you chose.'
          : 'Save the document with File > Save As first; the weights are saved beside it.';
    return err('PATH_NOT_ALLOWED', `${cap(use.what)} (${abs.slice(0, 300)}) was not chosen by you in this session. ${how}`, use.field);
  }

  /** Check every path of a request; the first refusal, or ok. */
  checkRequest<K extends EngineRequestName>(method: K, arg: RequestArg<K>): Result<void> {
    for (const use of pathsOf(method, arg)) {
      const r = this.check(use);
      if (!r.ok) return r;
    }
    return ok(undefined);
  }

  /**
   * `NAME.SUFFIX` (or inside it) beside a chosen document `NAME.cnnd`: the
   * folders the app names after a document (`net.weights`, `net.onnx`,
   * `net.tfjs`…, the export dialog's default). Nothing else in the
   * document's folder is writable.
   */
  private besideDocument(abs: string): boolean {
    for (const f of this.files) {
      if (!DOC_EXT.test(f)) continue;
      const stem = f.replace(DOC_EXT, '') + '.';
      if (!abs.startsWith(stem)) continue;
      const suffix = abs.slice(stem.length).split(path.sep)[0];
      if (/^[\w-]+$/.test(suffix) && !DOC_EXT.test('.' + suffix)) return true;
    }
    return false;
  }

  private allows(abs: string, access: PathAccess): boolean {
    if ([...this.folders].some((f) => isInside(abs, f))) return true;
    if (access === 'write') return this.besideDocument(abs);
    if (access === 'write-beside') return this.files.has(abs);
    if (this.files.has(abs)) return true;
    if (this.safe.some((r) => isInside(abs, r))) return true;
    for (const d of this.docDirs) {
      if (!isInside(abs, d)) continue;
      const rest = path.relative(d, abs);
      if (!rest.split(path.sep).some((seg) => seg.startsWith('.'))) return true;
    }
    return false;
  }
}

const DOC_EXT = /\.(cnnd|json)$/i;

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
