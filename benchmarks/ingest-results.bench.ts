/**
 * The org's Bulk API 2.0 result files (server/v2/ingest-results.ts through server/http/respond.ts,
 * issue 28): a stored job of about MB megabytes of generated Account records (data.ts, 10 fields),
 * cut into internal batches by the org's splitter, its three files (successfulResults,
 * failedResults, unprocessedrecords) served over loopback HTTP by respond() as the result route
 * serves them (no gzip: the client asks a loopback org for plain answers) and read by an undici
 * client in the parent process, which hashes them (every variant must serve the same bytes). Each
 * org is a child process of its own (process.cpuUsage: its CPU seconds from the first request to
 * the end of the last answer, the client's not counted; wall seconds the same span), taking turns with the result files of another build when BULKPIPE_BEFORE names that build's
 * dist-bench folder. The store is in memory (no SQLite): what is timed is the files' writing.
 * Shapes: `plain` (every row succeeded, COMMA LF, as a load of data.ts records), `quoted` (every
 * value quoted, some holding a comma, a doubled quote or a line break, TAB CRLF), `failures` (plain,
 * one row in ten failed with an error, the job aborted with its last batch unprocessed).
 * Usage: npm run build:bench && [BULKPIPE_BEFORE=/tmp/pre/dist-bench] \
 *   node dist-bench/benchmarks/ingest-results.bench.js [MB=40] [rounds=3] [shapes=plain,quoted,failures]
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { request } from 'undici';
import type { BatchRow, JobRow, StoredResult } from '../server/store/jobs-store.js';
import type { IngestResultKind, IngestResultStore } from '../server/v2/ingest-results.js';
import { splitUpload } from '../server/v2/upload-splitter.js';
import { FIELDS, values } from './_util/data.js';
import { median } from './_util/child-cost.js';
import { afterAndBefore, environment, fmt, inTurns, table } from './_util/run.js';

type Shape = 'plain' | 'quoted' | 'failures';
const KINDS: IngestResultKind[] = ['successfulResults', 'failedResults', 'unprocessedrecords'];

/** A build's result files: `ingestResultChunks` now, `ingestResultLines` before issue 28's fifth session. */
type ResultFile = (jobs: IngestResultStore, job: JobRow, kind: IngestResultKind, withFailedId: boolean) => Iterable<string | Buffer>;
type Respond = (req: IncomingMessage, res: ServerResponse, status: number, contentType: string, body: Iterable<string | Buffer>) => Promise<void>;

function upload(shape: Shape, megabytes: number): { data: Buffer; delimiter: string; eol: string } {
  const quoted = shape === 'quoted';
  const delimiter = quoted ? '\t' : ',';
  const eol = quoted ? '\r\n' : '\n';
  const quote = (v: string) => `"${v.replaceAll('"', '""')}"`;
  const parts: string[] = [`${FIELDS.join(delimiter)}${eol}`];
  let size = parts[0]?.length ?? 0;
  for (let n = 0; size < megabytes * 1e6; n++) {
    const v = values(n);
    const row = quoted ? v.map((x, i) => quote(i === 2 ? `${x}, "B"` : i === 7 ? `${x}\nsuite` : x)).join(delimiter) : v.join(delimiter);
    parts.push(row + eol);
    size += row.length + eol.length;
  }
  return { data: Buffer.from(parts.join('')), delimiter, eol };
}

class MemoryStore implements IngestResultStore {
  readonly rows: BatchRow[] = [];
  readonly bodies = new Map<string, Buffer>();
  readonly outcomes = new Map<string, StoredResult[]>();
  batches(): BatchRow[] {
    return [...this.rows];
  }
  request(batchId: string): Buffer {
    return this.bodies.get(batchId) as Buffer;
  }
  *results(batchId: string): Generator<StoredResult> {
    yield* this.outcomes.get(batchId) ?? [];
  }
}

const ERROR = [{ statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: 'Industry is not allowed, "here"', fields: ['Industry'] }];

async function storedJob(shape: Shape, megabytes: number): Promise<{ store: MemoryStore; job: JobRow; mb: number; records: number }> {
  const { data, delimiter, eol } = upload(shape, megabytes);
  const store = new MemoryStore();
  const bodies: Buffer[] = [];
  const summary = await splitUpload(Readable.from([data]), {
    dialect: { delimiter, lineEnding: eol },
    lineEndingName: eol === '\n' ? 'LF' : 'CRLF',
    maxBytes: 1e12,
    store: (b) => bodies.push(b),
  });
  let row0 = 0;
  bodies.forEach((body, b) => {
    const rows = Math.min(10_000, summary.records - row0);
    const aborted = shape === 'failures' && b === bodies.length - 1;
    const outcomes: StoredResult[] = [];
    let failed = 0;
    for (let row = 0; row < rows && !aborted; row++) {
      const ok = shape !== 'failures' || (row0 + row) % 10 !== 0;
      if (!ok) failed++;
      outcomes.push({ row, id: ok ? `001${String(row0 + row).padStart(15, '0')}` : null, success: ok, created: ok, errors: ok ? [] : ERROR });
    }
    const id = `751${String(b).padStart(15, '0')}`;
    store.rows.push({
      ...{
        id,
        job_id: 'job',
        seq: b + 1,
        state_message: null,
        created_date: 0,
        modstamp: 0,
        total_ms: 0,
        api_ms: 0,
        progress: 0,
        pk_parent: null,
        pk_from: null,
        pk_to: null,
        owner: null,
      },
      state: aborted ? 'NotProcessed' : 'Completed',
      records_processed: outcomes.length,
      records_failed: failed,
    });
    store.bodies.set(id, body);
    store.outcomes.set(id, outcomes);
    row0 += rows;
  });
  const job: JobRow = {
    ...{ id: 'job', user_id: 'u', operation: 'insert', object: 'Account', external_id_field: null, concurrency_mode: 'Parallel', content_type: 'CSV' },
    ...{ api_version: '62.0', assignment_rule_id: null, pk_chunking: null, created_date: 0, modstamp: 0, schema_id: null, job_type: 'V2Ingest', error_message: null },
    state: shape === 'failures' ? 'Aborted' : 'JobComplete',
    line_ending: eol === '\n' ? 'LF' : 'CRLF',
    column_delimiter: delimiter === ',' ? 'COMMA' : 'TAB',
    upload_header: JSON.stringify(summary.header),
  };
  return { store, job, mb: data.length / 1e6, records: summary.records };
}

/** The org's side: serves the files of its stored job, and its CPU from the first request to the last answer's end at /stats. */
async function child(build: string, shape: Shape, megabytes: number): Promise<void> {
  const results = (await import(pathToFileURL(join(build, 'server/v2/ingest-results.js')).href)) as { ingestResultChunks?: ResultFile; ingestResultLines?: ResultFile };
  const { respond } = (await import(pathToFileURL(join(build, 'server/http/respond.js')).href)) as { respond: Respond };
  const file = (results.ingestResultChunks ?? results.ingestResultLines) as ResultFile;
  const { store, job, mb, records } = await storedJob(shape, megabytes);
  let cpu0: NodeJS.CpuUsage | undefined;
  let t0 = 0;
  let cpu = 0;
  let seconds = 0;
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname.slice(1);
    if (path === 'stats') {
      res.end(JSON.stringify({ seconds, cpu, mb, records }));
      server.close();
      return;
    }
    if (!cpu0) {
      cpu0 = process.cpuUsage();
      t0 = performance.now();
    }
    res.on('finish', () => {
      const used = process.cpuUsage(cpu0);
      cpu = (used.user + used.system) / 1e6;
      seconds = (performance.now() - t0) / 1000;
    });
    void respond(req, res, 200, 'text/csv; charset=UTF-8', file(store, job, path as IngestResultKind, true));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
}

/** Reads the three files of a child org (its CPU only is counted), and its figures. */
async function run(build: string, shape: Shape, megabytes: number): Promise<{ seconds: number; cpu: number; mb: number; records: number; served: number; sha256: string }> {
  const org = spawn(process.execPath, [here('./ingest-results.bench.js'), '--child', build, shape, String(megabytes)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(createInterface({ input: org.stdout }), 'line')) as [string];
  const base = `http://127.0.0.1:${line}`;
  const hash = createHash('sha256');
  let served = 0;
  for (const kind of KINDS) {
    const res = await request(`${base}/${kind}`);
    for await (const chunk of res.body) {
      hash.update(chunk as Buffer);
      served += (chunk as Buffer).length;
    }
  }
  const stats = (await (await request(`${base}/stats`)).body.json()) as { seconds: number; cpu: number; mb: number; records: number };
  await once(org, 'exit');
  return { ...stats, served, sha256: hash.digest('hex') };
}

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
if (process.argv[2] === '--child') {
  await child(process.argv[3] as string, process.argv[4] as Shape, Number(process.argv[5]));
} else {
  const megabytes = Number(process.argv[2] ?? 40);
  const rounds = Number(process.argv[3] ?? 3);
  const shapes = (process.argv[4] ?? 'plain,quoted,failures').split(',') as Shape[];
  const variants = afterAndBefore(here('..'), 'server/v2/ingest-results.js');
  type Run = { seconds: number[]; cpu: number[]; mb: number; records: number; served: number; sha256: string };
  const runs: Record<string, Run> = {};
  await inTurns(rounds, shapes, Object.keys(variants), async (shape, name) => {
    const r = await run(variants[name] as string, shape, megabytes);
    const entry = (runs[`${shape} ${name}`] ??= { seconds: [], cpu: [], mb: r.mb, records: r.records, served: r.served, sha256: r.sha256 });
    const other = runs[`${shape} ${name === 'after' ? 'before' : 'after'}`];
    if (r.sha256 !== entry.sha256 || (other && other.sha256 !== r.sha256)) throw new Error(`${shape} ${name}: other bytes served (sha256 ${r.sha256})`);
    entry.seconds.push(r.seconds);
    entry.cpu.push(r.cpu);
  });
  console.log(`${environment()}, ${megabytes} MB uploads, the three result files over loopback, ${rounds} rounds (medians)\n`);
  const rows = Object.entries(runs).map(([key, r]) => {
    const [shape, name] = key.split(' ') as [string, string];
    const base = runs[`${shape} before`];
    return [
      key,
      fmt(r.records),
      fmt(r.served / 1e6, 1),
      fmt(median(r.seconds), 2),
      fmt(median(r.cpu), 2),
      fmt(r.served / 1e6 / median(r.cpu), 0),
      base && name === 'after' ? fmt(median(r.cpu) / median(base.cpu), 2) : '',
    ];
  });
  console.log(table(['run', 'records', 'served MB', 'wall s', 'CPU s', 'MB/CPU s', 'CPU after/before'], rows));
}
