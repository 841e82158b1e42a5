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
import type { EvaluateRequest, JobStarted, Prediction, PredictRequest, Result, StartTrainingRequest } from '../api';
import { err, ok, ERROR_CODES, type ErrorCode } from '../api';
import { predictRequest } from './job';

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

/** Classify one image; failures as values with a contract code and a plain message. */
export async function predictResult(req: PredictRequest): Promise<Result<Prediction>> {
  try {
    return ok(await predictRequest(req));
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    return err((ERROR_CODES as readonly string[]).includes(code as string) ? (code as ErrorCode) : 'JOB_FAILED', e instanceof Error ? e.message : String(e));
  }
}
