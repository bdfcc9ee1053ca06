/**
 * The per-batch limits of wire §7.1 that fail a whole batch: records, characters, fields per record,
 * characters per field and per record. (Bytes are refused at upload, while the body streams in.)
 * The exact stateMessage texts of these failures are not in the public record; these name the limit.
 */
import { MAX_BATCH_CHARACTERS, MAX_BATCH_RECORDS, MAX_FIELD_CHARACTERS, MAX_RECORD_CHARACTERS, MAX_RECORD_FIELDS } from '../../lib/limits.js';
import { BatchFailure, type Payload } from './payload.js';

export function checkBatchLimits(payload: Payload, characters: number): void {
  if (payload.rows.length > MAX_BATCH_RECORDS)
    throw new BatchFailure('InvalidBatch', `Exceeded max records limit of ${MAX_BATCH_RECORDS} records per batch: ${payload.rows.length}`);
  if (characters > MAX_BATCH_CHARACTERS) throw new BatchFailure('InvalidBatch', `Exceeded max characters limit of ${MAX_BATCH_CHARACTERS} characters per batch: ${characters}`);
  if (payload.columns.length > MAX_RECORD_FIELDS)
    throw new BatchFailure('InvalidBatch', `Records have ${payload.columns.length} fields, more than the limit of ${MAX_RECORD_FIELDS}`);
  payload.rows.forEach((row, i) => {
    let total = 0;
    for (let c = 0; c < row.length; c++) {
      const length = row[c]?.length ?? 0;
      if (length > MAX_FIELD_CHARACTERS)
        throw new BatchFailure('InvalidBatch', `Field ${payload.columns[c]} of record ${i + 1} has ${length} characters, more than the limit of ${MAX_FIELD_CHARACTERS}`);
      total += length;
    }
    if (total > MAX_RECORD_CHARACTERS) throw new BatchFailure('InvalidBatch', `Record ${i + 1} has ${total} characters, more than the limit of ${MAX_RECORD_CHARACTERS}`);
  });
}
