/** The per-format core of RecordParser: takes byte chunks, calls `emit` once per record, in order. */
import type { InputValue } from '../../load-types.js';
import type { ColumnMap } from '../../load/column-map.js';
import type { Utf8Seen } from '../../text/utf8-validity.js';

/**
 * One record: its fields and the line it starts on; with `error` (in the CSV result form) a record
 * rejected for its input, its fields as far as they could be read.
 */
export type EmitRecord = (fields: Record<string, InputValue>, line?: number, error?: string) => void;

export interface RecordDecoder {
  /** Throws ParseError on input that ends the records (a broken header or structure); a bad record is emitted with its error. */
  write(chunk: Buffer, emit: EmitRecord): void;
  end(emit: EmitRecord): void;
  /** Whether the input has held invalid UTF-8 (decoded as U+FFFD) so far. */
  readonly utf8: Utf8Seen;
  /** CSV: the 1-based numbers of the header's columns without a name (dropped from the records), once the header is read. */
  readonly unnamed?: readonly number[];
}

/** Settings every decoder takes: the name used in errors, the most bytes one record may hold, the CSV delimiter. */
export interface DecoderSettings {
  readonly source: string;
  readonly maxRecordBytes: number;
  /** CSV only: the field separator's byte. */
  readonly delimiter: number;
  /** CSV only: the header's names to API field names (the other formats' records are renamed by the parser). */
  readonly columnMap?: ColumnMap | undefined;
}
