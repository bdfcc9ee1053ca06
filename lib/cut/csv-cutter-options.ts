/**
 * The options of the CSV fast path (CsvBatchSplitter, CsvCutter), and the settings they make once
 * validated, each under its own name.
 */
import { delimiterOption } from '../csv/delimiter.js';
import type { BatchAlignment } from '../load/batch-alignment.js';
import type { ColumnMap } from '../load/column-map.js';
import { spoolOption, type LoadSpool } from '../load/load-spool.js';
import { LOAD_OPERATIONS, type LoadOperation } from '../load-types.js';
import { nonEmptyString, oneOf } from '../options.js';
import { batchLimits } from './batch-limits.js';
import type { CsvHeaderSettings } from './csv-header.js';

export interface CsvCutterOptions {
  /** The load's spool: where the payloads go. */
  readonly spool: LoadSpool;
  /** The operation, which decides whether an `sf__Id` column is uploaded as the Id; default insert. */
  readonly operation?: LoadOperation;
  /** Named in errors. Default `input`. */
  readonly source?: string;
  /** Most records per batch; default and maximum 10,000. */
  readonly maxRecords?: number;
  /** Most bytes per batch, header included; default and maximum 10,000,000 (also bounds characters). */
  readonly maxBytes?: number;
  /** The field separator, one character; default a comma. The job is told (columnDelimiter) by whoever creates it. */
  readonly delimiter?: string;
  /** Upload invalid UTF-8 as it is (the org reads it as U+FFFD) instead of rejecting its record. Default false. */
  readonly replaceInvalidUtf8?: boolean;
  /** Header names to API field names (the header line is uploaded renamed; the records as they are). */
  readonly columnMap?: ColumnMap;
  /**
   * Stop instead of fail: on malformed input, report the error here and end normally, with the
   * records before the error still batched, so that they can be finished.
   */
  readonly onError?: (err: Error) => void;
  /**
   * Go on with a load that stopped: the input given starts at a record boundary (the byte offset
   * after the last segment cut before), segments are numbered from `seq`, rows from `row` + 1 and
   * lines from `line` (when known), and `header` is the input's header line as it was read then.
   */
  readonly resume?: { readonly seq: number; readonly row: number; readonly offset: number; readonly line?: number; readonly header: string };
  /**
   * Rows after which a segment ends whatever its size, ascending: a resume that cuts segments again
   * cuts them where the run cut them before (a stop's short segment too), so that each has the bytes
   * of the batch the org holds for it.
   */
  readonly cuts?: readonly number[];
  /**
   * A resume's org batches by their first record (filled before the input is read): a segment that
   * begins with one of them ends after as many records as that batch holds, so that it has its bytes.
   */
  readonly align?: BatchAlignment;
}

export interface CsvCutterSettings extends CsvHeaderSettings {
  readonly spool: LoadSpool;
  readonly maxRecords: number;
  readonly maxBytes: number;
  /** Whether invalid UTF-8 rejects its record (not `replaceInvalidUtf8`). */
  readonly checkUtf8: boolean;
}

/** The settings the options make; throws BULK_INVALID_OPTION naming the first bad one. */
export function csvCutterSettings(options: CsvCutterOptions): CsvCutterSettings {
  const spool = spoolOption(options.spool);
  const operation = oneOf('operation', options.operation ?? 'insert', LOAD_OPERATIONS);
  const source = nonEmptyString('source', options.source ?? 'input');
  const { maxRecords, maxBytes } = batchLimits({ maxRecords: options.maxRecords, maxBytes: options.maxBytes });
  const delimiter = delimiterOption(options.delimiter ?? ',');
  return { spool, operation, source, maxRecords, maxBytes, delimiter, checkUtf8: !(options.replaceInvalidUtf8 ?? false), map: options.columnMap };
}
