/**
 * The one registration table: every request of the contract → an engine
 * service. Both transports (Electron IPC in main.ts, the WebSocket in
 * web-host.ts) call {@link dispatch}, which
 *   1. refuses a method name not in the contract,
 *   2. parses the argument with its zod schema (the renderer is untrusted),
 *      and checks every path in it with the host's path rule
 *      (services/path-policy.ts: chosen paths only in Electron),
 *   3. runs the handler and returns its Result,
 *   4. turns anything thrown into an INTERNAL error with a plain message:
 *      the stack goes to the host's log, never to the renderer.
 *
 * To implement a placeholder: replace `notImplemented('…')` with a function
 * of the services, e.g. `startTraining: (req, s) => s.jobs.start('train', req)`
 * (and add the job kind in services/job-kinds.ts).
 */
import {
  err,
  isRequestName,
  ok,
  parseRequestArg,
  type EngineRequestName,
  type RequestArg,
  type ResponseValue,
  type Result,
} from '../engine/api';
import type { EngineServices } from './services/index';
import { PathPolicy } from './services/path-policy';
import { startEvaluationJob, startTrainingJob } from '../engine/train/service';

/** A handler gets its validated argument and the host's services. */
export type Handler<K extends EngineRequestName> = (
  arg: RequestArg<K>,
  services: EngineServices,
) => Promise<Result<ResponseValue<K>>> | Result<ResponseValue<K>>;

/** Exactly one handler per request of the contract (a missing one is a type error). */
export type HandlerTable = { [K in EngineRequestName]: Handler<K> };

/** A placeholder for a method whose engine service is not there yet. Never throws. */
export function notImplemented(what: string): Handler<EngineRequestName> {
  return () => err('NOT_IMPLEMENTED', `${what} is not available in this version yet.`);
}

export const HANDLERS: HandlerTable = {
  hostInfo: (_a, s) => ok(s.host),
  takeOpenedFiles: (_a, s) => s.opened.take(),
  backendInfo: (_a, s) => s.backend.get(),

  listTemplates: (_a, s) => s.templates.list(),
  loadTemplate: (id, s) => s.templates.load(id),

  openProject: (req, s) => s.files.open(req),
  saveProject: (req, s) => s.files.save(req),
  saveProjectAs: (req, s) => s.files.saveAs(req),
  recentFiles: (_a, s) => s.files.recent(),
  clearRecentFiles: (_a, s) => s.files.clearRecent(),
  listProjectFiles: (req, s) => s.files.list(req),
  readAutosave: (_a, s) => s.files.readAutosave(),
  writeAutosave: (req, s) => s.files.writeAutosave(req),
  clearAutosave: (_a, s) => s.files.clearAutosave(),
  exportDiagram: (req, s) => s.files.exportDiagram(req),
  chooseFolder: (req, s) => s.files.chooseFolder(req),

  listDatasets: () => import('./services/datasets').then((m) => m.listDatasets()),
  previewDataset: (req) => import('./services/datasets').then((m) => m.previewDatasetResult(req)),
  startTraining: (req, s) => startTrainingJob(req, s.jobs),
  evaluate: (req, s) => startEvaluationJob(req, s.jobs),
  // In the call worker's thread: loading a model and running it can take seconds, and tfjs stays out of the host.
  predict: (req, s) => s.calls.call('predict', req),
  inspect: (req, s) => s.jobs.start('inspect', req),
  exportModel: async (req, s) => {
    // No folder named: the native folder dialog (Electron), as the contract says; the web host needs `dir`.
    if (req.dir === undefined && s.host.nativeDialogs) {
      const f = await s.files.chooseFolder({ purpose: 'export' });
      if (!f.ok) return f;
      if (f.value === null) return err('CANCELLED', 'Export cancelled: no folder was chosen.');
      return s.jobs.start('export', { ...req, dir: f.value.path });
    }
    return s.jobs.start('export', req);
  },
  importModel: (req) => import('../engine/import/service').then((m) => m.importModelService(req)),
  cancelJob: (jobId, s) => s.jobs.cancel(jobId),
};

/**
 * For services built by hand without a policy (unit tests of single
 * handlers): absolute paths only, as in the web host. Both real hosts build
 * their services with createEngineServices, which always sets `paths`.
 */
const ANY_PATH = new PathPolicy({ mode: 'any' });

/**
 * Run one request from a transport: check the name, parse the argument,
 * call the handler, and always resolve to a Result.
 */
export async function dispatch(
  services: EngineServices,
  method: unknown,
  arg: unknown,
  table: HandlerTable = HANDLERS,
): Promise<Result<unknown>> {
  if (!isRequestName(method)) {
    return err('INVALID_ARGUMENT', `'${String(method).slice(0, 100)}' is not a method of the engine contract.`);
  }
  const parsed = parseRequestArg(method, arg);
  if (!parsed.ok) return err('INVALID_ARGUMENT', parsed.message, parsed.field);
  // Every path the request declares (services/path-policy.ts REQUEST_PATHS)
  // must pass the host's rule before any handler sees it.
  const allowed = (services?.paths ?? ANY_PATH).checkRequest(method, parsed.value);
  if (!allowed.ok) return allowed;
  try {
    const handler = table[method] as Handler<EngineRequestName>;
    const r = await handler(parsed.value as never, services);
    return r;
  } catch (e) {
    // A bug on our side. The renderer gets a plain message; the details stay in the host's log.
    console.error(`engine:${method} failed:`, e);
    return err('INTERNAL', `${method} failed unexpectedly: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}. The details are in the app's log.`);
  }
}
