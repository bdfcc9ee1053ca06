/**
 * Errors of what the caller gave: an option, an id, input that does not parse (a file, a wire
 * document, a batch payload), and columns that do not fit the object. Thrown before anything is
 * sent, or for the one record or document that is at fault.
 */
import { BulkError, errorCodeOf } from './bulk-error.js';
import type { RowErrorCodes } from './row-codes.js';

/** A bad option, thrown synchronously from constructors and factories. */
export class InvalidOptionError extends BulkError {
  override name = 'InvalidOptionError';
  readonly option: string;
  constructor(option: string, expected: string, value: unknown, options?: ErrorOptions) {
    const cause = errorCodeOf(options?.cause);
    super('BULK_INVALID_OPTION', `Invalid option ${option}: expected ${expected}, got ${describe(value)}${cause ? ` (${cause})` : ''}`, options);
    this.option = option;
  }
}

/** A string that is not a 15- or 18-character Salesforce id (or whose case-safe suffix is wrong). */
export class InvalidIdError extends BulkError {
  override name = 'InvalidIdError';
  readonly value: string;
  constructor(value: string, reason: string) {
    super('BULK_INVALID_ID', `Invalid Salesforce id ${describe(value)}: ${reason}`);
    this.value = value.slice(0, 40);
  }
}

export interface ParseErrorContext {
  /** What was being read: a file name, `stdin`, or a wire document such as `jobInfo`. */
  readonly source?: string;
  readonly line?: number;
  readonly column?: number;
  readonly record?: number;
  readonly field?: string;
  /** For a fault of one input record: the code its rejection carries (default BULKPIPE_MALFORMED_RECORD). */
  readonly fault?: RowErrorCodes<'BULKPIPE_DUPLICATE_FIELD'>;
}

/** Malformed input or a response body that does not match the wire reference (ARCHITECTURE.md). */
export class ParseError extends BulkError {
  override name = 'ParseError';
  readonly source: string | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly record: number | undefined;
  readonly field: string | undefined;
  readonly fault: RowErrorCodes<'BULKPIPE_DUPLICATE_FIELD'> | undefined;
  /** The message without its context prefix. */
  readonly reason: string;
  constructor(message: string, context: ParseErrorContext = {}, options?: ErrorOptions) {
    super('BULK_PARSE', withContext(message, context), options);
    this.reason = message;
    this.source = context.source;
    this.line = context.line;
    this.column = context.column;
    this.record = context.record;
    this.field = context.field;
    this.fault = context.fault;
  }
}

/** A batch payload (lib/wire/batch-payload.ts) that cannot be read; `reason` is the bare text, `empty` marks a payload with no data. */
export class PayloadError extends ParseError {
  override name = 'PayloadError';
  constructor(
    reason: string,
    readonly empty = false,
  ) {
    super(reason, { source: 'batch' });
  }
}

/** The columns do not fit the object (lib/load/column-check.ts); `problems` says each misfit in a sentence. */
export class ColumnCheckError extends BulkError {
  override name = 'ColumnCheckError';
  readonly object: string;
  readonly problems: readonly string[];
  constructor(object: string, problems: readonly string[]) {
    super('BULK_COLUMNS', `the columns do not fit ${object}, so no job was created: ${problems.join('; ')}`);
    this.object = object;
    this.problems = problems;
  }
}

/**
 * The org has no object of the name a load or a query gave that this user can see (its describe, or
 * the job's create, said so: an object without the user's access is as absent as one never made);
 * `suggestion` is the org's nearest object name (from describeGlobal), when one is near enough.
 * Thrown before any job of the run exists: the org refused to make one.
 */
export class UnknownObjectError extends BulkError {
  override name = 'UnknownObjectError';
  readonly object: string;
  readonly suggestion: string | undefined;
  constructor(object: string, suggestion: string | undefined, options?: ErrorOptions) {
    super('BULK_UNKNOWN_OBJECT', `${object} is not an object this user can see in the org${suggestion ? ` (did you mean ${suggestion}?)` : ''}, so no job was created`, options);
    this.object = object;
    this.suggestion = suggestion;
  }
}

/** Two columns of a header (or of the first record, which sets the columns) that name one field; the run stops before any job. */
export class DuplicateColumnError extends BulkError {
  override name = 'DuplicateColumnError';
  readonly source: string;
  readonly line: number | undefined;
  /** The two columns as the input names them, in order. */
  readonly columns: readonly [string, string];
  /** Their 1-based positions among the columns. */
  readonly positions: readonly [number, number];
  constructor(source: string, line: number | undefined, columns: readonly [string, string], positions: readonly [number, number], field: string, what = 'the header') {
    super(
      'BULK_COLUMNS',
      `${source}${line === undefined ? '' : `, line ${line}`}: ${what} names the field ${field} twice (column ${positions[0]} ${columns[0]} and column ${positions[1]} ${columns[1]}; Salesforce reads field names regardless of case), so no job was created`,
    );
    this.source = source;
    this.line = line;
    this.columns = columns;
    this.positions = positions;
  }
}

/** A header none of whose columns has a name (`;;`): most likely a file whose first line is no header. The run stops before any job. */
export class NamelessHeaderError extends BulkError {
  override name = 'NamelessHeaderError';
  readonly source: string;
  readonly line: number;
  constructor(source: string, line: number) {
    super('BULK_COLUMNS', `${source}, line ${line}: no column of line ${line} has a name: is line ${line} the header? (no job was created)`);
    this.source = source;
    this.line = line;
  }
}

/**
 * A value in a column that the header leaves without a name, in a record read before the job was
 * made (the first batch): the run stops with no job, a usage error (lib/load/unnamed-columns.ts).
 * `record` is the rejected record's error text, which names the file, line, record and column.
 */
export class UnnamedColumnError extends BulkError {
  override name = 'UnnamedColumnError';
  /** The record's 1-based number (sf__Row). */
  readonly row: number;
  constructor(row: number, record: string) {
    const reason = record.slice(record.indexOf(':') + 1, record.lastIndexOf(':'));
    super('BULK_COLUMNS', `a column without a name holds a value, so no job was created: ${reason}`);
    this.row = row;
  }
}

/**
 * A `--date-format` that the first batch's dates contradict: a value it cannot read that day and
 * month the other way round read, so the values it did read would load swapped (`01/02/2024` as
 * 2 January). Said before the job (a usage error); a resume, whose job exists, never stops for it.
 */
export class DateFormatMismatchError extends BulkError {
  override name = 'DateFormatMismatchError';
  readonly option = 'dateFormat';
  readonly field: string;
  readonly value: string;
  constructor(given: string, field: string, value: string, reads: string) {
    super(
      'BULK_INVALID_OPTION',
      `--date-format ${given} cannot read ${field}'s ${value} in the first batch, which ${reads} reads: the dates it does read would load with day and month swapped, so no job was created: load with --date-format ${reads}`,
    );
    this.field = field;
    this.value = value;
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}...` : value);
  if (typeof value === 'function') return 'a function';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function withContext(message: string, ctx: ParseErrorContext): string {
  const where = [
    ctx.source,
    ctx.line !== undefined ? `line ${ctx.line}` : undefined,
    ctx.column !== undefined ? `column ${ctx.column}` : undefined,
    ctx.record !== undefined ? `record ${ctx.record}` : undefined,
    ctx.field !== undefined ? `field ${ctx.field}` : undefined,
  ].filter(Boolean);
  return where.length ? `${where.join(', ')}: ${message}` : message;
}
