/**
 * The job kinds the worker can run. To add one: write the job as
 * `(payload, ctx: JobContext) => Promise<result>` (engine/train/…, engine/inspect/…),
 * add one line here with a lazy import, and start it from its handler in
 * electron/handlers.ts with `services.jobs.start(kind, req)`.
 */
import type { JobKindTable } from './job-worker-runtime';

export const JOB_KINDS: JobKindTable = {
  train: () => import('../../engine/train/job').then((m) => m.runTrainJob),
  evaluate: () => import('../../engine/train/job').then((m) => m.runEvaluateJob),
  inspect: () => import('../../engine/inspect/job').then((m) => m.runInspectJob),
  export: () => import('../../engine/export/job').then((m) => m.runExportJob),
};
