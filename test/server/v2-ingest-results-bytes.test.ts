/**
 * server/v2/ingest-results.ts writes the result files from the stored batches' bytes
 * (server/v2/stored-rows.ts) and server/http/respond.ts joins Buffers as Buffers (issue 28). Both
 * must serve what the org served before, byte for byte: the files' former implementation (string per
 * value through parseCsvText and csvQuote, kept below as it was) is run beside the new one over
 * generated jobs: batches stored by the real splitter from uploads in every delimiter and line
 * ending (values quoted or not, quotes, delimiters, commas, LF, CR, CRLF, empty values, `#N/A`,
 * unicode, invalid UTF-8, a NUL after a quote), results with errors, aborted and failed jobs with
 * unprocessed rows, API versions either side of 53; and batches not in the splitter's form, read
 * the old way.
 */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { parseCsvText } from '../../lib/csv/parse-csv-text.js';
import type { ResultError } from '../../lib/types.js';
import { csvQuote as quoted } from '../../lib/wire/dml-results.js';
import { respond } from '../../server/http/respond.js';
import type { BatchRow, JobRow, StoredResult } from '../../server/store/jobs-store.js';
import { COLUMN_DELIMITERS, dialectOf } from '../../server/v2/csv-format.js';
import { type IngestResultKind, type IngestResultStore, ingestResultChunks } from '../../server/v2/ingest-results.js';
import { permutedRows, servedBatchOrder } from '../../server/v2/result-order.js';
import { splitUpload } from '../../server/v2/upload-splitter.js';
import { random as seededRandom } from '../../benchmarks/_util/random.js';

// ---- The former implementation (server/v2/ingest-results.ts before issue 28's fifth session), unchanged but for its name.

function oldSfError(errors: readonly ResultError[]): string {
  return errors.map((e) => `${e.statusCode}:${e.message}:${e.fields.length ? `${e.fields.join(',')} ` : ''}--`).join(' ');
}

function* oldIngestResultLines(jobs: IngestResultStore, job: JobRow, kind: IngestResultKind, withFailedId: boolean): Generator<string> {
  const { delimiter, lineEnding } = dialectOf(job);
  const batches = jobs.batches(job.id);
  const columns = oldHeaderOf(jobs, job, batches[0]);
  if (!columns) return;
  const lead = kind === 'successfulResults' ? ['"sf__Id"', '"sf__Created"'] : kind === 'failedResults' ? [...(withFailedId ? ['"sf__Id"'] : []), '"sf__Error"'] : [];
  yield [...lead, ...columns].join(delimiter) + lineEnding;
  const ended = job.state === 'Aborted' || job.state === 'Failed';
  for (const batch of servedBatchOrder(batches)) {
    const unprocessed = batch.state === 'NotProcessed' || batch.state === 'Failed' || ((batch.state === 'Queued' || batch.state === 'InProgress') && ended);
    if (!oldHoldsRowsFor(kind, batch, unprocessed)) continue;
    const values = oldStoredLines(jobs, batch, delimiter);
    if (values.length === 0) continue;
    const leads = new Array<string | undefined>(values.length).fill(kind === 'unprocessedrecords' && unprocessed ? '' : undefined);
    for (const outcome of jobs.results(batch.id)) leads[outcome.row] = oldLeadOf(kind, outcome, withFailedId, delimiter);
    for (const i of permutedRows(values.length)) {
      const lead = leads[i];
      if (lead !== undefined) yield lead + values[i] + lineEnding;
    }
  }
}

function oldLeadOf(kind: IngestResultKind, outcome: StoredResult, withFailedId: boolean, delimiter: string): string | undefined {
  if (kind === 'unprocessedrecords') return undefined;
  if (kind === 'successfulResults') return outcome.success ? quoted(outcome.id ?? '') + delimiter + quoted(String(outcome.created)) + delimiter : undefined;
  if (outcome.success) return undefined;
  return (withFailedId ? quoted(outcome.id ?? '') + delimiter : '') + quoted(oldSfError(outcome.errors)) + delimiter;
}

function oldHoldsRowsFor(kind: IngestResultKind, batch: BatchRow, unprocessed: boolean): boolean {
  if (kind === 'successfulResults') return batch.records_processed > batch.records_failed;
  if (kind === 'failedResults') return batch.records_failed > 0;
  return unprocessed;
}

function oldHeaderOf(jobs: IngestResultStore, job: JobRow, first: BatchRow | undefined): readonly string[] | undefined {
  const stored = job.upload_header ? (JSON.parse(job.upload_header) as string[]) : [];
  if (stored.length > 0) return stored;
  if (!first) return undefined;
  return (parse(jobs.request(first.id), { to_line: 1, relax_column_count: true }) as string[][])[0] ?? [];
}

function oldStoredLines(jobs: IngestResultStore, batch: BatchRow, delimiter: string): string[] {
  const bytes = jobs.request(batch.id);
  const lines: string[] = [];
  let header = true;
  const line = (record: string[]) => {
    if (header) header = false;
    else lines.push(record.map(quoted).join(delimiter));
  };
  for (let from = 0; from < bytes.length; ) {
    const to = oldWindowEnd(bytes, from, 1 << 20);
    parseCsvText(bytes.toString('utf8', from, to), line, 'stored batch', 1, { tolerant: true });
    from = to;
  }
  return lines;
}

function oldWindowEnd(bytes: Buffer, from: number, size: number): number {
  let quoted = false;
  for (let i = from; ; ) {
    const lf = bytes.indexOf(0x0a, Math.max(i, from + size - 1));
    if (lf < 0) return bytes.length;
    const span = bytes.subarray(i, lf);
    for (let q = span.indexOf(0x22); q >= 0; q = span.indexOf(0x22, q + 1)) quoted = !quoted;
    if (!quoted) return lf + 1;
    i = lf + 1;
  }
}

/** What the former coalesce served: each row's string, joined and encoded as UTF-8. */
const oldFile = (jobs: IngestResultStore, job: JobRow, kind: IngestResultKind, withFailedId: boolean): Buffer =>
  Buffer.from([...oldIngestResultLines(jobs, job, kind, withFailedId)].join(''));

// ---- Generated jobs.

class MemoryStore implements IngestResultStore {
  readonly #batches: BatchRow[] = [];
  readonly #bodies = new Map<string, Buffer>();
  readonly #results = new Map<string, StoredResult[]>();

  add(batch: BatchRow, body: Buffer, results: StoredResult[]): void {
    this.#batches.push(batch);
    this.#bodies.set(batch.id, body);
    this.#results.set(batch.id, results);
  }

  batches(_jobId: string): BatchRow[] {
    return [...this.#batches];
  }

  request(batchId: string): Buffer {
    return this.#bodies.get(batchId) as Buffer;
  }

  *results(batchId: string): Generator<StoredResult> {
    yield* this.#results.get(batchId) ?? [];
  }
}

const PIECES = ['a', 'Acme', ' ', 'é', '日本', '😀', '"', '""', ',', '\t', '|', ';', '^', '`', '\n', '\r', '\r\n', '#N/A', '0', 'x'.repeat(90), 'ok "quoted"'];

function value(rnd: () => number): string {
  if (rnd() < 0.15) return '';
  if (rnd() < 0.05) return '#N/A';
  let out = '';
  for (let k = Math.floor(rnd() * 4); k >= 0; k--) out += PIECES[Math.floor(rnd() * PIECES.length)];
  return out;
}

/** A value as an upload writes it in the dialect: quoted when it must be, and now and then when it need not be. */
function uploaded(v: string, delimiter: string, rnd: () => number): string {
  const must = v.includes('"') || v.includes(delimiter) || v.includes('\n') || v.includes('\r');
  if (must || rnd() < 0.2) return `"${v.replaceAll('"', '""')}"`;
  return v;
}

function baseBatch(id: string, seq: number): BatchRow {
  return {
    id,
    job_id: 'job',
    seq,
    state: 'Completed',
    state_message: null,
    created_date: 0,
    modstamp: 0,
    records_processed: 0,
    records_failed: 0,
    total_ms: 0,
    api_ms: 0,
    progress: 0,
    pk_parent: null,
    pk_from: null,
    pk_to: null,
    owner: null,
  };
}

function baseJob(state: JobRow['state'], columnDelimiter: string, lineEnding: string, header: readonly string[] | null): JobRow {
  return {
    id: 'job',
    user_id: 'u',
    operation: 'insert',
    object: 'Account',
    external_id_field: null,
    concurrency_mode: 'Parallel',
    content_type: 'CSV',
    state,
    api_version: '62.0',
    assignment_rule_id: null,
    pk_chunking: null,
    created_date: 0,
    modstamp: 0,
    schema_id: null,
    job_type: 'V2Ingest',
    line_ending: lineEnding,
    column_delimiter: columnDelimiter,
    error_message: null,
    upload_header: header ? JSON.stringify(header) : null,
  };
}

const ERRORS: ResultError[][] = [
  [{ statusCode: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [Name]', fields: ['Name'] }],
  [{ statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: 'Nope, "not" here;\nline two|é😀', fields: [] }],
  [
    { statusCode: 'A', message: 'x`y^z\ttab', fields: ['F1', 'F2'] },
    { statusCode: 'B', message: '\r\n', fields: [] },
  ],
];

/** A job of `batches` stored by the real splitter from a generated upload, with generated outcomes and states. */
async function generatedJob(seed: number, columnDelimiter: keyof typeof COLUMN_DELIMITERS, lineEnding: 'LF' | 'CRLF'): Promise<{ store: MemoryStore; job: JobRow }> {
  const rnd = seededRandom(seed);
  const { delimiter, lineEnding: eol } = dialectOf({ column_delimiter: columnDelimiter, line_ending: lineEnding });
  const fields = 1 + Math.floor(rnd() * 5);
  const header = Array.from({ length: fields }, (_, k) => (k === 0 && rnd() < 0.3 ? 'Name' : `F${k}${rnd() < 0.2 ? ' é' : ''}`));
  const records = Math.floor(rnd() * 120);
  const chunks: Buffer[] = [Buffer.from(header.map((h) => uploaded(h, delimiter, rnd)).join(delimiter) + eol)];
  for (let r = 0; r < records; r++) {
    const values = Array.from({ length: fields }, () => value(rnd));
    // A record of one unquoted empty value would be an empty line, which the upload skips.
    let line = fields === 1 && values[0] === '' ? '""' : values.map((v) => uploaded(v, delimiter, rnd)).join(delimiter);
    if (rnd() < 0.03) line = `"nul"\0after${delimiter.repeat(fields - 1)}`; // csv-parse's NUL quirk: not rewritable
    chunks.push(Buffer.from(line + eol));
    if (rnd() < 0.03) chunks.push(Buffer.from([0xff, 0xc3, 0x28, ...Buffer.from(delimiter.repeat(fields - 1) + eol)])); // invalid UTF-8
  }
  const bodies: Buffer[] = [];
  const upload = Buffer.concat(chunks);
  // Cut anywhere: records and characters across chunk edges.
  const cut = Math.floor(rnd() * upload.length);
  const summary = await splitUpload(
    (async function* () {
      yield upload.subarray(0, cut);
      yield upload.subarray(cut);
    })(),
    { dialect: { delimiter, lineEnding: eol }, lineEndingName: lineEnding, maxBytes: 1e9, recordsPerBatch: 1 + Math.floor(rnd() * 40), store: (b) => bodies.push(b) },
  );
  const states = ['JobComplete', 'Aborted', 'Failed', 'InProgress', 'UploadComplete'] as const;
  const jobState = states[Math.floor(rnd() * states.length)] as JobRow['state'];
  const job = baseJob(jobState, columnDelimiter, lineEnding, rnd() < 0.8 ? summary.header : null);
  const store = new MemoryStore();
  bodies.forEach((body, b) => {
    const rows = countRows(body);
    const batchStates = ['Completed', 'Completed', 'Failed', 'NotProcessed', 'Queued', 'InProgress'] as const;
    const state = batchStates[Math.floor(rnd() * batchStates.length)] as BatchRow['state'];
    // Rows with a result: all of a completed batch, a prefix of one cut short, now and then one past the end.
    const done = state === 'Completed' ? rows : state === 'NotProcessed' ? 0 : Math.floor(rnd() * (rows + 1));
    const results: StoredResult[] = [];
    let failed = 0;
    for (let row = 0; row < done; row++) {
      const success = rnd() < 0.7;
      if (!success) failed++;
      const id = success || rnd() < 0.3 ? `001${String(seed).padStart(6, '0')}${String(b * 1000 + row).padStart(9, '0')}` : null;
      results.push({ row, id, success, created: success && rnd() < 0.8, errors: success ? [] : (ERRORS[Math.floor(rnd() * ERRORS.length)] as ResultError[]) });
    }
    if (rnd() < 0.05) results.push({ row: rows + 3, id: '001000000000000AAA', success: true, created: true, errors: [] });
    store.add({ ...baseBatch(`b${b}`, b + 1), state, records_processed: done, records_failed: failed }, body, results);
  });
  return { store, job };
}

/** Records of a stored batch, header aside, as the former reader counted them. */
function countRows(body: Buffer): number {
  let n = -1;
  parseCsvText(body.toString('utf8'), () => n++, 'stored batch', 1, { tolerant: true });
  return Math.max(n, 0);
}

const KINDS: IngestResultKind[] = ['successfulResults', 'failedResults', 'unprocessedrecords'];

function expectSameFiles(store: IngestResultStore, job: JobRow, label: string): void {
  for (const kind of KINDS) {
    for (const withFailedId of [true, false]) {
      const served = Buffer.concat([...ingestResultChunks(store, job, kind, withFailedId)]);
      const expected = oldFile(store, job, kind, withFailedId);
      if (!served.equals(expected)) {
        expect(served.toString('latin1'), `${label} ${kind} withFailedId=${withFailedId}`).to.equal(expected.toString('latin1'));
        expect.fail(`${label} ${kind}: the same text, other bytes`);
      }
    }
  }
}

describe('server/v2/ingest-results: result files from the stored bytes, as the former implementation served them', () => {
  for (const columnDelimiter of Object.keys(COLUMN_DELIMITERS) as Array<keyof typeof COLUMN_DELIMITERS>) {
    for (const lineEnding of ['LF', 'CRLF'] as const) {
      it(`${columnDelimiter} ${lineEnding}: 60 generated jobs, every file, byte for byte`, async () => {
        let rows = 0;
        for (let seed = 1; seed <= 60; seed++) {
          const { store, job } = await generatedJob(seed * 97 + columnDelimiter.length * 7 + lineEnding.length, columnDelimiter, lineEnding);
          for (const batch of store.batches(job.id)) rows += countRows(store.request(batch.id));
          expectSameFiles(store, job, `seed ${seed}`);
        }
        expect(rows).to.be.greaterThan(1000); // the generator made rows to compare
      });
    }
  }

  it('batches not in the splitter form (empty lines, stray quotes, bare CRs, text after a quote, unclosed quotes, invalid UTF-8) are read as before', () => {
    const bodies = [
      'A,B\n1,2\n\n3,4\n',
      'A,B\nx"y,2\n"a"b,c\n',
      'A,B\r1,2\r\n3,4\r',
      'A,B\n"open,2\n3,4\n',
      'A,B\n1,2\n3,', // no final LF, an empty last value
      'A,B\n""""," ""x"" "\n',
      'A\n""\n"",\n',
      '\uFEFFA,B\n\uFEFF1,2\n',
      '',
      'A,B\n',
    ].map((text) => Buffer.from(text));
    bodies.push(Buffer.from([...Buffer.from('A,B\n1,'), 0xff, 0xfe, 0x0a, 0x32, 0x2c, 0xe2, 0x82, 0x0a]));
    // Over 1 MB with stray quotes: the former reader's windows, kept.
    const long = Buffer.from(`A,B\n${Array.from({ length: 12000 }, (_, i) => (i % 3001 === 0 ? `x"${i},"q\n${i}"\n` : `${i},"v,\n${'y'.repeat(80)}"\n`)).join('')}`);
    expect(long.length).to.be.greaterThan(1 << 20);
    bodies.push(long);
    bodies.forEach((body, k) => {
      for (const [columnDelimiter, lineEnding] of [
        ['PIPE', 'CRLF'],
        ['COMMA', 'LF'],
      ] as const) {
        const store = new MemoryStore();
        const rows = countRows(body);
        const results: StoredResult[] = Array.from({ length: rows }, (_, row) =>
          row % 3 === 2
            ? { row, id: null, success: false, created: false, errors: ERRORS[1] as ResultError[] }
            : { row, id: `001${row}`, success: true, created: row % 2 === 0, errors: [] },
        );
        store.add({ ...baseBatch('b1', 1), records_processed: rows, records_failed: Math.floor(rows / 3) }, body, results);
        store.add({ ...baseBatch('b2', 2), state: 'NotProcessed' }, body, []);
        for (const header of [['A', 'B'], null]) expectSameFiles(store, baseJob('Aborted', columnDelimiter, lineEnding, header), `body ${k}`);
      }
    });
  });
});

describe('server/http/respond: bodies of pieces, joined as they were given', () => {
  it('serves strings, small and large Buffers (multi-byte characters split across Buffers) as their bytes in order', async () => {
    const rnd = seededRandom(7);
    const pieces: Array<string | Buffer> = [];
    const expected: Buffer[] = [];
    for (let k = 0; k < 3000; k++) {
      const kind = rnd();
      const size = kind < 0.02 ? 40_000 + Math.floor(rnd() * 60_000) : Math.floor(rnd() * 300);
      const bytes = Buffer.from(Array.from({ length: size }, (_, i) => (i % 11 === 0 ? 'é' : i % 13 === 0 ? '😀' : 'a')).join(''));
      expected.push(bytes);
      if (kind < 0.5) {
        pieces.push(bytes.toString('utf8'));
      } else {
        // A Buffer cut inside a character: its bytes must go as they are.
        const cut = Math.floor(rnd() * bytes.length);
        pieces.push(bytes.subarray(0, cut), bytes.subarray(cut));
      }
    }
    const server = createServer((req, res) => void respond(req, res, 200, 'text/csv', pieces));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const body = await new Promise<Buffer>((resolve, reject) => {
        request({ port, host: '127.0.0.1', path: '/' }, (res) => {
          const parts: Buffer[] = [];
          res.on('data', (d: Buffer) => parts.push(d));
          res.on('end', () => resolve(Buffer.concat(parts)));
          res.on('error', reject);
        })
          .on('error', reject)
          .end();
      });
      expect(body.equals(Buffer.concat(expected))).to.equal(true);
    } finally {
      server.close();
    }
  });
});
