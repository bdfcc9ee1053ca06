/**
 * A Bulk API 2.0 load's jobs as its ledger tells them. A 2.0 job is one upload of several
 * consecutive segments (a group); its life is recorded step by step, each line synced before the
 * step it announces: the group before the create POST, the job's id after it, the upload's hash
 * before the PUT, then the upload taken, UploadComplete sent, and the results ordered into each
 * segment's result file. A resume reads where each job stopped and checks it in the org
 * (pipelines/load-resume-ingest.ts): nothing is uploaded twice, and a job's results are joined from
 * the org.
 */

/** A 2.0 job's lines in the ledger. */
export type IngestJobEntry =
  | { readonly type: 'v2group'; readonly seqs: readonly number[]; readonly at: number }
  | { readonly type: 'v2job'; readonly first: number; readonly jobId: string }
  | { readonly type: 'v2upload'; readonly jobId: string; readonly sha256: string }
  | { readonly type: 'v2uploaded'; readonly jobId: string }
  | { readonly type: 'v2closed'; readonly jobId: string }
  | { readonly type: 'v2ordered'; readonly jobId: string };

/** One 2.0 job of the run, as far as the ledger knows it. */
export interface LedgerIngestJob {
  /** The segments uploaded together, in order (those with records to upload). */
  readonly seqs: readonly number[];
  /** When its create POST was about to go out (epoch ms): a job the org made whose id never came back is dated after it. */
  readonly at: number;
  readonly jobId: string | undefined;
  /** The upload's hash (of its segments' files), recorded before the PUT. */
  readonly uploadSha256: string | undefined;
  /** The org took the upload (201, or it held the data already). */
  readonly uploaded: boolean;
  /** UploadComplete was answered. */
  readonly closed: boolean;
  /** Its results are in its segments' result files in the spool, synced. */
  readonly ordered: boolean;
}

/** Folds a ledger's 2.0 lines into its jobs, by the first segment of each (a resume that makes a job again for a group replaces it). */
export class IngestJobsReading {
  readonly #byFirst = new Map<number, LedgerIngestJob>();
  readonly #firstOf = new Map<string, number>();

  take(entry: IngestJobEntry): void {
    if (entry.type === 'v2group') {
      const first = entry.seqs[0];
      if (first === undefined) return;
      this.#byFirst.set(first, { seqs: entry.seqs, at: entry.at, jobId: undefined, uploadSha256: undefined, uploaded: false, closed: false, ordered: false });
      return;
    }
    if (entry.type === 'v2job') {
      const job = this.#byFirst.get(entry.first);
      if (!job) return;
      this.#byFirst.set(entry.first, { ...job, jobId: entry.jobId });
      this.#firstOf.set(entry.jobId, entry.first);
      return;
    }
    const first = this.#firstOf.get(entry.jobId);
    const job = first === undefined ? undefined : this.#byFirst.get(first);
    if (first === undefined || !job || job.jobId !== entry.jobId) return;
    const step: Partial<LedgerIngestJob> =
      entry.type === 'v2upload'
        ? { uploadSha256: entry.sha256 }
        : entry.type === 'v2uploaded'
          ? { uploaded: true }
          : entry.type === 'v2closed'
            ? { uploaded: true, closed: true }
            : { uploaded: true, closed: true, ordered: true };
    this.#byFirst.set(first, { ...job, ...step });
  }

  /** The jobs, by the order of their first segment. */
  jobs(): LedgerIngestJob[] {
    return [...this.#byFirst.values()].sort((a, b) => (a.seqs[0] ?? 0) - (b.seqs[0] ?? 0));
  }

  /** Every job id the run made, oldest first. */
  ids(): string[] {
    return [...this.#firstOf.keys()];
  }
}

/** Whether a ledger line is a 2.0 job's. */
export function isIngestJobEntry(entry: { readonly type: string }): entry is IngestJobEntry {
  return entry.type.startsWith('v2');
}
