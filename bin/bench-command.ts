/**
 * `bulkpipe bench [FILE]`: measures loads over a sweep of settings (benchLoad) and reports a table,
 * JSON, or a self-contained HTML report. By default each run gets a fresh local org in a child
 * process on a temporary file, so that the CPU and memory measured are the client's and nothing is
 * left behind; a configured org is written to only with --yes, and each run's records are removed
 * after it (hardDelete, or delete where that is not allowed).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BulkClient } from '../lib/http/client.js';
import { writeSyntheticCsv } from '../bench/synthetic-records.js';
import type { PayloadType } from '../lib/records/serialize-record.js';
import { benchLoad, sweepSettings, type BenchLoadOptions, type BenchOrg, type BenchRun } from '../bench/bench-load.js';
import { bestSettingLine } from '../bench/best-setting.js';
import { benchTable, renderBenchReport, settingsLabel } from '../bench/bench-report.js';
import { bulkLoad, type LoadSummary } from '../pipelines/bulk-load.js';
import { INPUT_FORMATS, formatOfPath, type InputFormat } from '../transforms/record-parser.js';
import type { CliIo } from './cli-io.js';
import { CONNECTION_HELP, CONNECTION_OPTIONS, connectConfigured, connectionConfigured } from './connection.js';
import { COMMON_OPTIONS, bulkApiFlag, quietOf, choice, wholeNumber } from './flags.js';
import { startOrgProcess } from './org-process.js';
import { parseCommand } from './parse-command.js';
import { UsageError } from './usage-error.js';

export const BENCH_HELP = `Usage: bulkpipe bench [FILE] [options]

Runs loads and reports what happened at each stage: records/s and MB/s, client CPU seconds and
peak RSS, seconds per stage, batch latencies (upload, queued, processing) as p50/p95/max, and API
requests, then which setting was fastest and by how much. Every combination of the sweep's values
is run --runs times.

Input (one of):
  FILE                   a file to load (format from its extension, or --format)
  --rows N               synthetic records for --object, shaped by its describe (default 10000)

Options:
  --object NAME          the object (default Account)
  --format F             csv, ndjson, json or xml (for FILE)
  --batch-size LIST      e.g. 2000,10000 (default 10000)
  --concurrency LIST     e.g. 1,4,8 (default 4)
  --content-type LIST    CSV, JSON, XML (default CSV)
  --gzip LIST            on, off (default off)
  --serial LIST          on, off (default off: Parallel jobs)
  --bulk-api LIST        1, 2 (default 1); 2.0 runs are CSV, Parallel and gzip whatever the other lists
  --runs N               runs of each combination (default 1)
  --json                 the report as JSON on stdout
  --report FILE          a self-contained HTML report: the best setting, charts of records/s,
                         client CPU and peak RSS per setting, records over time, batch latencies
  --yes                  write to the configured (real) org: needed when one is configured
  -q, --quiet            no progress lines (the table or JSON only)
  -h, --help             this help

By default each run gets a fresh local org in a child process; with a Salesforce connection
configured, the runs go there (with --yes) and each run's records are hard-deleted after it.

Examples:
  bulkpipe bench --rows 20000 --batch-size 2000,10000 --concurrency 1,4
  bulkpipe bench accounts.csv --content-type CSV,JSON --gzip on,off --runs 2 --report bench.html
  bulkpipe bench --rows 200000 --bulk-api 1,2`;

/** The `bulkpipe bench` flags, as the parser takes them (the README's reference table is checked against them: test/examples/readme-reference.test.ts). */
export const BENCH_OPTIONS = {
  ...COMMON_OPTIONS,
  ...CONNECTION_OPTIONS,
  object: { type: 'string' },
  rows: { type: 'string' },
  format: { type: 'string' },
  'batch-size': { type: 'string' },
  concurrency: { type: 'string' },
  'content-type': { type: 'string' },
  gzip: { type: 'string' },
  serial: { type: 'string' },
  'bulk-api': { type: 'string' },
  runs: { type: 'string' },
  json: { type: 'boolean' },
  report: { type: 'string' },
  yes: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
} as const;

export async function runBenchCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand('bench', argv, BENCH_OPTIONS);
  if (values.help) {
    io.stdout.write(`${BENCH_HELP}\n\n${CONNECTION_HELP}\n`);
    return 0;
  }
  const [file, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`bench: unexpected argument ${JSON.stringify(extra[0])}`);
  if (file !== undefined && values.rows !== undefined) throw new UsageError('bench: give a FILE or --rows, not both');
  const object = values.object ?? 'Account';
  const rows = wholeNumber('rows', values.rows, 10_000, 1, 100_000_000);
  const sweep = {
    batchSize: list('batch-size', values['batch-size'], '10000', (v) => wholeNumber('batch-size', v, 0, 1, 10_000)),
    concurrency: list('concurrency', values.concurrency, '4', (v) => wholeNumber('concurrency', v, 0, 1, 25)),
    contentType: list('content-type', values['content-type'], 'CSV', (v) => choice('content-type', v.toUpperCase(), ['CSV', 'JSON', 'XML'] as const) as PayloadType),
    gzip: list('gzip', values.gzip, 'off', onOff('gzip')),
    serial: list('serial', values.serial, 'off', onOff('serial')),
    bulkApi: list('bulk-api', values['bulk-api'], '1', bulkApiFlag),
  };
  const runs = wholeNumber('runs', values.runs, 1, 1, 100);
  const real = connectionConfigured(values, io.env);
  if (real && !values.yes) throw new UsageError('bench: a Salesforce connection is configured; bench writes records there (and hard-deletes them after each run) only with --yes');

  const work = await mkdtemp(join(tmpdir(), 'bulkpipe-bench-'));
  try {
    let open: BenchLoadOptions['open'];
    if (real) {
      open = async ({ gzip, onRequest }) => {
        const client = await connectConfigured(values, io.env, { gzipUploads: gzip, onRequest }, io.signal);
        return { client, close: () => client.close() };
      };
    } else {
      let n = 0;
      open = async ({ gzip, onRequest }) => localOrgRun(join(work, `org-${n++}.db`), gzip, onRequest);
    }
    let input: string;
    let format: InputFormat;
    if (file !== undefined) {
      input = resolve(file);
      const guessed = choice('format', values.format, INPUT_FORMATS) ?? formatOfPath(file);
      if (!guessed) throw new UsageError(`bench: cannot tell the format of ${file} from its extension: give --format`);
      format = guessed;
    } else {
      input = join(work, `${object}.synthetic.csv`);
      format = 'csv';
      const org = await open({ gzip: false, onRequest: () => undefined });
      try {
        await writeSyntheticCsv(await org.client.describe(object), rows, input);
      } finally {
        await org.close();
      }
    }
    const settings = sweepSettings(sweep);
    if (!quietOf(values))
      io.stderr.write(
        `bulkpipe: bench: ${settings.length} combination${settings.length === 1 ? '' : 's'} x ${runs} run${runs === 1 ? '' : 's'} on ${real ? 'the configured org' : 'a fresh local org per run'}\n`,
      );
    const report = await benchLoad({
      open,
      object,
      input,
      inputLabel: file ?? `${rows} synthetic ${object} records`,
      format,
      settings,
      runs,
      ...(real ? { cleanUp: (run: { client: BulkClient; successPath: string; summary: LoadSummary }) => removeInserted(run.client, object, run.successPath, run.summary) } : {}),
      ...(io.signal ? { signal: io.signal } : {}),
      onRun: (run: BenchRun) => {
        if (!quietOf(values))
          io.stderr.write(
            `bulkpipe: bench: ${settingsLabel(run.settings)} #${run.run}: ${run.records} records in ${run.seconds.toFixed(2)} s, ${run.recordsPerSecond} rec/s, cpu ${run.cpuSeconds.toFixed(2)} s\n`,
          );
      },
    });
    const table = benchTable(report);
    if (values.report) await writeFile(resolve(values.report), renderBenchReport(report, table));
    if (values.json) io.stdout.write(`${JSON.stringify(report)}\n`);
    else io.stdout.write(`${table}\n`);
    // After the table, where the eye lands; on stderr, so that stdout stays the table or the JSON.
    if (!quietOf(values)) io.stderr.write(`bulkpipe: bench: ${bestSettingLine(report.runs)}\n`);
    return report.runs.some((r) => r.failed > 0) ? 3 : 0;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** A fresh local org in a child process, and a client on it. */
async function localOrgRun(db: string, gzip: boolean, onRequest: () => void): Promise<BenchOrg> {
  const org = await startOrgProcess(db, 0, 'ignore');
  try {
    const client = await BulkClient.login({ loginUrl: org.loginUrl, username: org.username, password: org.password, gzipUploads: gzip, onRequest });
    return {
      client,
      close: async () => {
        await client.close();
        await org.stop();
      },
    };
  } catch (err) {
    await org.stop();
    throw err;
  }
}

/** A real org's run leaves nothing: its success file's ids hard-deleted (deleted where hardDelete is not allowed). */
async function removeInserted(client: BulkClient, object: string, successPath: string, summary: LoadSummary): Promise<void> {
  if (summary.recordsSucceeded === 0) return;
  for (const operation of ['hardDelete', 'delete'] as const) {
    try {
      await bulkLoad({ client, object, operation, input: successPath, format: 'csv' });
      return;
    } catch (err) {
      if (operation === 'delete') throw err;
    }
  }
}

function list<T>(name: string, text: string | undefined, fallback: string, parse: (value: string) => T): T[] {
  const items = (text ?? fallback)
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  if (items.length === 0) throw new UsageError(`bench: --${name} needs at least one value`);
  return [...new Set(items)].map(parse);
}

function onOff(name: string): (value: string) => boolean {
  return (value) => {
    const v = value.toLowerCase();
    if (v === 'on' || v === 'true' || v === 'yes') return true;
    if (v === 'off' || v === 'false' || v === 'no') return false;
    throw new UsageError(`bench: --${name} takes on, off or both (on,off), not ${JSON.stringify(value)}`);
  };
}
