/**
 * An in-memory implementation of the file and host parts of the contract, for
 * unit tests of the renderer's file actions (and a renderer opened with
 * `?engine=memory` for development without a host). Training, datasets and
 * inspection answer NOT_SUPPORTED: they need the real engine.
 */
import type { AutosaveEntry, DirEntry, EngineApi, RecentFile, TemplateSummary } from '../../engine/api/contract';
import { err, ok, type Result } from '../../engine/api/result';
import type { GraphDoc } from '../../engine/graph/doc';

export interface MemoryEngineOptions {
  /** Templates offered by listTemplates/loadTemplate. */
  templates?: { summary: TemplateSummary; doc: GraphDoc }[];
  /** Starting files, by absolute path. */
  files?: Record<string, string>;
}

const EXT = '.cnn.json';
const DIR = '/projects';

export interface MemoryEngine extends EngineApi {
  /** The files written so far, by path (JSON text). */
  files: Map<string, string>;
  autosave: AutosaveEntry | null;
}

export function createMemoryEngine(opts: MemoryEngineOptions = {}): MemoryEngine {
  const files = new Map<string, string>(Object.entries(opts.files ?? {}));
  const recent: RecentFile[] = [];
  const templates = opts.templates ?? [];
  const notHere = async () => err<never>('NOT_SUPPORTED', 'This needs the engine host: start the app with `npm start`.');
  const touch = (path: string) => {
    const i = recent.findIndex((r) => r.path === path);
    if (i >= 0) recent.splice(i, 1);
    recent.unshift({ path, name: path.split('/').pop() ?? path, openedAt: new Date().toISOString(), exists: true });
  };
  const withExt = (p: string) => (p.endsWith('.json') ? p : p + EXT);
  const write = (path: string, doc: GraphDoc) => {
    files.set(path, JSON.stringify(doc, null, 2));
    touch(path);
  };
  const engine: MemoryEngine = {
    files,
    autosave: null,
    hostInfo: async () => ok({ transport: 'web', nativeDialogs: false, projectsDir: DIR, documentExtension: EXT, appVersion: 'memory', platform: 'browser' }),
    takeOpenedFiles: async () => ok([]),
    backendInfo: async () => ok({ backend: null, detail: 'no engine (in-memory host)', available: [], notes: [] }),
    listTemplates: async () => ok(templates.map((t) => t.summary)),
    loadTemplate: async (id) => {
      const t = templates.find((x) => x.summary.id === id);
      return t ? ok(structuredClone(t.doc)) : err('NOT_FOUND', `No template '${id}'.`);
    },
    openProject: async (req) => {
      if (!req?.path) return err('NOT_SUPPORTED', 'Give a path: there is no native dialog here.', 'path');
      const text = files.get(req.path);
      if (text === undefined) return err('NOT_FOUND', `File not found: ${req.path}`, 'path');
      try {
        touch(req.path);
        return ok({ path: req.path, doc: JSON.parse(text) as GraphDoc });
      } catch (e) {
        return err('INVALID_DOCUMENT', `${req.path} is not JSON: ${(e as Error).message}`);
      }
    },
    saveProject: async ({ path, doc }) => {
      write(path, doc);
      return ok({ path });
    },
    saveProjectAs: async ({ doc, path, overwrite }) => {
      if (!path) return err('NOT_SUPPORTED', 'Give a path: there is no native dialog here.', 'path');
      const p = withExt(path);
      if (files.has(p) && !overwrite) return err('ALREADY_EXISTS', `${p} already exists.`, 'path');
      write(p, doc);
      return ok({ path: p });
    },
    recentFiles: async () => ok(recent.map((r) => ({ ...r, exists: files.has(r.path) }))),
    clearRecentFiles: async () => {
      recent.length = 0;
      return ok(undefined);
    },
    listProjectFiles: async (req) => {
      const dir = (req?.dir ?? DIR).replace(/\/$/, '') || '/';
      const entries = new Map<string, DirEntry>();
      for (const [path, text] of files) {
        if (!path.startsWith(dir + '/')) continue;
        const rest = path.slice(dir.length + 1);
        const slash = rest.indexOf('/');
        if (slash >= 0) {
          const name = rest.slice(0, slash);
          entries.set(name, { name, path: `${dir}/${name}`, kind: 'dir' });
        } else entries.set(rest, { name: rest, path, kind: 'file', size: text.length });
      }
      const list = [...entries.values()].sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'dir' ? -1 : 1));
      const parent = dir === '/' ? null : dir.slice(0, dir.lastIndexOf('/')) || '/';
      return ok({ dir, parent, entries: list });
    },
    readAutosave: async () => ok(engine.autosave),
    writeAutosave: async ({ doc, path }) => {
      const savedAt = new Date().toISOString();
      engine.autosave = { doc, path, savedAt };
      return ok({ savedAt });
    },
    clearAutosave: async () => {
      engine.autosave = null;
      return ok(undefined);
    },
    exportDiagram: async (req) => {
      if (!req.path) return err('NOT_SUPPORTED', 'Give a path: there is no native dialog here.', 'path');
      if (files.has(req.path) && !req.overwrite) return err('ALREADY_EXISTS', `${req.path} already exists.`, 'path');
      files.set(req.path, req.format === 'svg' ? req.svg : req.base64);
      return ok({ path: req.path });
    },
    chooseFolder: notHere,
    listDatasets: notHere,
    previewDataset: notHere,
    startTraining: notHere,
    evaluate: notHere,
    predict: notHere,
    inspect: notHere,
    exportModel: notHere,
    importModel: notHere,
    cancelJob: async () => ok(undefined) as Result<void>,
    onJobProgress: () => () => undefined,
    onJobEnd: () => () => undefined,
    onMenuCommand: () => () => undefined,
    onOpenProject: () => () => undefined,
  };
  return engine;
}
