/**
 * Cuts a Bulk API 2.0 upload into internal batches as it streams in (spec §3.11: one batch per
 * 10,000 records), so that a 100 MB upload never sits in the heap: at most one batch of records is
 * held (≤ 10,000 × 400,000 characters by the limits), plus csv-parse's carry of one record. Each
 * batch is stored as comma CSV with the header as uploaded: the v1 BatchProcessor and DmlEngine run
 * it (one engine, two front ends). The job's own delimiter and line ending read the upload.
 */
import { csvField } from '../../lib/records/serialize-record.js';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import type { CsvDialect } from './csv-format.js';
import { MAX_BATCH_CHARACTERS, MAX_RECORD_CHARACTERS, MAX_RECORD_FIELDS } from '../../lib/limits.js';
import { MAX_RECORD_CHARS, RECORDS_PER_BATCH } from './ingest-limits.js';

/** The upload cannot be processed: the job becomes Failed with this errorMessage at UploadComplete. */
export class UploadRejected extends Error {
  /** The upload's header, when it was read (the result files begin with it). */
  header: readonly string[] = [];
}

/** The body stopped before its end (the client or its connection went): the upload did not happen. */
export class UploadCut extends Error {}

/** The upload is larger than the limit: refused with the request (the caller picks the answer). */
export class UploadTooLarge extends Error {}

export interface UploadSummary {
  /** Records stored (the header not counted). */
  readonly records: number;
  /** Internal batches stored. */
  readonly batches: number;
  /** The upload's header, as its first line names the columns. */
  readonly header: readonly string[];
}

export interface SplitOptions {
  readonly dialect: CsvDialect;
  /** The job's `lineEnding` name, for the message of a mismatch. */
  readonly lineEndingName: string;
  /** Decoded bytes allowed. */
  readonly maxBytes: number;
  /** Records per internal batch; default RECORDS_PER_BATCH. */
  readonly recordsPerBatch?: number;
  /**
   * Characters per internal batch, header included; default MAX_BATCH_CHARACTERS, the limit the
   * BatchProcessor holds every batch to: wide records make more, smaller batches, never a failed one.
   */
  readonly charactersPerBatch?: number;
  /** Stores one internal batch (comma CSV, header first). */
  readonly store: (payload: Buffer) => void;
}

/** Reads the decoded upload and stores its batches; rejects with UploadRejected or UploadTooLarge. */
export async function splitUpload(source: AsyncIterable<Buffer>, options: SplitOptions): Promise<UploadSummary> {
  const { dialect, store } = options;
  const perBatch = options.recordsPerBatch ?? RECORDS_PER_BATCH;
  const maxCharacters = options.charactersPerBatch ?? MAX_BATCH_CHARACTERS;
  const parser = parse({
    delimiter: dialect.delimiter,
    record_delimiter: dialect.lineEnding,
    max_record_size: MAX_RECORD_CHARS,
    skip_empty_lines: true,
  });
  let header: string | undefined;
  let columns: readonly string[] = [];
  let lines: string[] = [];
  let characters = 0;
  let records = 0;
  let batches = 0;
  const flush = () => {
    store(batchBytes(header as string, lines));
    batches++;
    lines = [];
    characters = (header as string).length + 1;
  };
  try {
    await pipeline(source, limitBytes(options.maxBytes), checkLineEnding(options.lineEndingName), parser, async (rows: AsyncIterable<string[]>) => {
      for await (const row of rows) {
        if (header === undefined) {
          columns = row;
          // Salesforce's words for these limits are not recorded: these name the limit and the record.
          if (row.length > MAX_RECORD_FIELDS) throw new UploadRejected(`InvalidBatch : The header has ${row.length} fields, more than the limit of ${MAX_RECORD_FIELDS}`);
          header = commaLine(row);
          characters = header.length + 1;
          continue;
        }
        const size = row.reduce((total, value) => total + value.length, 0);
        if (size > MAX_RECORD_CHARACTERS) throw new UploadRejected(`InvalidBatch : Record ${records + 1} has ${size} characters, more than the limit of ${MAX_RECORD_CHARACTERS}`);
        const line = `${commaLine(row)}\n`;
        if (lines.length > 0 && characters + line.length > maxCharacters) flush();
        lines.push(line);
        characters += line.length;
        records++;
        if (lines.length === perBatch) flush();
      }
    });
  } catch (err) {
    throw withHeader(dataFault(err), columns);
  }
  if (header === undefined) throw new UploadRejected('ClientInputError : Unable to find any data to create batch');
  // A header-only upload is one empty batch: its header is still checked against the object.
  if (lines.length > 0 || batches === 0) flush();
  return { records, batches, header: columns };
}

/**
 * A batch's CSV as UTF-8, written line by line into one Buffer: no string of the whole batch (up to
 * 10 MB, which would live in V8's large-object space until a major GC: issue 28).
 */
function batchBytes(header: string, lines: readonly string[]): Buffer {
  let size = Buffer.byteLength(header) + 1;
  for (const line of lines) size += Buffer.byteLength(line);
  const bytes = Buffer.allocUnsafe(size);
  let at = bytes.write(header);
  at += bytes.write('\n', at);
  for (const line of lines) at += bytes.write(line, at);
  return bytes;
}

/**
 * Only the data's faults fail the job: csv-parse's CsvError (CSV_*: not CSV of the job's dialect)
 * and a broken gzip stream (Z_*). Any other coded error is the transport's (the body cut short:
 * ECONNRESET, ERR_STREAM_PREMATURE_CLOSE, ...). What `store` throws is the caller's.
 */
function dataFault(err: unknown): unknown {
  if (err instanceof UploadRejected) return err;
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return err;
  if (code.startsWith('CSV_')) return new UploadRejected(`InvalidBatch : Failed to read the CSV data: ${(err as Error).message}`);
  if (code.startsWith('Z_')) return new UploadRejected(`ClientInputError : Failed to read the CSV data: ${(err as Error).message}`);
  return new UploadCut(`the upload was cut short: ${(err as Error).message}`, { cause: err });
}

function withHeader(err: unknown, header: readonly string[]): unknown {
  if (err instanceof UploadRejected) err.header = header;
  return err;
}

/**
 * One record as comma CSV for the v1 reader. A record of one empty value is written `""`: bare, it
 * would be a blank line, which the reader skips, and every later row would take the wrong result.
 */
const commaLine = (values: readonly string[]): string => (values.length === 1 && values[0] === '' ? '""' : values.map(csvField).join(','));

function limitBytes(maxBytes: number) {
  return async function* (chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    let size = 0;
    for await (const chunk of chunks) {
      size += chunk.length;
      if (size > maxBytes) throw new UploadTooLarge(`the upload exceeds ${maxBytes} bytes`);
      yield chunk;
    }
  };
}

/**
 * Every line end outside quotes must be the job's: an LF job given CRLF (or a CRLF job given a bare
 * LF), on the first line or any later one, is refused as Salesforce refuses it (its message, spec §7:
 * "must match lineEnding"); read with the job's record delimiter, such a line would leave a CR in a
 * value or merge two records. Line breaks inside quoted values are data. The scan keeps its state
 * (inside quotes, the byte before) across chunks; a doubled quote toggles twice, as it should.
 */
function checkLineEnding(lineEnding: string) {
  const crlfJob = lineEnding === 'CRLF';
  return async function* (chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    let quoted = false;
    let before = -1;
    for await (const chunk of chunks) {
      for (let i = 0; i < chunk.length; i++) {
        const byte = chunk[i] as number;
        if (byte === 0x22) quoted = !quoted;
        else if (byte === 0x0a && !quoted && (before === 0x0d) !== crlfJob) {
          throw new UploadRejected(`ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is ${lineEnding}`);
        }
        before = byte;
      }
      yield chunk;
    }
  };
}
