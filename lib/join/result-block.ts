/**
 * A run of a batch's per-row results in columns, as read from the response: flags in byte arrays,
 * ids as places in the response chunk they came in (or as text, from XML and JSON results), error
 * texts in the CSV result form. No object per row: a load reads one result per record, and the
 * outputs copy an id's bytes without ever making a string of it.
 */
export class ResultBlock {
  count = 0;
  readonly success: Uint8Array;
  readonly created: Uint8Array;
  /** The id of row i is `idChunks[i]` from `idStarts[i]` to `idEnds[i]`, or `idTexts[i]`; none when both are empty. */
  readonly idChunks: Array<Buffer | undefined>;
  readonly idStarts: Int32Array;
  readonly idEnds: Int32Array;
  readonly idTexts: Array<string | null | undefined>;
  /** Unset or '' when the row has none. */
  readonly errors: Array<string | undefined>;

  constructor(capacity: number) {
    this.success = new Uint8Array(capacity);
    this.created = new Uint8Array(capacity);
    this.idChunks = new Array<Buffer | undefined>(capacity);
    this.idStarts = new Int32Array(capacity);
    this.idEnds = new Int32Array(capacity);
    this.idTexts = new Array<string | null | undefined>(capacity);
    this.errors = new Array<string | undefined>(capacity);
  }

  get capacity(): number {
    return this.success.length;
  }

  /** Adds a row whose id is a place in `chunk` (start = end: no id). */
  addBytes(success: boolean, created: boolean, chunk: Buffer, idStart: number, idEnd: number, error: string): void {
    const i = this.count++;
    this.success[i] = success ? 1 : 0;
    this.created[i] = created ? 1 : 0;
    if (idEnd > idStart) {
      this.idChunks[i] = chunk;
      this.idStarts[i] = idStart;
      this.idEnds[i] = idEnd;
    }
    if (error !== '') this.errors[i] = error;
  }

  /** Adds a row whose id is text. */
  addText(success: boolean, created: boolean, id: string | null, error: string): void {
    const i = this.count++;
    this.success[i] = success ? 1 : 0;
    this.created[i] = created ? 1 : 0;
    this.idTexts[i] = id;
    if (error !== '') this.errors[i] = error;
  }

  id(i: number): string | null {
    const chunk = this.idChunks[i];
    return chunk ? chunk.toString('latin1', this.idStarts[i], this.idEnds[i]) : (this.idTexts[i] ?? null);
  }
}
