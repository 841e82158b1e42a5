/**
 * The job kinds the worker can run. To add one: write the job as
 * `(payload, ctx: JobContext) => Promise<result>` (engine/train/…, engine/inspect/…),
 * add one line here with a lazy import, and start it from its handler in
 * electron/handlers.ts with `services.jobs.start(kind, req)`. A short call
 * whose caller waits for the answer (predict, backend-info) runs on the call worker
 * instead: `services.calls.call(kind, req)` (call-worker.ts).
 */
import type { PredictRequest } from '../../engine/api';
import type { JobKindTable } from './job-worker-runtime';

export const JOB_KINDS: JobKindTable = {
  train: () => import('../../engine/train/job').then((m) => m.runTrainJob),
  evaluate: () => import('../../engine/train/job').then((m) => m.runEvaluateJob),
  inspect: () => import('../../engine/inspect/job').then((m) => m.runInspectJob),
  export: () => import('../../engine/export/job').then((m) => m.runExportJob),
  // Calls (call-worker.ts): the host waits for their answer.
  predict: () => import('../../engine/train/job').then((m) => (req) => m.predictRequest(req as PredictRequest)),
  'backend-info': () => import('../../engine/train/describe-backend').then((m) => () => m.describeBackend()),
};
