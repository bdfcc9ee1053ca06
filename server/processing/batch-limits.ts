/**
 * The per-batch limits of wire §7.1 that fail a whole batch: records, characters, fields per record,
 * characters per field and per record. (Bytes are refused at upload, while the body streams in.)
 * The exact stateMessage texts of these failures are not in the public record; these name the limit.
 * Rows are checked one at a time as the payload is read (none is kept); the failure is raised once
 * the whole batch is read, in the order the checks have always had: records, characters, fields,
 * then the first row over a limit.
 */
import { MAX_BATCH_CHARACTERS, MAX_BATCH_RECORDS, MAX_FIELD_CHARACTERS, MAX_RECORD_CHARACTERS, MAX_RECORD_FIELDS } from '../../lib/limits.js';
import type { PayloadRow } from '../../lib/wire/batch-payload.js';
import { BatchFailure } from './payload.js';

export class BatchLimits {
  /** The first row over a limit, as its failure's message. */
  #rowFault: string | undefined;

  /** Checks one row (`index` from 0); the first fault is kept for `check`. */
  readonly row = (row: Readonly<PayloadRow>, index: number, columns: readonly string[]): void => {
    if (this.#rowFault !== undefined) return;
    let total = 0;
    for (let c = 0; c < row.length; c++) {
      const length = row[c]?.length ?? 0;
      if (length > MAX_FIELD_CHARACTERS) {
        this.#rowFault = `Field ${columns[c]} of record ${index + 1} has ${length} characters, more than the limit of ${MAX_FIELD_CHARACTERS}`;
        return;
      }
      total += length;
    }
    if (total > MAX_RECORD_CHARACTERS) this.#rowFault = `Record ${index + 1} has ${total} characters, more than the limit of ${MAX_RECORD_CHARACTERS}`;
  };

  /** Fails the batch on the first limit it is over, once every row has been seen. */
  check(records: number, characters: number, fields: number): void {
    if (records > MAX_BATCH_RECORDS) throw new BatchFailure('InvalidBatch', `Exceeded max records limit of ${MAX_BATCH_RECORDS} records per batch: ${records}`);
    if (characters > MAX_BATCH_CHARACTERS) throw new BatchFailure('InvalidBatch', `Exceeded max characters limit of ${MAX_BATCH_CHARACTERS} characters per batch: ${characters}`);
    if (fields > MAX_RECORD_FIELDS) throw new BatchFailure('InvalidBatch', `Records have ${fields} fields, more than the limit of ${MAX_RECORD_FIELDS}`);
    if (this.#rowFault !== undefined) throw new BatchFailure('InvalidBatch', this.#rowFault);
  }
}
