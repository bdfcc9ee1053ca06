/**
 * A column of record ids, as result rows carry them: a place in the response chunk an id came in
 * (CSV results: no string is made unless asked for, and the outputs copy the bytes), or a text
 * (XML and JSON results, rows given by code). Shared by result blocks and joined blocks.
 */
export class IdColumn {
  /** The id of row i is `chunks[i]` from `starts[i]` to `ends[i]`, or else `texts[i]` (made when first needed). */
  readonly chunks: Array<Buffer | undefined>;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  texts: Array<string | null | undefined> | undefined;

  constructor(capacity: number) {
    this.chunks = new Array<Buffer | undefined>(capacity);
    this.starts = new Int32Array(capacity);
    this.ends = new Int32Array(capacity);
  }

  /** Row i's id is `chunk` from `start` to `end` (start = end: no id). */
  setBytes(i: number, chunk: Buffer, start: number, end: number): void {
    if (end <= start) return;
    this.chunks[i] = chunk;
    this.starts[i] = start;
    this.ends[i] = end;
  }

  setText(i: number, id: string | null): void {
    if (id !== null) (this.texts ??= new Array(this.starts.length))[i] = id;
  }

  /** Row i's id is row j's of `other`. */
  copy(i: number, other: IdColumn, j: number): void {
    const chunk = other.chunks[j];
    if (chunk) this.setBytes(i, chunk, other.starts[j] as number, other.ends[j] as number);
    else this.setText(i, other.texts?.[j] ?? null);
  }

  get(i: number): string | null {
    const chunk = this.chunks[i];
    return chunk ? chunk.toString('latin1', this.starts[i], this.ends[i]) : (this.texts?.[i] ?? null);
  }
}
