/**
 * UploadRegistry: which batches of a job are accounted for, by whom. A batch POST whose answer was
 * lost is looked for among the job's batches that nobody has claimed (BulkClient.addBatch); the
 * registry keeps the claims and runs those searches safely: each waits for the job's other uploads
 * in flight to settle (so that their batches are claimed first), and they run one at a time per job,
 * so that two lost uploads of identical bytes never claim the same batch. A load's submitter owns
 * one (a resumed load's claims every batch its ledger and the org account for); a client keeps one
 * for the uploads that bring none. No HTTP here: the search itself is the caller's.
 * Buffers: the claimed batch ids of at most `maxJobs` jobs (the oldest are forgotten).
 */
import { positiveInteger } from '../options.js';

export interface UploadRegistryOptions {
  /** Jobs whose claims are kept; the oldest are forgotten. Default 256. */
  readonly maxJobs?: number;
}

/** One upload to a job, from its first POST to its batch (or its failure). */
export interface PendingUpload {
  /** The POST answered with its batch: that batch is this upload's. */
  created(batchId: string): void;
  /**
   * The POST's answer was lost: once the job's other uploads in flight have settled, and alone among
   * the job's searches, `find` looks through the job's batches for this upload's, passing over those
   * `claimed`. The batch id it returns is claimed for this upload before the next search starts; with
   * none, the upload is in flight again (it is about to be sent again).
   */
  lost(find: (claimed: (batchId: string) => boolean) => Promise<string | undefined>): Promise<string | undefined>;
  /** The upload is over, whatever its outcome (idempotent). */
  end(): void;
}

interface JobUploads {
  /** Batches created by an upload, found as its lost one, or accounted for elsewhere: each is claimed once. */
  readonly claimed: Set<string>;
  /** Uploads in flight that are not searching for a lost batch: a search waits for them first. */
  readonly sending: Set<Promise<void>>;
  /** The last search: the next one starts when it ends. */
  searching: Promise<unknown>;
}

export class UploadRegistry {
  readonly #maxJobs: number;
  /** jobId -> its uploads and claims (insertion order = age). */
  readonly #jobs = new Map<string, JobUploads>();

  constructor(options: UploadRegistryOptions = {}) {
    this.#maxJobs = positiveInteger('maxJobs', options.maxJobs ?? 256);
  }

  /** Batches of a job accounted for elsewhere (a resumed load's ledger, the org's list): never taken for a lost upload. */
  claim(jobId: string, batchIds: Iterable<string>): void {
    const job = this.#job(jobId);
    for (const id of batchIds) job.claimed.add(id);
  }

  /** Whether the batch is accounted for. */
  claimed(jobId: string, batchId: string): boolean {
    return this.#jobs.get(jobId)?.claimed.has(batchId) === true;
  }

  /** Forgets a job (closed: no batch is added to it again). An upload begun before goes on with what it had. */
  forget(jobId: string): void {
    this.#jobs.delete(jobId);
  }

  /** An upload to the job begins: the job's searches for lost uploads wait for it while it is sent. */
  begin(jobId: string): PendingUpload {
    const job = this.#job(jobId);
    let settle = (): void => undefined;
    const send = () => {
      const sending = new Promise<void>((resolve) => {
        settle = () => {
          job.sending.delete(sending);
          resolve();
        };
      });
      job.sending.add(sending);
    };
    send();
    return {
      created: (batchId) => {
        job.claimed.add(batchId);
        settle();
      },
      lost: async (find) => {
        settle(); // a search that waited for this upload would wait for itself
        const search = job.searching.then(async () => {
          while (job.sending.size > 0) await Promise.allSettled([...job.sending]);
          const found = await find((id) => job.claimed.has(id));
          if (found !== undefined) job.claimed.add(found);
          return found;
        });
        job.searching = search.catch(() => undefined);
        const found = await search;
        if (found === undefined) send();
        return found;
      },
      end: () => settle(),
    };
  }

  #job(jobId: string): JobUploads {
    let job = this.#jobs.get(jobId);
    if (!job) {
      job = { claimed: new Set(), sending: new Set(), searching: Promise.resolve() };
      this.#jobs.set(jobId, job);
      if (this.#jobs.size > this.#maxJobs) this.#jobs.delete(this.#jobs.keys().next().value as string);
    }
    return job;
  }
}
