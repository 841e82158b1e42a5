/**
 * Graph documents on disk for the renderer: open, save, save as, recent
 * files, autosave for crash recovery, diagram export, and a folder listing
 * for the web host's own file picker.
 *
 * Two ways to choose a file:
 * - Electron (`dialogs` given, policy 'chosen'): native dialogs, and the
 *   renderer may name a path only if the user chose it before (a dialog, the
 *   recent list, a file the OS opened with the app). A compromised page thus
 *   cannot read or overwrite arbitrary files (Electron security checklist).
 * - Web host (`dialogs` null, policy 'any'): the renderer's picker passes
 *   absolute paths; the host is reachable only with its per-run token.
 *   Either way only graph documents (.cnnd/.json) are opened, listed or
 *   overwritten, and an existing file is replaced only with `overwrite: true`.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  DOCUMENT_EXTENSION,
  err,
  fileNameFor,
  isOpenableName,
  ok,
  withDocumentExtension,
  type AutosaveEntry,
  type DirEntry,
  type DirListing,
  type ExportDiagramRequest,
  type ProjectFile,
  type RecentFile,
  type Result,
  type SavedFile,
  type ChooseFolderRequest,
  type ChosenFolder,
  type FolderPurpose,
} from '../../engine/api';
import { PathPolicy } from './path-policy';
import type { GraphDoc } from '../../engine/graph/doc';
import { loadGraphFile, serializeGraphDoc, writeFileAtomic } from '../../engine/graph/io';
import { parseGraphDoc } from '../../engine/graph/parse';

/** Native dialogs (Electron). Each resolves to an absolute path, or null when cancelled. */
export interface Dialogs {
  openDocument(): Promise<string | null>;
  saveDocument(suggestedName: string): Promise<string | null>;
  saveDiagram(format: 'svg' | 'png', suggestedName: string): Promise<string | null>;
  /** A folder picker (openDirectory). Optional so older dialog sets still type-check; absent → NOT_SUPPORTED. */
  chooseFolder?(purpose: FolderPurpose, defaultPath?: string): Promise<string | null>;
}

export interface ProjectFilesOptions {
  /** Where recent.json and autosave.json live (Electron's userData, or the web host's data dir). */
  dataDir: string;
  /** Where the web picker starts; created on first listing. Null: the user's home. */
  projectsDir: string | null;
  /** Native dialogs, or null (web host). */
  dialogs: Dialogs | null;
  /** 'chosen': only paths the user chose via the host; 'any': any absolute path. */
  pathPolicy: 'chosen' | 'any';
  /**
   * The host's path rule, shared with dispatch() so that what the user
   * chooses here (documents, folders) is what other requests may name.
   * Created from `pathPolicy` when omitted.
   */
  paths?: PathPolicy;
  /** Most recent files kept (default 10). */
  maxRecent?: number;
}

const MAX_LISTING = 2000;

function ioMessage(e: unknown, what: string): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOENT':
      return `${what}: the folder does not exist`;
    case 'EACCES':
    case 'EPERM':
      return `${what}: permission denied; choose a folder you can write to`;
    case 'ENOSPC':
      return `${what}: the disk is full`;
    case 'EROFS':
      return `${what}: the disk is read-only`;
    case 'EISDIR':
      return `${what}: that is a folder`;
    default:
      return `${what}: ${(e as Error)?.message ?? String(e)}`;
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}

export class ProjectFiles {
  /** The host's path rule; records every document and folder the user chooses. */
  readonly paths: PathPolicy;
  private readonly maxRecent: number;
  /** Serialises writes of recent.json so concurrent saves do not lose entries. */
  private recentQueue: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: ProjectFilesOptions) {
    this.maxRecent = opts.maxRecent ?? 10;
    this.paths = opts.paths ?? new PathPolicy({ mode: opts.pathPolicy });
  }

  private get recentFile() {
    return path.join(this.opts.dataDir, 'recent.json');
  }
  private get autosaveFile() {
    return path.join(this.opts.dataDir, 'autosave.json');
  }

  /** Record a path the user chose outside the contract (file association, command line). */
  allow(p: string): void {
    this.paths.allowDocument(p);
  }

  /**
   * Check a path the renderer named. Returns the normalised absolute path or
   * an error saying why it is refused.
   */
  private async checkPath(p: string, purpose: 'open' | 'write'): Promise<Result<string>> {
    if (!path.isAbsolute(p)) return err('INVALID_ARGUMENT', `'${p}' is not an absolute path; give the full path, e.g. ${path.join(this.opts.projectsDir ?? '/home/me', 'my-net' + DOCUMENT_EXTENSION)}`, 'path');
    const abs = path.resolve(p);
    if (this.opts.pathPolicy === 'chosen') {
      const recent = await this.readRecentRaw();
      if (!this.paths.isChosenFile(abs) && !recent.some((r) => r.path === abs)) {
        return err('FORBIDDEN', `The app may only ${purpose === 'open' ? 'open' : 'write'} files you chose; use File > ${purpose === 'open' ? 'Open' : 'Save As'}.`, 'path');
      }
    }
    return ok(abs);
  }

  // -- open / save ---------------------------------------------------------

  /** Open through the dialog (no path) or a given path. */
  async open(req?: { path?: string }): Promise<Result<ProjectFile | null>> {
    let file: string;
    if (req?.path === undefined) {
      if (!this.opts.dialogs) return err('NOT_SUPPORTED', 'This host has no file dialog; pass the path of the file to open (the app shows its own file picker).');
      const picked = await this.opts.dialogs.openDocument();
      if (picked === null) return ok(null);
      file = path.resolve(picked);
      this.allow(file);
    } else {
      const c = await this.checkPath(req.path, 'open');
      if (!c.ok) return c;
      file = c.value;
      if (!isOpenableName(file)) return err('INVALID_ARGUMENT', `'${path.basename(file)}' is not a graph document; open a ${DOCUMENT_EXTENSION} or .json file.`, 'path');
    }
    const r = await this.openPath(file);
    return r;
  }

  /** Read and validate a document at an absolute path the user chose; adds it to recent files. */
  async openPath(file: string): Promise<Result<ProjectFile>> {
    const loaded = await loadGraphFile(file);
    if (!loaded.ok) {
      const missing = !(await exists(file));
      return err(missing ? 'NOT_FOUND' : 'INVALID_DOCUMENT', loaded.message);
    }
    this.allow(file);
    await this.touchRecent(file);
    return ok({ path: file, doc: loaded.value });
  }

  async save(req: { path: string; doc: GraphDoc }): Promise<Result<SavedFile>> {
    const c = await this.checkPath(req.path, 'write');
    if (!c.ok) return c;
    if (!isOpenableName(c.value)) return err('INVALID_ARGUMENT', `'${path.basename(c.value)}' does not end in ${DOCUMENT_EXTENSION}; use Save As to choose a name.`, 'path');
    return this.writeDoc(c.value, req.doc);
  }

  async saveAs(req: { doc: GraphDoc; path?: string; suggestedName?: string; overwrite?: boolean }): Promise<Result<SavedFile | null>> {
    let file: string;
    if (req.path === undefined) {
      if (!this.opts.dialogs) return err('NOT_SUPPORTED', 'This host has no file dialog; pass the path to save to (the app shows its own file picker).');
      const picked = await this.opts.dialogs.saveDocument(withDocumentExtension(fileNameFor(req.suggestedName ?? req.doc.name)));
      if (picked === null) return ok(null);
      // The native dialog already asked before replacing a file.
      file = path.resolve(withDocumentExtension(picked));
      this.allow(file);
    } else {
      if (!path.isAbsolute(req.path)) return err('INVALID_ARGUMENT', `'${req.path}' is not an absolute path; give the full path of the file to write.`, 'path');
      if (this.opts.pathPolicy === 'chosen') return err('FORBIDDEN', 'Choose where to save with File > Save As.', 'path');
      file = path.resolve(withDocumentExtension(req.path));
      if (!req.overwrite && (await exists(file))) return err('ALREADY_EXISTS', `${file} already exists. Replace it, or choose another name.`, 'path');
    }
    return this.writeDoc(file, req.doc);
  }

  private async writeDoc(file: string, doc: GraphDoc): Promise<Result<SavedFile>> {
    // Never write a document that could not be opened again.
    const parsed = parseGraphDoc(doc);
    if (!parsed.ok) return err('INVALID_DOCUMENT', `The document cannot be saved: ${parsed.message}`);
    try {
      // The projects folder is ours to create; any other folder must exist.
      if (this.opts.projectsDir && path.dirname(file) === path.resolve(this.opts.projectsDir)) await fs.mkdir(this.opts.projectsDir, { recursive: true });
      await writeFileAtomic(file, serializeGraphDoc(parsed.value));
    } catch (e) {
      // writeFileAtomic's messages already say which file and why, in plain words.
      return err('IO_ERROR', e instanceof Error ? e.message : String(e));
    }
    this.allow(file);
    await this.touchRecent(file);
    return ok({ path: file });
  }

  /** The native folder picker; the chosen folder becomes readable and writable for later requests. */
  async chooseFolder(req: ChooseFolderRequest): Promise<Result<ChosenFolder | null>> {
    if (!this.opts.dialogs?.chooseFolder) {
      return err('NOT_SUPPORTED', 'This host has no folder dialog; type the full path of the folder instead.');
    }
    const picked = await this.opts.dialogs.chooseFolder(req.purpose, req.defaultPath);
    if (picked === null) return ok(null);
    const dir = path.resolve(picked);
    this.paths.allowFolder(dir);
    return ok({ path: dir });
  }

  // -- recent files --------------------------------------------------------

  private async readRecentRaw(): Promise<{ path: string; openedAt: string }[]> {
    try {
      const data = JSON.parse(await fs.readFile(this.recentFile, 'utf8')) as unknown;
      if (!Array.isArray(data)) return [];
      return data
        .filter((r): r is { path: string; openedAt: string } => typeof r?.path === 'string' && typeof r?.openedAt === 'string' && path.isAbsolute(r.path))
        .slice(0, this.maxRecent);
    } catch {
      return []; // missing or corrupt: start a new list rather than fail the app
    }
  }

  private touchRecent(file: string): Promise<void> {
    const run = async () => {
      const list = (await this.readRecentRaw()).filter((r) => r.path !== file);
      list.unshift({ path: file, openedAt: new Date().toISOString() });
      await fs.mkdir(this.opts.dataDir, { recursive: true });
      await writeFileAtomic(this.recentFile, JSON.stringify(list.slice(0, this.maxRecent), null, 2));
    };
    const p = this.recentQueue.then(run, run).catch((e) => {
      // The recent list is a convenience: failing to update it must not fail a save.
      console.error('could not update the recent files list:', e);
    });
    this.recentQueue = p;
    return p;
  }

  async recent(): Promise<Result<RecentFile[]>> {
    const list = await this.readRecentRaw();
    const out: RecentFile[] = [];
    for (const r of list) out.push({ path: r.path, name: path.basename(r.path), openedAt: r.openedAt, exists: await exists(r.path) });
    return ok(out);
  }

  async clearRecent(): Promise<Result<void>> {
    await this.recentQueue;
    try {
      await fs.rm(this.recentFile, { force: true });
    } catch (e) {
      return err('IO_ERROR', ioMessage(e, 'Could not clear the recent files'));
    }
    return ok(undefined);
  }

  // -- folder listing (web picker) -----------------------------------------

  async list(req?: { dir?: string }): Promise<Result<DirListing>> {
    if (this.opts.pathPolicy === 'chosen') return err('NOT_SUPPORTED', 'Use the Open and Save dialogs of this app.');
    let dir: string;
    if (req?.dir === undefined) {
      dir = this.opts.projectsDir ?? (process.env.HOME || process.env.USERPROFILE || '/');
    } else {
      if (!path.isAbsolute(req.dir)) return err('INVALID_ARGUMENT', `'${req.dir}' is not an absolute path.`, 'dir');
      dir = path.resolve(req.dir);
    }
    // The projects folder is ours: create it on first use, whether the picker
    // asked for the default or named it (the renderer names it from hostInfo).
    // Any other missing folder is the user's mistake and reported below.
    if (this.opts.projectsDir && dir === path.resolve(this.opts.projectsDir)) {
      try {
        await fs.mkdir(dir, { recursive: true });
      } catch (e) {
        return err('IO_ERROR', ioMessage(e, `Could not create the projects folder ${dir}`), 'dir');
      }
    }
    let names: import('node:fs').Dirent[];
    try {
      names = await fs.readdir(dir, { withFileTypes: true });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return err('NOT_FOUND', `${dir} does not exist.`, 'dir');
      if (code === 'ENOTDIR') return err('INVALID_ARGUMENT', `${dir} is a file, not a folder.`, 'dir');
      return err('IO_ERROR', ioMessage(e, `Could not list ${dir}`));
    }
    const entries: DirEntry[] = [];
    for (const d of names) {
      if (d.name.startsWith('.')) continue; // hidden files, and our own atomic-write temporaries
      const full = path.join(dir, d.name);
      let isDir = d.isDirectory();
      if (d.isSymbolicLink()) isDir = await fs.stat(full).then((s) => s.isDirectory()).catch(() => false);
      if (!isDir && !isOpenableName(d.name)) continue;
      const st = await fs.stat(full).catch(() => null);
      if (!st) continue;
      entries.push({ name: d.name, path: full, kind: isDir ? 'dir' : 'file', ...(isDir ? {} : { size: st.size }), modifiedAt: st.mtime.toISOString() });
      if (entries.length >= MAX_LISTING) break;
    }
    entries.sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'dir' ? -1 : 1));
    const parent = path.dirname(dir);
    return ok({ dir, parent: parent === dir ? null : parent, entries });
  }

  // -- autosave ------------------------------------------------------------

  async readAutosave(): Promise<Result<AutosaveEntry | null>> {
    let text: string;
    try {
      text = await fs.readFile(this.autosaveFile, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return ok(null);
      return err('IO_ERROR', ioMessage(e, 'Could not read the autosaved document'));
    }
    let data: { doc?: unknown; path?: unknown; savedAt?: unknown };
    try {
      data = JSON.parse(text);
    } catch {
      return err('INVALID_DOCUMENT', `The autosaved document (${this.autosaveFile}) is damaged and cannot be recovered.`);
    }
    const parsed = parseGraphDoc(data?.doc);
    if (!parsed.ok) return err('INVALID_DOCUMENT', `The autosaved document cannot be recovered: ${parsed.message}`);
    return ok({
      doc: parsed.value,
      path: typeof data.path === 'string' ? data.path : null,
      savedAt: typeof data.savedAt === 'string' ? data.savedAt : new Date(0).toISOString(),
    });
  }

  async writeAutosave(req: { doc: GraphDoc; path: string | null }): Promise<Result<{ savedAt: string }>> {
    const savedAt = new Date().toISOString();
    try {
      await fs.mkdir(this.opts.dataDir, { recursive: true });
      // The autosave keeps even a document with problems: recovering work matters more than validity.
      await writeFileAtomic(this.autosaveFile, JSON.stringify({ doc: req.doc, path: req.path, savedAt }));
    } catch (e) {
      return err('IO_ERROR', ioMessage(e, 'Could not autosave'));
    }
    return ok({ savedAt });
  }

  async clearAutosave(): Promise<Result<void>> {
    try {
      await fs.rm(this.autosaveFile, { force: true });
    } catch (e) {
      return err('IO_ERROR', ioMessage(e, 'Could not remove the autosaved document'));
    }
    return ok(undefined);
  }

  // -- diagram export ------------------------------------------------------

  async exportDiagram(req: ExportDiagramRequest): Promise<Result<SavedFile | null>> {
    const ext = `.${req.format}`;
    const name = fileNameFor(req.suggestedName ?? 'diagram');
    let file: string;
    if (req.path === undefined) {
      if (!this.opts.dialogs) return err('NOT_SUPPORTED', 'This host has no file dialog; pass the path to write the diagram to.');
      const picked = await this.opts.dialogs.saveDiagram(req.format, name + ext);
      if (picked === null) return ok(null);
      file = path.resolve(picked.toLowerCase().endsWith(ext) ? picked : picked + ext);
    } else {
      if (!path.isAbsolute(req.path)) return err('INVALID_ARGUMENT', `'${req.path}' is not an absolute path.`, 'path');
      if (this.opts.pathPolicy === 'chosen') return err('FORBIDDEN', 'Choose where to export with the dialog.', 'path');
      file = path.resolve(req.path.toLowerCase().endsWith(ext) ? req.path : req.path + ext);
      if (!req.overwrite && (await exists(file))) return err('ALREADY_EXISTS', `${file} already exists. Replace it, or choose another name.`, 'path');
    }
    let bytes: Uint8Array | string;
    if (req.format === 'svg') {
      if (!/^\s*(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*(<!DOCTYPE[^>]*>\s*)?<svg[\s>]/i.test(req.svg)) return err('INVALID_ARGUMENT', 'The diagram is not an SVG document (it must start with <svg>).', 'svg');
      bytes = req.svg;
    } else {
      bytes = Buffer.from(req.base64, 'base64');
      const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
      if (bytes.length < 8 || sig.some((b, i) => (bytes as Uint8Array)[i] !== b)) return err('INVALID_ARGUMENT', 'The diagram is not a PNG image (bad signature).', 'base64');
    }
    try {
      await writeFileAtomic(file, bytes);
    } catch (e) {
      return err('IO_ERROR', e instanceof Error ? e.message : String(e));
    }
    return ok({ path: file });
  }
}
