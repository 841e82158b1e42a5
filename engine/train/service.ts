/**
 * The training requests of the contract as Result-returning functions, for
 * the host's handler table (electron/handlers.ts):
 *
 *   startTraining: (req, s) => startTrainingJob(req, s.jobs),
 *   evaluate: (req, s) => startEvaluationJob(req, s.jobs),
 *   predict: (req) => predictResult(req),
 *
 * Training and evaluation run as jobs in worker threads (job kinds 'train'
 * and 'evaluate', see job.ts); predict is quick and runs in the calling
 * process.
 */
import type { EvaluateRequest, JobStarted, Result, StartTrainingRequest } from '../api';
export { predictResult } from './predict-service';

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
