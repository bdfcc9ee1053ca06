/**
 * The three result files of a Bulk API 2.0 ingest job (spec §3.9), written as Salesforce writes
 * them: `"sf__Id","sf__Created",<header as uploaded>` (failed: `"sf__Id","sf__Error",...`, no
 * `sf__Id` before API 53; unprocessed: the header alone), every value double-quoted, with the job's
 * delimiter and line ending, rows in the order of result-order.ts. One internal batch is held at a
 * time (its payload and its results, ≤ 10,000 rows): memory does not grow with the job.
 */
import { parse } from 'csv-parse/sync';
import type { ResultError } from '../../lib/types.js';
import type { BatchRow, JobRow, JobsStore, StoredResult } from '../store/jobs-store.js';
import { csvQuote as quoted } from '../../lib/wire/dml-results.js';
import { dialectOf } from './csv-format.js';
import { permutedRows, servedBatchOrder } from './result-order.js';
import { StoredRows } from './stored-rows.js';

export type IngestResultKind = 'successfulResults' | 'failedResults' | 'unprocessedrecords';

/** `CODE:message:field1,field2 --`, or `CODE:message:--` without fields (spec §3.9, recorded). */
function sfError(errors: readonly ResultError[]): string {
  return errors.map((e) => `${e.statusCode}:${e.message}:${e.fields.length ? `${e.fields.join(',')} ` : ''}--`).join(' ');
}

/** What the result files read of the store. */
export type IngestResultStore = Pick<JobsStore, 'batches' | 'request' | 'results'>;

/**
 * One result file, in Buffers of about 64 KiB (CHUNK_BYTES) written from the stored batches' bytes
 * (stored-rows.ts), with no string per row or value (issue 28). `withFailedId`: the failed file has
 * its `sf__Id` column (API 53 and later). The header is the upload's own (stored with the job when it
 * was received), so that it is there even when the job's batches could not be read; a job without
 * data has none (empty body).
 */
export function* ingestResultChunks(jobs: IngestResultStore, job: JobRow, kind: IngestResultKind, withFailedId: boolean): Generator<Buffer> {
  const { delimiter, lineEnding } = dialectOf(job);
  const batches = jobs.batches(job.id);
  const columns = headerOf(jobs, job, batches[0]);
  if (!columns) return;
  const lead = kind === 'successfulResults' ? ['"sf__Id"', '"sf__Created"'] : kind === 'failedResults' ? [...(withFailedId ? ['"sf__Id"'] : []), '"sf__Error"'] : [];
  const out = new ResultChunks(lineEnding);
  out.header([...lead, ...columns].join(delimiter));
  // A batch left Queued by a job that ended (Aborted, Failed; also one requeued by a restart) never runs.
  const ended = job.state === 'Aborted' || job.state === 'Failed';
  const rows = new StoredRows();
  for (const batch of servedBatchOrder(batches)) {
    // A batch with no row for this file is passed over unread: an empty failedResults of a large job costs nothing.
    // An InProgress batch of an ended job writes no further chunk (batch-processor.ts checks the job in each chunk's transaction).
    const unprocessed = batch.state === 'NotProcessed' || batch.state === 'Failed' || ((batch.state === 'Queued' || batch.state === 'InProgress') && ended);
    if (!holdsRowsFor(kind, batch, unprocessed)) continue;
    rows.read(jobs.request(batch.id), delimiter);
    const count = rows.count;
    if (count === 0) continue;
    // Each row's lead in this file (what comes before its values), or undefined for a row not in it.
    // Rows never attempted (unprocessed): those of a batch that ended without them (aborted, failed whole, or its job ended).
    const leads = new Array<string | undefined>(count).fill(kind === 'unprocessedrecords' && unprocessed ? '' : undefined);
    for (const outcome of jobs.results(batch.id)) if (outcome.row < count) leads[outcome.row] = leadOf(kind, outcome, withFailedId, delimiter);
    const { body, starts } = rows;
    const encoded = encodeLeads(leads);
    for (const i of permutedRows(count)) {
      if (leads[i] === undefined) continue;
      const from = starts[i] as number;
      const to = starts[i + 1] as number;
      const leadFrom = encoded.starts[i] as number;
      const leadTo = encoded.starts[i + 1] as number;
      const full = out.room(leadTo - leadFrom + to - from);
      if (full) yield full;
      out.row(encoded.bytes, leadFrom, leadTo, body, from, to);
    }
  }
  const last = out.rest();
  if (last) yield last;
}

/**
 * The rows' leads as UTF-8, in one Buffer (row i's from starts[i] to starts[i + 1]; none for a row
 * not in the file): one encoding a batch, not one a row (a lead is a short string of concatenated
 * pieces, which every write would first flatten).
 */
function encodeLeads(leads: readonly (string | undefined)[]): { bytes: Buffer; starts: Int32Array } {
  const text = leads.join(''); // undefined joins as ''
  const bytes = Buffer.from(text);
  const starts = new Int32Array(leads.length + 1);
  const ascii = bytes.length === text.length;
  let at = 0;
  for (let i = 0; i < leads.length; i++) {
    starts[i] = at;
    const lead = leads[i];
    if (lead) at += ascii ? lead.length : Buffer.byteLength(lead);
  }
  starts[leads.length] = at;
  return { bytes, starts };
}

/** The size of the Buffers a result file is written in: one write per row is slow, one per file holds the file. */
const CHUNK_BYTES = 65_536;

/** Bytes copied natively from this length on; shorter ones byte by byte (a native call costs more than a short loop). */
const NATIVE_COPY = 64;

/** Rows written into Buffers of CHUNK_BYTES (more for a longer row), each handed out once the next row does not fit. */
class ResultChunks {
  /** CRLF rather than LF. */
  readonly #crlf: boolean;
  #out = Buffer.allocUnsafe(CHUNK_BYTES);
  #at = 0;

  constructor(lineEnding: string) {
    this.#crlf = lineEnding === '\r\n';
  }

  /** The file's first line (the first write). */
  header(text: string): void {
    const bytes = Buffer.from(text);
    this.room(bytes.length);
    this.row(bytes, 0, bytes.length, bytes, 0, 0);
  }

  /** Makes room for a row of `size` bytes and its line ending; returns the filled Buffer to hand out, if it had to be let go. */
  room(size: number): Buffer | undefined {
    const needed = size + 2;
    if (this.#at + needed <= this.#out.length) return undefined;
    const full = this.rest();
    this.#out = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, needed));
    return full;
  }

  /** A row (room made for it): `lead[leadFrom..leadTo)`, `values[from..to)`, the line ending. */
  row(lead: Buffer, leadFrom: number, leadTo: number, values: Buffer, from: number, to: number): void {
    const out = this.#out;
    let at = this.#at;
    at = copy(lead, leadFrom, leadTo, out, at);
    at = copy(values, from, to, out, at);
    if (this.#crlf) out[at++] = 0x0d;
    out[at++] = 0x0a;
    this.#at = at;
  }

  /** What is written and not yet handed out, if anything. */
  rest(): Buffer | undefined {
    const full = this.#at > 0 ? this.#out.subarray(0, this.#at) : undefined;
    this.#at = 0;
    return full;
  }
}

/** Copies `source[from..to)` to `target` at `at`; returns the end. */
function copy(source: Buffer, from: number, to: number, target: Buffer, at: number): number {
  if (to - from >= NATIVE_COPY) return at + source.copy(target, at, from, to);
  for (let k = from; k < to; k++) target[at++] = source[k] as number;
  return at;
}

/** What comes before a row's values in the file, with its delimiter; undefined when the row is not in the file. */
function leadOf(kind: IngestResultKind, outcome: StoredResult, withFailedId: boolean, delimiter: string): string | undefined {
  if (kind === 'unprocessedrecords') return undefined;
  if (kind === 'successfulResults') return outcome.success ? quoted(outcome.id ?? '') + delimiter + quoted(String(outcome.created)) + delimiter : undefined;
  if (outcome.success) return undefined;
  return (withFailedId ? quoted(outcome.id ?? '') + delimiter : '') + quoted(sfError(outcome.errors)) + delimiter;
}

/**
 * Whether a batch can have rows in a result file, from its counters: successes where it processed
 * more records than failed, failures where any failed, unprocessed rows where it ended without all
 * of them (a batch cut short by an abort keeps its processed rows' results beside its unprocessed ones).
 */
function holdsRowsFor(kind: IngestResultKind, batch: BatchRow, unprocessed: boolean): boolean {
  if (kind === 'successfulResults') return batch.records_processed > batch.records_failed;
  if (kind === 'failedResults') return batch.records_failed > 0;
  return unprocessed;
}

/** The upload's header; of a job received by an earlier version, its first batch's first line. Undefined: no header. */
function headerOf(jobs: IngestResultStore, job: JobRow, first: BatchRow | undefined): readonly string[] | undefined {
  const stored = job.upload_header ? (JSON.parse(job.upload_header) as string[]) : [];
  if (stored.length > 0) return stored;
  if (!first) return undefined;
  return (parse(jobs.request(first.id), { to_line: 1, relax_column_count: true }) as string[][])[0] ?? [];
}
