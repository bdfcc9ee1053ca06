/**
 * The size limits of a batch as the chunking stages take them from their options: each validated
 * under the option's own name, its default and maximum the Bulk API's.
 */
import { MAX_BATCH_BYTES, MAX_BATCH_CHARACTERS, MAX_BATCH_RECORDS } from '../limits.js';
import { positiveInteger } from '../options.js';

export interface BatchLimits {
  readonly maxRecords: number;
  readonly maxBytes: number;
  readonly maxCharacters: number;
}

/** The limits named by the options (`maxRecords`, `maxBytes`, `maxCharacters`), in that order of validation. */
export function batchLimits(options: {
  readonly maxRecords?: number | undefined;
  readonly maxBytes?: number | undefined;
  readonly maxCharacters?: number | undefined;
}): BatchLimits {
  return {
    maxRecords: positiveInteger('maxRecords', options.maxRecords ?? MAX_BATCH_RECORDS, MAX_BATCH_RECORDS),
    maxBytes: positiveInteger('maxBytes', options.maxBytes ?? MAX_BATCH_BYTES, MAX_BATCH_BYTES),
    maxCharacters: positiveInteger('maxCharacters', options.maxCharacters ?? MAX_BATCH_CHARACTERS, MAX_BATCH_CHARACTERS),
  };
}
