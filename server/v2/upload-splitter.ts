/**
 * Cuts a Bulk API 2.0 upload into internal batches as it streams in (spec §3.11: one batch per
 * 10,000 records), so that a 100 MB upload never sits in the heap: at most one batch is held (≤
 * 10,000 × 400,000 characters by the limits), plus the carry of one record. Each batch is stored as
 * comma CSV with the header as uploaded: the v1 BatchProcessor and DmlEngine run it (one engine, two
 * front ends). The job's own delimiter and line ending read the upload (upload-scanner.ts). A record
 * whose bytes already are its comma CSV line (the common case: values quoted only where RFC 4180
 * needs it) is copied as it came, delimiters made commas; only the others are decoded and written
 * again (issue 28: the org's reading of an upload was a quarter of its time in a 2.0 load).
 */
import { csvField } from '../../lib/records/serialize-record.js';
import type { CsvDialect } from './csv-format.js';
import { MAX_BATCH_CHARACTERS, MAX_RECORD_CHARACTERS, MAX_RECORD_FIELDS } from '../../lib/limits.js';
import { RECORDS_PER_BATCH } from './ingest-limits.js';
import { fieldValue, type ScannedRecord, UploadDataFault, UploadScanner } from './upload-scanner.js';

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
  const delimiter = dialect.delimiter.charCodeAt(0);
  let header: Buffer | undefined;
  let headerCharacters = 0;
  let columns: readonly string[] = [];
  const batch = new BatchWriter();
  let batchRecords = 0;
  let characters = 0;
  let records = 0;
  let batches = 0;
  const flush = () => {
    store(batch.take());
    batches++;
    batchRecords = 0;
    batch.write(header as Buffer);
    characters = headerCharacters;
  };
  const scanner = new UploadScanner({
    delimiter: dialect.delimiter,
    crlf: dialect.lineEnding === '\r\n',
    lineEndingName: options.lineEndingName,
    capacity: MAX_RECORD_FIELDS + 1,
    onRecord: (record) => {
      if (header === undefined) {
        // Salesforce's words for these limits are not recorded: these name the limit and the record.
        if (record.fields > MAX_RECORD_FIELDS) throw new UploadRejected(`InvalidBatch : The header has ${record.fields} fields, more than the limit of ${MAX_RECORD_FIELDS}`);
        columns = valuesOf(record);
        const line = `${commaLine(columns)}\n`;
        header = Buffer.from(line);
        headerCharacters = line.length;
        characters = headerCharacters;
        batch.write(header);
        scanner.capacity = record.fields;
        return;
      }
      if (record.fields !== columns.length) {
        throw new UploadRejected(`InvalidBatch : Failed to read the CSV data: Invalid Record Length: expect ${columns.length}, got ${record.fields} on line ${record.line}`);
      }
      if (record.characters > MAX_RECORD_CHARACTERS) {
        throw new UploadRejected(`InvalidBatch : Record ${records + 1} has ${record.characters} characters, more than the limit of ${MAX_RECORD_CHARACTERS}`);
      }
      if (record.clean) {
        const size = record.lineCharacters + 1;
        if (batchRecords > 0 && characters + size > maxCharacters) flush();
        batch.writeRecord(record, delimiter);
        characters += size;
      } else if (record.rewritable) {
        const size = rewrittenCharacters(record) + 1;
        if (batchRecords > 0 && characters + size > maxCharacters) flush();
        batch.writeRewritten(record);
        characters += size;
      } else {
        const line = `${commaLine(valuesOf(record))}\n`;
        if (batchRecords > 0 && characters + line.length > maxCharacters) flush();
        batch.writeString(line);
        characters += line.length;
      }
      records++;
      batchRecords++;
      if (batchRecords === perBatch) flush();
    },
  });
  try {
    let size = 0;
    for await (const chunk of source) {
      size += chunk.length;
      if (size > options.maxBytes) throw new UploadTooLarge(`the upload exceeds ${options.maxBytes} bytes`);
      scanner.push(chunk);
    }
    scanner.end();
  } catch (err) {
    throw withHeader(dataFault(err), columns);
  }
  if (header === undefined) throw new UploadRejected('ClientInputError : Unable to find any data to create batch');
  // A header-only upload is one empty batch: its header is still checked against the object.
  if (batchRecords > 0 || batches === 0) {
    store(batch.take());
    batches++;
  }
  return { records, batches, header: columns };
}

/** A record's values, decoded (the header, and a record whose bytes are not its comma CSV). */
function valuesOf(record: ScannedRecord): string[] {
  const values: string[] = [];
  let from = 0;
  for (let k = 0; k < record.fields; k++) {
    const to = k < record.fields - 1 ? (record.ends[k] as number) : record.bytes.length;
    values.push(fieldValue(record.bytes.subarray(from, to)));
    from = to + 1;
  }
  return values;
}

/** A record of one empty value, quoted (`""`): commaLine writes it so, not as an empty line. */
const isLoneEmpty = (record: ScannedRecord): boolean => record.fields === 1 && record.bytes.length === 2 && record.bytes[0] === 0x22 && record.bytes[1] === 0x22;

/** A rewritable record's comma CSV line in UTF-16 units (no LF): its bytes', less or more two quotes a value. */
function rewrittenCharacters(record: ScannedRecord): number {
  if (isLoneEmpty(record)) return 2; // `""`, as commaLine writes a lone empty value
  let size = record.lineCharacters;
  let from = 0;
  for (let k = 0; k < record.fields; k++) {
    const quoted = record.bytes[from] === 0x22;
    const needs = record.needsQuotes[k] === 1;
    if (quoted && !needs) size -= 2;
    else if (!quoted && needs) size += 2;
    from = (k < record.fields - 1 ? (record.ends[k] as number) : record.bytes.length) + 1;
  }
  return size;
}

/**
 * One internal batch's bytes as they are written: one growing Buffer, reused from batch to batch
 * (no string of the whole batch, up to 10 MB, which would live in V8's large-object space until a
 * major GC: issue 28). `take` copies the batch out at its size.
 */
class BatchWriter {
  #bytes = Buffer.allocUnsafe(1 << 20);
  #length = 0;

  #reserve(size: number): void {
    if (this.#length + size <= this.#bytes.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.#bytes.length * 2, this.#length + size));
    this.#bytes.copy(grown, 0, 0, this.#length);
    this.#bytes = grown;
  }

  write(bytes: Buffer): void {
    this.#reserve(bytes.length);
    this.#length += bytes.copy(this.#bytes, this.#length);
  }

  writeString(text: string): void {
    this.#reserve(text.length * 3);
    this.#length += this.#bytes.write(text, this.#length);
  }

  /** A clean record as it came, its delimiters made commas, and an LF. */
  writeRecord(record: ScannedRecord, delimiter: number): void {
    const at = this.#length;
    this.#reserve(record.bytes.length + 1);
    record.bytes.copy(this.#bytes, at);
    if (delimiter !== 0x2c) for (let k = 0; k < record.fields - 1; k++) this.#bytes[at + (record.ends[k] as number)] = 0x2c;
    this.#bytes[at + record.bytes.length] = 0x0a;
    this.#length = at + record.bytes.length + 1;
  }

  /**
   * A record whose bytes are not its comma CSV but valid UTF-8: value by value, a quoted one that
   * needs no quotes loses them, an unquoted one that needs them (a CR, a comma) gains them (it holds
   * no quote), the others are copied; commas between. No value is decoded.
   */
  writeRewritten(record: ScannedRecord): void {
    const { bytes, fields } = record;
    this.#reserve(bytes.length + 2 * fields + 1);
    const out = this.#bytes;
    let at = this.#length;
    if (isLoneEmpty(record)) {
      at += bytes.copy(out, at); // `""`: a lone empty value stays quoted
    } else {
      let from = 0;
      for (let k = 0; k < fields; k++) {
        const to = k < fields - 1 ? (record.ends[k] as number) : bytes.length;
        const quoted = bytes[from] === 0x22;
        const needs = record.needsQuotes[k] === 1;
        if (k > 0) out[at++] = 0x2c;
        if (quoted === needs) at += bytes.copy(out, at, from, to);
        else if (quoted) at += bytes.copy(out, at, from + 1, to - 1);
        else {
          out[at++] = 0x22;
          at += bytes.copy(out, at, from, to);
          out[at++] = 0x22;
        }
        from = to + 1;
      }
    }
    out[at++] = 0x0a;
    this.#length = at;
  }

  take(): Buffer {
    const out = Buffer.from(this.#bytes.subarray(0, this.#length));
    this.#length = 0;
    return out;
  }
}

/**
 * Only the data's faults fail the job: the scanner's (not CSV of the job's dialect, or not its line
 * ending) and a broken gzip stream (Z_*). Any other coded error is the transport's (the body cut
 * short: ECONNRESET, ERR_STREAM_PREMATURE_CLOSE, ...). What `store` throws is the caller's.
 */
function dataFault(err: unknown): unknown {
  if (err instanceof UploadRejected) return err;
  if (err instanceof UploadDataFault) return new UploadRejected(err.kind === 'lineEnding' ? err.message : `InvalidBatch : Failed to read the CSV data: ${err.message}`);
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return err;
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
