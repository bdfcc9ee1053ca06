/**
 * A Bulk API 2.0 load's resume: its ledger's jobs checked in the org before anything is sent (the
 * org is the truth, the ledger a hint). Each job goes on from what the org says of it:
 * - no job id came back (a crash during the create POST): the Open jobs like it, made just after the
 *   POST went out and unknown to the ledger, hold no data (nothing is uploaded without the id) and are
 *   aborted; the segments get a new job;
 * - Open: uploaded again when the ledger does not say the upload was taken (the org refuses a second
 *   upload of a job that holds data, and the client takes that refusal for "present"), then closed;
 * - Aborted or Failed with no record processed: nothing reached the org: a new job;
 * - otherwise it ran or runs: its results are joined from the org, or from the segments' ordered
 *   result files when the ledger says they were made (a job half joined).
 * A job the org no longer has (deleted) while rows of it are in no output is refused, naming it.
 */
import { access } from 'node:fs/promises';
import { BulkApiError, LedgerError } from '../lib/errors.js';
import type { BulkClient } from '../lib/http/client.js';
import type { IngestJobInfo } from '../lib/http/ingest-jobs.js';
import { settleLostCreates } from '../lib/load/ingest-lost-creates.js';
import type { LedgerIngestJob } from '../lib/load/ledger-ingest-jobs.js';
import type { LoadLedger } from '../lib/load/load-ledger.js';
import type { LoadSpool } from '../lib/load/load-spool.js';
import type { SpooledBatch } from '../lib/load-types.js';
import type { ResumedIngestJob } from '../transforms/ingest-job-submitter.js';
import { adoptSegment, type CheckedLedger } from './load-resume.js';

export interface IngestResumePlan {
  /** The segments not yet in the outputs, in order, as spooled batches (their jobs are in `jobs`). */
  readonly segments: readonly SpooledBatch[];
  /** The ledger's jobs that still have segments to write, and how each goes on. */
  readonly jobs: readonly ResumedIngestJob[];
  /** What the plan did that the user should know (Open jobs without data aborted). */
  readonly notices: readonly string[];
}

export async function planIngestResume(
  checked: CheckedLedger,
  ledger: LoadLedger,
  client: BulkClient,
  spool: LoadSpool,
  signal: AbortSignal | undefined,
): Promise<IngestResumePlan> {
  const { state } = checked;
  const segments: SpooledBatch[] = [];
  for (const s of state.pending) segments.push(await adoptSegment(s, ledger, spool));
  // A segment is waiting when the ledger holds it unjoined, or when it is to be cut again (from nextSeq on).
  const pending = new Set(state.pending.map((s) => s.seq));
  const waiting = (seq: number) => seq >= state.nextSeq || pending.has(seq);
  const jobs: ResumedIngestJob[] = [];
  const notices: string[] = [];
  const lost: LedgerIngestJob[] = [];
  for (const job of state.ingestJobs) {
    const seqs = job.seqs.filter(waiting);
    if (seqs.length === 0) continue;
    const halfJoined = seqs.length < job.seqs.length;
    if (job.jobId === undefined) {
      lost.push(job);
      jobs.push({ seqs, jobId: undefined, uploaded: false, closed: false });
      continue;
    }
    const info = await client.ingestJobs.get(job.jobId, { signal }).catch((err: unknown) => {
      if (err instanceof BulkApiError && err.statusCode === 404) throw unknowable(job.jobId as string, seqs, 'the org no longer has it (deleted)', state.dir);
      throw err;
    });
    if (job.ordered) {
      const resultsPaths = await orderedResults(spool, seqs);
      if (resultsPaths) {
        jobs.push({ seqs, jobId: info.id, uploaded: true, closed: true, resultsPaths });
        continue;
      }
      // Ordered again from the org's results, which needs every segment of the job: none may be written yet.
      if (halfJoined) throw unknowable(info.id, seqs, 'the result files its segments were given are gone from the spool, and some of its rows are written already', state.dir);
    }
    jobs.push(goOn(info, job, seqs));
  }
  // A record retry's job create whose answer was lost (lib/load/ledger-retries.ts) is settled with the load's own, before this run makes any job.
  const lostRetries = [...state.retries.steps.values()].flatMap((s) => (s.kind === 'attempt' && s.jobId === undefined && s.creatingAt !== undefined ? [s.creatingAt] : []));
  if (lost.length + lostRetries.length > 0)
    notices.push(await settleLostCreates(client, state.run.shape, [...lost.map((j) => j.at), ...lostRetries], new Set([...state.jobs, ...state.retries.jobs]), signal));
  return { segments, jobs, notices };
}

/** How a job the org has goes on. */
function goOn(info: IngestJobInfo, job: LedgerIngestJob, seqs: readonly number[]): ResumedIngestJob {
  if (info.state === 'Open') return { seqs, jobId: info.id, uploaded: job.uploaded, closed: false, ...(job.uploadSha256 ? { uploadSha256: job.uploadSha256 } : {}) };
  // Nothing of it reached the org's records: its segments are sent again in a new job.
  if ((info.state === 'Aborted' || info.state === 'Failed') && info.numberRecordsProcessed === 0) return { seqs, jobId: undefined, uploaded: false, closed: false };
  return { seqs, jobId: info.id, uploaded: true, closed: true };
}

/** The segments' ordered result files, when every one is in the spool. */
async function orderedResults(spool: LoadSpool, seqs: readonly number[]): Promise<Map<number, string> | undefined> {
  const paths = new Map<number, string>();
  for (const seq of seqs) {
    const path = await spool.path(seq, 'results', 'csv');
    const there = await access(path).then(
      () => true,
      () => false,
    );
    if (!there) return undefined;
    paths.set(seq, path);
  }
  return paths;
}

function unknowable(jobId: string, seqs: readonly number[], why: string, dir: string): LedgerError {
  return new LedgerError(
    `job ${jobId} of this load cannot be joined: ${why}, so which of its records the org holds cannot be told (segments ${seqs.join(', ')}); check them in the org`,
    {
      problem: 'job-unknowable',
      jobId,
      segments: seqs,
      dir,
    },
  );
}
