/**
 * A run of a batch's per-row results in columns, as read from the response: flags in byte arrays,
 * ids as places in the response chunk they came in (or as text, from XML and JSON results), error
 * texts in the CSV result form. No object per row: a load reads one result per record, and the
 * outputs copy an id's bytes without ever making a string of it.
 */
import { IdColumn } from './id-column.js';

export class ResultBlock {
  count = 0;
  readonly success: Uint8Array;
  readonly created: Uint8Array;
  readonly ids: IdColumn;
  /** How many times the row was sent (a record retry's results file says; issue 26); 0 when the results do not say. */
  readonly attempts: Uint8Array;
  /** Unset or '' when the row has none. */
  readonly errors: Array<string | undefined>;

  constructor(capacity: number) {
    this.success = new Uint8Array(capacity);
    this.created = new Uint8Array(capacity);
    this.ids = new IdColumn(capacity);
    this.attempts = new Uint8Array(capacity);
    // Filled at rows with an error only: no slot per row allocated up front.
    this.errors = [];
  }

  get capacity(): number {
    return this.success.length;
  }

  /** Adds a row whose id is a place in `chunk` (start = end: no id). */
  addBytes(success: boolean, created: boolean, chunk: Buffer, idStart: number, idEnd: number, error: string, attempts = 0): void {
    const i = this.#add(success, created, error);
    this.ids.setBytes(i, chunk, idStart, idEnd);
    this.attempts[i] = attempts;
  }

  /** Adds a row whose id is text. */
  addText(success: boolean, created: boolean, id: string | null, error: string, attempts = 0): void {
    const i = this.#add(success, created, error);
    this.ids.setText(i, id);
    this.attempts[i] = attempts;
  }

  id(i: number): string | null {
    return this.ids.get(i);
  }

  #add(success: boolean, created: boolean, error: string): number {
    const i = this.count++;
    this.success[i] = success ? 1 : 0;
    this.created[i] = created ? 1 : 0;
    if (error !== '') this.errors[i] = error;
    return i;
  }
}
