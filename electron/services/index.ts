/**
 * The engine services one host (Electron or the web host) gives the handler
 * table. Each host builds them once, with its own dialogs, file policy, data
 * folder and event sink.
 */
import type { EngineEventName, EventPayload, HostInfo } from '../../engine/api';
import { DOCUMENT_EXTENSION } from '../../engine/api';
import { CallWorker } from './call-worker';
import { JobRunner, type JobRunnerOptions } from './job-runner';
import { ProjectFiles, type Dialogs } from './project-files';
import { TemplateService } from './templates';
import { OpenedFiles } from './opened-files';
import { BackendService } from './backend';
import { PathPolicy, defaultSafeReadRoots } from './path-policy';

/** Sends one event to every connected renderer. */
export type EmitEvent = <E extends EngineEventName>(event: E, payload: EventPayload<E>) => void;

export interface EngineServices {
  host: HostInfo;
  files: ProjectFiles;
  templates: TemplateService;
  jobs: JobRunner;
  /** Short calls that need tfjs (predict, backendInfo), in one long-lived worker thread on the jobs' entry. */
  calls: CallWorker;
  /** Documents opened by the OS / command line, for takeOpenedFiles and onOpenProject. */
  opened: OpenedFiles;
  backend: BackendService;
  /**
   * The rule every renderer path passes (dispatch checks the paths each
   * request declares in path-policy.ts REQUEST_PATHS). Shared with `files`,
   * which records what the user chooses.
   */
  paths: PathPolicy;
}

export interface EngineServicesOptions {
  transport: HostInfo['transport'];
  appVersion: string;
  /** recent.json, autosave.json. */
  dataDir: string;
  /** Start folder of the web picker; null → home. */
  projectsDir: string | null;
  /** Native dialogs (Electron) or null (web host). */
  dialogs: Dialogs | null;
  emit: EmitEvent;
  /** Overrides for the job runner and the call worker (tests use a fake worker entry). */
  jobs?: Partial<Omit<JobRunnerOptions, 'events'>>;
}

export function createEngineServices(o: EngineServicesOptions): EngineServices {
  const mode = o.dialogs ? 'chosen' : 'any';
  const paths = new PathPolicy({ mode, safeReadRoots: defaultSafeReadRoots(o.dataDir) });
  const calls = new CallWorker({ workerEntry: o.jobs?.workerEntry, maxHeapMb: o.jobs?.maxHeapMb });
  const files = new ProjectFiles({
    paths,
    dataDir: o.dataDir,
    projectsDir: o.projectsDir,
    dialogs: o.dialogs,
    pathPolicy: mode,
  });
  return {
    host: {
      transport: o.transport,
      nativeDialogs: o.dialogs !== null,
      projectsDir: o.dialogs ? null : o.projectsDir,
      documentExtension: DOCUMENT_EXTENSION,
      appVersion: o.appVersion,
      platform: process.platform,
    },
    files,
    paths,
    opened: new OpenedFiles(files, (f) => o.emit('onOpenProject', f)),
    backend: new BackendService(calls),
    templates: new TemplateService(),
    calls,
    jobs: new JobRunner({
      ...o.jobs,
      events: { progress: (e) => o.emit('onJobProgress', e), end: (e) => o.emit('onJobEnd', e) },
    }),
  };
}

export type { Dialogs } from './project-files';
