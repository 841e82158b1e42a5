/**
 * The contract's `predict` as a Result-returning function. Kept apart from
 * service.ts so that starting jobs does not load tfjs in the host process.
 */
import type { Prediction, PredictRequest, Result } from '../api';
import { err, ok, ERROR_CODES, type ErrorCode } from '../api';
import { predictRequest } from './job';

/** Classify one image; failures as values with a contract code and a plain message. */
export async function predictResult(req: PredictRequest): Promise<Result<Prediction>> {
  try {
    return ok(await predictRequest(req));
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    return err((ERROR_CODES as readonly string[]).includes(code as string) ? (code as ErrorCode) : 'JOB_FAILED', e instanceof Error ? e.message : String(e));
  }
}
