/**
 * Runtime lists of the contract's requests and events, and their channel
 * names. Checked against the EngineApi interface at compile time: a method
 * added to the contract and not listed here (or listed and not in the
 * contract) is a type error. No zod here, so the Electron preload bundle that
 * imports this stays small.
 */
import type { EngineEventName, EngineRequestName } from './contract';

// Records keyed by the derived unions: TypeScript rejects a missing or extra key.
const REQUESTS: Record<EngineRequestName, true> = {
  hostInfo: true,
  takeOpenedFiles: true,
  backendInfo: true,
  listTemplates: true,
  loadTemplate: true,
  openProject: true,
  saveProject: true,
  saveProjectAs: true,
  recentFiles: true,
  clearRecentFiles: true,
  listProjectFiles: true,
  readAutosave: true,
  writeAutosave: true,
  clearAutosave: true,
  exportDiagram: true,
  chooseFolder: true,
  listDatasets: true,
  previewDataset: true,
  startTraining: true,
  evaluate: true,
  predict: true,
  inspect: true,
  exportModel: true,
  importModel: true,
  cancelJob: true,
};

const EVENTS: Record<EngineEventName, true> = {
  onJobProgress: true,
  onJobEnd: true,
  onMenuCommand: true,
  onOpenProject: true,
};

/** Every request method of the contract. */
export const REQUEST_NAMES = Object.keys(REQUESTS) as readonly EngineRequestName[];
/** Every event member of the contract. */
export const EVENT_NAMES = Object.keys(EVENTS) as readonly EngineEventName[];

/** IPC channel of a request, e.g. `engine:openProject`. */
export const channelOf = <M extends EngineRequestName>(m: M) => `engine:${m}` as const;
/** IPC channel of an event, e.g. `engine-event:onJobProgress`. */
export const eventChannelOf = <E extends EngineEventName>(e: E) => `engine-event:${e}` as const;

export function isRequestName(x: unknown): x is EngineRequestName {
  return typeof x === 'string' && Object.prototype.hasOwnProperty.call(REQUESTS, x);
}

export function isEventName(x: unknown): x is EngineEventName {
  return typeof x === 'string' && Object.prototype.hasOwnProperty.call(EVENTS, x);
}
