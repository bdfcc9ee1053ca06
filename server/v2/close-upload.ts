/**
 * `PATCH {"state":"UploadComplete"}` on a Bulk API 2.0 ingest job, in one transaction, so that an
 * upload that starts in another process at the same moment either comes first (the PATCH is refused)
 * or finds the job closed (the PUT is refused).
 */
import type { OrgLimits } from '../org/org-limits.js';
import type { JobsStore } from '../store/jobs-store.js';

/**
 * A job closed without data. Salesforce's answer is not recorded: an empty upload is refused with
 * these words, and the surveyed clients take a job without records for an error (sf CLI plugin-data
 * throws on numberRecordsProcessed 0; jsforce's poll throws on Failed with the errorMessage), so the
 * job fails rather than complete with nothing processed.
 */
const NO_DATA = 'ClientInputError : Unable to find any data to create batch';

export type CloseOutcome = 'closed' | 'uploading' | 'notOpen';

/**
 * Closes the Open job: UploadComplete with its data (systemModstamp `modstamp`: recorded v47 and v52,
 * the PATCH does not move it), Failed when its data was refused or it has none. 'uploading' while an
 * upload still stages its batches (the caller has dropped a dead one). Failed too when its internal
 * batches do not fit in what is left of the org's DailyBulkApiBatches.
 */
export function closeUpload(jobs: JobsStore, limits: OrgLimits, id: string, now: number, modstamp: number): CloseOutcome {
  return jobs.transaction(() => {
    const job = jobs.job(id);
    if (job?.state !== 'Open') return 'notOpen';
    if (job.upload_token) return 'uploading';
    const refusal = job.error_message ?? ((job.upload_header ?? null) === null ? NO_DATA : null);
    // Internal batches over DailyBulkApiBatches: the job fails unprocessed, and its batches, never run, do not count.
    const quota = refusal === null ? limits.ingestRefusal(id) : null;
    if (quota !== null) jobs.deleteBatches(id);
    if (refusal !== null || quota !== null) jobs.failJob(id, (refusal ?? quota) as string, now);
    else jobs.setJobState(id, 'UploadComplete', modstamp);
    return 'closed';
  });
}
