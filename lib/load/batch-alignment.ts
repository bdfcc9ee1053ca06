/**
 * BatchAlignment: where the org's batches of a resumed CSV load begin and end, by their first
 * record: the SHA-256 of the first record as uploaded, to the number of records the batch holds.
 * A segment cut again from the input whose ledger line is lost (so its end is known to nothing) ends
 * where the stop cut it before only if it is told so: a chunker that starts a segment with such a
 * record cuts it after that many records, and its payload then has the batch's very bytes and takes
 * it (OrgBatches). Filled by planResume (from the requests of the batches the ledger does not place)
 * before the chunker reads anything. A first record that two such batches share with different
 * counts (the same row twice in the input) aligns nothing: which one it is cannot be told, and a
 * segment that matches neither is refused (uploadRefusal), never uploaded twice.
 */
export class BatchAlignment {
  /** null: batches of different sizes begin with this record. */
  readonly #counts = new Map<string, number | null>();

  /** A batch of the run's jobs that no segment places: its first record's hash and its record count. */
  add(firstRecord: string, records: number): void {
    const known = this.#counts.get(firstRecord);
    this.#counts.set(firstRecord, known === undefined || known === records ? records : null);
  }

  /** Whether any batch is known: a chunker hashes a segment's first record only then. */
  get empty(): boolean {
    return this.#counts.size === 0;
  }

  /** How many records a segment that begins with this record must hold to have its batch's bytes; undefined when none tells. */
  recordsFrom(firstRecord: string): number | undefined {
    return this.#counts.get(firstRecord) ?? undefined;
  }
}
