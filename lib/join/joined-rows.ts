/**
 * JoinedRows: a block of joined rows in columns, the JoinedBlock the joiner pushes. Each row's input
 * is a place in a chunk of the spooled payload (CSV jobs) or a fields object (XML and JSON jobs),
 * its id a place in a result chunk or a text: joining a row copies a few numbers and references,
 * and makes no object. `rows` makes the JoinedRow objects on first use (code reading rows, the
 * NDJSON output); the CSV outputs copy straight from the columns.
 */
import type { InputValue, JoinedBlock, JoinedRow } from '../load-types.js';
import { JoinedRecord } from './joined-record.js';
import { IdColumn } from './id-column.js';
import type { ResultBlock } from './result-block.js';

/** Bits of `flags`. */
export const SUCCESS = 1;
export const CREATED = 2;
/** Set for an uploaded record; a record rejected before upload has no batch. */
export const UPLOADED = 4;

export class JoinedRows implements JoinedBlock {
  readonly kind = 'joined' as const;
  readonly seq: number;
  readonly jobId: string | null;
  readonly batchId: string | null;
  readonly columns: readonly string[];
  last = false;
  restart = false;
  count = 0;
  readonly rowNumbers: Uint32Array;
  readonly flags: Uint8Array;
  readonly ids: IdColumn;
  /** How many times each row was sent to the org: 1 for an uploaded row unless its results say more (a record retry's), 0 for one rejected before upload. */
  readonly attempts: Uint8Array;
  /** Set for failed rows only. */
  readonly errors: string[];
  /** The CSV line of row i is `lineChunks[i]` from `lineStarts[i]` to `lineEnds[i]`; else `fields[i]`. */
  readonly lineChunks: Array<Buffer | undefined>;
  readonly lineStarts: Int32Array;
  readonly lineEnds: Int32Array;
  fields: Array<Readonly<Record<string, InputValue>> | undefined> | undefined;
  #rows: JoinedRow[] | undefined;

  constructor(segment: { readonly seq: number; readonly jobId: string | null; readonly batchId: string | null; readonly columns: readonly string[] }, capacity: number) {
    this.seq = segment.seq;
    this.jobId = segment.jobId;
    this.batchId = segment.batchId;
    this.columns = segment.columns;
    this.rowNumbers = new Uint32Array(capacity);
    this.flags = new Uint8Array(capacity);
    this.ids = new IdColumn(capacity);
    this.attempts = new Uint8Array(capacity);
    // Filled at failed rows only: no slot per row allocated up front (a clean batch has none).
    this.errors = [];
    this.lineChunks = new Array<Buffer | undefined>(capacity);
    this.lineStarts = new Int32Array(capacity);
    this.lineEnds = new Int32Array(capacity);
  }

  /** A block given as rows (by code of the user's) in these columns; a JoinedRows as it is. */
  static of(block: JoinedBlock): JoinedRows {
    if (block instanceof JoinedRows) return block;
    const out = new JoinedRows(block, block.rows.length);
    for (const row of block.rows) {
      const line = row.line;
      const i = out.add(row.row, row.batchId !== null, line ?? row.fields, 0, line?.length ?? 0);
      out.flags[i] = (out.flags[i] as number) | (row.success ? SUCCESS : 0) | (row.created ? CREATED : 0);
      out.ids.setText(i, row.id);
      out.attempts[i] = Math.min(255, row.attempts ?? (row.batchId !== null ? 1 : 0));
      if (!row.success) out.errors[i] = row.error;
    }
    out.last = block.last;
    out.restart = block.restart;
    return out;
  }

  get full(): boolean {
    return this.count === this.rowNumbers.length;
  }

  /** Adds a row with its input: a CSV line's place, or fields. Returns its index. */
  add(row: number, uploaded: boolean, record: Buffer | Readonly<Record<string, InputValue>>, start = 0, end = 0): number {
    const i = this.count++;
    this.rowNumbers[i] = row;
    this.flags[i] = uploaded ? UPLOADED : 0;
    this.attempts[i] = uploaded ? 1 : 0;
    if (Buffer.isBuffer(record)) {
      this.lineChunks[i] = record;
      this.lineStarts[i] = start;
      this.lineEnds[i] = end;
    } else {
      (this.fields ??= new Array(this.rowNumbers.length))[i] = record;
    }
    return i;
  }

  /** Row i's outcome is row j of a result block. */
  takeResult(i: number, results: ResultBlock, j: number): void {
    this.flags[i] = (this.flags[i] as number) | (results.success[j] === 1 ? SUCCESS : 0) | (results.created[j] === 1 ? CREATED : 0);
    this.ids.copy(i, results.ids, j);
    const attempts = results.attempts[j] as number;
    if (attempts > 0) this.attempts[i] = attempts;
    const error = results.errors[j];
    if (error) this.errors[i] = error;
  }

  /** Row i failed as a whole, with this error. */
  fail(i: number, error: string): void {
    this.flags[i] = (this.flags[i] as number) & UPLOADED;
    this.errors[i] = error;
  }

  id(i: number): string | null {
    return this.ids.get(i);
  }

  get rows(): readonly JoinedRow[] {
    if (!this.#rows) {
      this.#rows = [];
      for (let i = 0; i < this.count; i++) this.#rows.push(new JoinedRecord(this, i));
    }
    return this.#rows;
  }
}
