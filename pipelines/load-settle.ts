/**
 * How a load's run ends with the org. After a resumed run: the jobs of the run that its ledger lost
 * (found in the org, proven its own by their batches) are closed, and batches of its jobs that no
 * segment took, or took without proof, are said, never passed over. After a failed or aborted run:
 * no job is left open.
 */
import { LedgerError } from '../lib/errors.js';
import type { BulkClient } from '../lib/http/client.js';
import { describeBatches } from '../lib/load/org-batches.js';
import type { JobInfo } from '../lib/types.js';
import type { ResumePlan } from './load-resume.js';

/**
 * A job of the run that the ledger lost (proven by its batches, all taken) is left Open by the
 * stop: closed, its batches being all in the outputs. One that holds more batches than were
 * listed is being added to by another live process: it is not the run's, and is left alone. Then
 * the org's batches that no segment of the input took (their records are in no output), or took
 * without proof that they are this load's, fail the run naming them; a stopped run or one whose
 * input failed has not read all of its input, and names none.
 */
export async function checkOrgBatches(
  client: BulkClient,
  resumed: ResumePlan | undefined,
  readWhole: boolean,
  signal: AbortSignal | undefined,
  dir: string | undefined,
): Promise<void> {
  if (!resumed) return;
  const notOurs: string[] = [];
  for (const { jobId, batches } of resumed.orgBatches.foundJobs()) {
    const job = await client.getJob(jobId, { signal });
    if (job.numberBatchesTotal !== batches) notOurs.push(jobId);
    else if (job.state === 'Open') await client.closeJob(jobId, { signal });
  }
  // Said, never resumed in a loop.
  const unplaced = readWhole ? resumed.orgBatches.unplaced() : [];
  const unproven = readWhole ? resumed.orgBatches.unproven() : [];
  if (unplaced.length > 0)
    throw new LedgerError(
      `the org holds ${unplaced.length} batch(es) of this load's jobs whose records match no segment of the input, so no output has them (${describeBatches(unplaced)}); every input row is in the outputs`,
      { problem: 'unplaced-batches', batches: unplaced, dir },
    );
  if (unproven.length > 0 || notOurs.length > 0) {
    const named = [describeBatches(unproven), notOurs.length > 0 ? `every batch of job ${notOurs.join(', ')}, which is still being added to` : ''].filter(Boolean).join('; ');
    throw new LedgerError(
      `segments of this load were matched by their bytes with batches of jobs made since it began that its ledger does not know (it may have lost their lines) and that are not proven its own (they hold other batches too, or are still being added to): they may be another load's, and the rows of these segments, in the outputs with those batches' results, may not have been loaded by this one (${named}). Check them in the org; none of these jobs was closed`,
      { problem: 'unproven-batches', batches: unproven, busyJobs: notOurs, dir },
    );
  }
}

/**
 * After a failed or aborted run: leave no job open (abort it when asked). The run's own error is the
 * one to report; a job that could not be closed is said in a notice (returned), never left silently.
 */
export async function settleJob(client: BulkClient, job: JobInfo | undefined, abort: boolean): Promise<string | undefined> {
  if (!job) return undefined;
  try {
    if (abort) await client.abortJob(job.id);
    else await client.closeJob(job.id);
    return undefined;
  } catch (err) {
    return `job ${job.id} could not be ${abort ? 'aborted' : 'closed'} (${(err as Error).message}): it stays Open until it is (bulkpipe job close ${job.id}), or resumed`;
  }
}

/**
 * After a failed or aborted Bulk API 2.0 run: its jobs that were never sent UploadComplete are
 * aborted, so that none is left Open (their data, if any, is not processed; a resume finds them
 * Aborted with nothing processed and sends their segments again). Said in a notice when one cannot be.
 */
export async function settleIngestJobs(client: BulkClient, jobIds: readonly string[]): Promise<string | undefined> {
  const left: string[] = [];
  for (const id of jobIds) {
    await client.ingestJobs.abort(id).catch((err: unknown) => left.push(`${id} (${(err as Error).message})`));
  }
  return left.length > 0 ? `Bulk API 2.0 job(s) ${left.join(', ')} could not be aborted: they stay Open until they are, or resumed` : undefined;
}
