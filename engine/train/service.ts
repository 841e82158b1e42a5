/**
 * The training requests of the contract as Result-returning functions, for
 * the host's handler table (electron/handlers.ts):
 *
 *   startTraining: (req, s) => startTrainingJob(req, s.jobs),
 *   evaluate: (req, s) => startEvaluationJob(req, s.jobs),
 *
 * Training and evaluation run as jobs in worker threads (job kinds 'train'
 * and 'evaluate', see job.ts). predict (job.ts `predictRequest`) is a call
 * its caller waits for, on the host's call worker (electron/services/call-worker.ts).
 */
import type { EvaluateRequest, JobStarted, Result, StartTrainingRequest } from '../api';

/** What starts jobs (the host's JobRunner). */
export interface JobStarter {
  start(kind: 'train' | 'evaluate', payload: unknown): Result<JobStarted>;
}

export function startTrainingJob(req: StartTrainingRequest, jobs: JobStarter): Result<JobStarted> {
  return jobs.start('train', req);
}

export function startEvaluationJob(req: EvaluateRequest, jobs: JobStarter): Result<JobStarted> {
  return jobs.start('evaluate', req);
}
