/** Entry of a job's worker thread (bundled to dist/electron/job-worker.cjs). */
import { JOB_KINDS } from './job-kinds';
import { runJobWorker } from './job-worker-runtime';

void runJobWorker(JOB_KINDS);
