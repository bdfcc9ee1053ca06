/**
 * OrgBatches: the batches a resumed load's jobs hold in the org that its ledger does not place on a
 * segment (the ledger lost their lines, or never had them, or their segments are cut again), by the
 * SHA-256 of their stored request: a segment whose payload has the same bytes takes one of them
 * rather than being uploaded again, so that none is uploaded twice and none is left out of the outputs.
 * Holds: a batch id and a hash per such batch, nothing of their records.
 */
export interface OrgBatch {
  readonly jobId: string;
  readonly batchId: string;
}

export class OrgBatches {
  readonly #byHash = new Map<string, OrgBatch[]>();
  /** Jobs that may be another load's (found by their likeness, the ledger lost its job line): theirs only once a segment takes one of their batches. */
  readonly #maybeOurs = new Set<string>();
  readonly #taken = new Set<string>();

  /** A job that may be another load's: its batches that no segment takes are left alone unless one of them is taken. */
  maybeOurs(jobId: string): void {
    this.#maybeOurs.add(jobId);
  }

  /** A batch of the org that the ledger does not place, by its request's hash. */
  addUnplaced(sha256: string, batch: OrgBatch): void {
    const same = this.#byHash.get(sha256);
    if (same) same.push(batch);
    else this.#byHash.set(sha256, [batch]);
  }

  /** Whether a segment's payload must be hashed to be matched (some batch is placed by no segment yet). */
  get matching(): boolean {
    return this.#byHash.size > 0;
  }

  /** A batch whose request has the hash of a segment's payload, taken (identical payloads take one each). */
  takeHash(sha256: string): OrgBatch | undefined {
    const same = this.#byHash.get(sha256);
    const batch = same?.shift();
    if (same?.length === 0) this.#byHash.delete(sha256);
    if (batch) this.#taken.add(batch.jobId);
    return batch;
  }

  /** The jobs found by their likeness whose batches segments took: the run's own, which the ledger lost. */
  foundJobs(): string[] {
    return [...this.#maybeOurs].filter((job) => this.#taken.has(job));
  }

  /** The run's batches in the org that no segment took: their records are in no output. */
  unplaced(): OrgBatch[] {
    return [...this.#byHash.values()].flat().filter((b) => !this.#maybeOurs.has(b.jobId) || this.#taken.has(b.jobId));
  }
}

/** Names batches by job, for a message: `job 750x: batches 751a, 751b`. */
export function describeBatches(batches: readonly OrgBatch[]): string {
  const byJob = new Map<string, string[]>();
  for (const { jobId, batchId } of batches) byJob.set(jobId, [...(byJob.get(jobId) ?? []), batchId]);
  return [...byJob].map(([job, ids]) => `job ${job}: batch${ids.length > 1 ? 'es' : ''} ${ids.join(', ')}`).join('; ');
}
