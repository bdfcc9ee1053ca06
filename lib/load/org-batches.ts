/**
 * OrgBatches: the batches a resumed load's jobs hold in the org that its ledger does not place on a
 * segment (the ledger lost their lines, or never had them, or their segments are cut again), by the
 * SHA-256 of their stored request: a segment whose payload has the same bytes takes one of them
 * rather than being uploaded again, so that none is uploaded twice and none is left out of the outputs.
 * Holds: a batch id and a hash per such batch, nothing of their records.
 *
 * Two kinds of job hold such batches. A job the ledger knows is the run's: any of its batches may be
 * taken by any segment with the same bytes. A job found in the org by its likeness (same object,
 * operation and content type, made since the run began, its line lost with the ledger's end) may be
 * the run's, or another load's made at the same time (the same file loaded twice has the same bytes).
 * Taking one of its batches is irrevocable (the segment's rows are not uploaded), so a found job's
 * batch is taken only where it fits what a job of the run looks like:
 * - every batch of a job of the run is the upload of one of the run's segments the ledger does not
 *   place, made by one process that uploads its segments in order, a few at a time (its concurrency):
 *   so the segments, which come here in order (a few at a time too), take its batches in the order the
 *   org made them, give or take `window`. A batch is taken only when no batch of that job made `window`
 *   places or more before it is still untaken. Another load of the same file that began `window`
 *   segments or more before the run's gap (its first batches have the bytes of segments the ledger
 *   places, which never come here) never fits; one that began fewer before fits for fewer than
 *   `window` of its batches, and is then named (below). Where two found jobs fit, the one whose batch
 *   lies nearer its first untaken one is taken: the run's lost job begins at the gap.
 * - a job is proven the run's only when every one of its batches was taken (`foundJobs`), and only a
 *   proven job is closed by the run; one that is still Open with more batches than were listed may
 *   be another live process's, and is not closed either (the caller checks).
 * - a found job of which some batches were taken and others were not is not the run's (or the run
 *   uploaded some of its segments twice): `unproven` names it, and the run says so when it ends.
 * - when two found jobs fit a segment equally, which is the run's cannot be told: the resume is refused.
 * What cannot be told apart by bytes and order: another load's job whose batches are exactly the run's
 * segments from where the ledger's gap begins, in order (a second copy of the same resumed load).
 */
import { LedgerError } from '../errors.js';

export interface OrgBatch {
  readonly jobId: string;
  readonly batchId: string;
}

/** The SHA-256 of a found job's batch's stored request (read from the org when first needed). */
export type BatchDigest = (jobId: string, batchId: string) => Promise<string>;

/** How far the org's order of a job's batches may differ from the order of the run's segments: a loader's default concurrency. */
const REORDER_WINDOW = 4;

interface FoundBatch {
  readonly batchId: string;
  sha256: string | undefined;
  reading?: Promise<string>;
  taken: boolean;
}

interface FoundJob {
  readonly batches: readonly FoundBatch[];
  taken: number;
}

export class OrgBatches {
  readonly #byHash = new Map<string, OrgBatch[]>();
  readonly #found = new Map<string, FoundJob>();
  readonly #window: number;
  readonly #digest: BatchDigest;

  /** `digest` reads a found job's batch's hash; only the batches a segment could take now are read, so that another load's big job costs a few reads. */
  constructor(digest: BatchDigest, window = REORDER_WINDOW) {
    this.#digest = digest;
    this.#window = window;
  }

  /** A batch of a job of the run (the ledger knows the job) that the ledger does not place, by its request's hash. */
  addUnplaced(sha256: string, batch: OrgBatch): void {
    const same = this.#byHash.get(sha256);
    if (same) same.push(batch);
    else this.#byHash.set(sha256, [batch]);
  }

  /** A job found by its likeness, with every batch it holds in the order the org made them: the run's only once proven. */
  addFound(jobId: string, batchIds: readonly string[]): void {
    if (batchIds.length > 0) this.#found.set(jobId, { batches: batchIds.map((batchId) => ({ batchId, sha256: undefined, taken: false })), taken: 0 });
  }

  /** Whether a segment's payload must be hashed to be matched (some batch is placed by no segment yet). */
  get matching(): boolean {
    return this.#byHash.size > 0 || [...this.#found.values()].some((job) => job.taken < job.batches.length);
  }

  /**
   * A batch whose request has the hash of a segment's payload, taken (identical payloads take one
   * each): one of a job of the run first, else one of a found job where it fits (see above).
   */
  async takeHash(sha256: string): Promise<OrgBatch | undefined> {
    const same = this.#byHash.get(sha256);
    const batch = same?.shift();
    if (same?.length === 0) this.#byHash.delete(sha256);
    if (batch) return batch;
    // The hashes of every batch a segment could take now are read first; a take by another segment
    // meanwhile moves a window on, so they are looked at again until none is missing. From there to
    // the take nothing awaits: two segments never take one batch.
    // One read at a time, each once, whatever the segments that wait on it.
    for (let missing = this.#unread(); missing.length > 0; missing = this.#unread())
      for (const { jobId, batch } of missing) {
        batch.reading ??= this.#digest(jobId, batch.batchId);
        batch.sha256 = await batch.reading;
      }
    let best: { jobId: string; index: number; behind: number } | undefined;
    let tied: string | undefined;
    for (const [jobId, job] of this.#found) {
      const first = job.batches.findIndex((b) => !b.taken);
      if (first < 0) continue;
      const last = Math.min(job.batches.length, first + this.#window);
      for (let index = first; index < last; index++) {
        const b = job.batches[index] as FoundBatch;
        if (b.taken || b.sha256 !== sha256) continue;
        const behind = index - first;
        if (!best || behind < best.behind) {
          best = { jobId, index, behind };
          tied = undefined;
        } else if (behind === best.behind) tied = jobId;
        break;
      }
    }
    if (!best) return undefined;
    if (tied !== undefined)
      throw new LedgerError(
        `the ledger lost the line of a job of this load, and jobs ${best.jobId} and ${tied}, both made since the load began, hold a batch with the bytes of its next segment at the same place: which of them is this load's cannot be told. Nothing was uploaded for it; finish or abort the other load's job, or load the rest with a new run`,
        { problem: 'ambiguous-job', jobIds: [best.jobId, tied], dir: undefined },
      );
    const job = this.#found.get(best.jobId) as FoundJob;
    const taken = job.batches[best.index] as FoundBatch;
    taken.taken = true;
    job.taken++;
    return { jobId: best.jobId, batchId: taken.batchId };
  }

  /** The found jobs' batches that a segment could take now (within the window of their job's first untaken one) whose hash is not read yet. */
  #unread(): Array<{ jobId: string; batch: FoundBatch }> {
    const unread: Array<{ jobId: string; batch: FoundBatch }> = [];
    for (const [jobId, job] of this.#found) {
      const first = job.batches.findIndex((b) => !b.taken);
      if (first < 0) continue;
      for (const batch of job.batches.slice(first, first + this.#window)) if (!batch.taken && batch.sha256 === undefined) unread.push({ jobId, batch });
    }
    return unread;
  }

  /** The found jobs whose every batch a segment took: the run's own, which the ledger lost; with how many batches they held when listed. */
  foundJobs(): Array<{ readonly jobId: string; readonly batches: number }> {
    return [...this.#found].filter(([, job]) => job.taken === job.batches.length).map(([jobId, job]) => ({ jobId, batches: job.batches.length }));
  }

  /** The batches that segments took from found jobs of which other batches no segment took: those jobs are not proven the run's. */
  unproven(): OrgBatch[] {
    return [...this.#found]
      .filter(([, job]) => job.taken > 0 && job.taken < job.batches.length)
      .flatMap(([jobId, job]) => job.batches.filter((b) => b.taken).map((b) => ({ jobId, batchId: b.batchId })));
  }

  /** The batches of the run's jobs in the org that no segment took: their records are in no output. */
  unplaced(): OrgBatch[] {
    return [...this.#byHash.values()].flat();
  }
}

/** Names batches by job, for a message: `job 750x: batches 751a, 751b`. */
export function describeBatches(batches: readonly OrgBatch[]): string {
  const byJob = new Map<string, string[]>();
  for (const { jobId, batchId } of batches) byJob.set(jobId, [...(byJob.get(jobId) ?? []), batchId]);
  return [...byJob].map(([job, ids]) => `job ${job}: batch${ids.length > 1 ? 'es' : ''} ${ids.join(', ')}`).join('; ');
}
