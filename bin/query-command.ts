/**
 * `bulkpipe query "<SOQL>"`: a bulk query's results to stdout (or -o FILE), as CSV, NDJSON or a
 * JSON array. A stdout closed early (`| head`) ends the run quietly, with the job closed.
 */
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MAX_QUERY_PAGE_ROWS } from '../lib/limits.js';
import { queryObject } from '../lib/soql/query-object.js';
import type { QueryProgress } from '../pipelines/bulk-query.js';
import { isClosedOutput, isTerminal, type CliIo } from './cli-io.js';
import { CONNECTION_HELP, CONNECTION_OPTIONS, openConnection } from './connection.js';
import { RUN_OPTIONS, RUN_OPTIONS_HELP, bulkApiFlag, choice, pollOptions, quietOf, wholeNumber } from './flags.js';
import { recordJob } from './job-journal.js';
import { ProgressLine, compact, count, duration, plural } from './progress-line.js';
import { SmoothedRate } from './smoothed-rate.js';
import { parseCommand } from './parse-command.js';
import { UsageError } from './usage-error.js';

export const QUERY_HELP = `Usage: bulkpipe query "<SOQL>" [options]

Runs a bulk query and writes every row to stdout (or -o FILE).

Options:
  --all                  queryAll: deleted and archived records too
  --pk-chunking[=SIZE]   split the query by record id into chunks of SIZE (default 100000, at most 250000)
  --format F             csv (default; values as text), ndjson or json (typed values, parents nested)
  -o, --output FILE      write to FILE instead of stdout (- is stdout)
  --object NAME          the object, when it cannot be read from the SOQL's FROM
  --concurrency N        result downloads at once, 1 to 64 (default 3)
  --bulk-api 1|2         the Bulk API: 1 (default) or 2.0 (results in pages, read in order; no --pk-chunking)
  --max-records N        Bulk API 2.0: pages of N rows (1 to 1000000), read one after another; without it,
                         the org's pages, --concurrency at once where the org lists them (else 50000 a page)
  --ignore-limits        query even when the org has no Bulk API 2.0 query job (or v1 batch) left
                         today: by default the query stops (exit 2) before its job
  --json                 print the summary as JSON (on stderr when the rows go to stdout)
${RUN_OPTIONS_HELP}

Examples:
  bulkpipe query "SELECT Id, Name FROM Account" > accounts.csv
  bulkpipe query "SELECT Id, Name FROM Account" | head -5
  bulkpipe query "SELECT Id, Email FROM Contact" --pk-chunking=50000 --format ndjson -o contacts.ndjson
  bulkpipe query "SELECT Id, Name FROM Account" --bulk-api 2 -o accounts.csv`;

/** `--pk-chunking` may come without a value (then the default chunk size), or with one, in either form. */
const PK_CHUNKING = { 'pk-chunking': { bare: 'default', takes: (word: string) => /^\d+$/.test(word) } };

/** The `bulkpipe query` flags, as the parser takes them (the README's reference table is checked against them: test/examples/readme-reference.test.ts). */
export const QUERY_OPTIONS = {
  ...CONNECTION_OPTIONS,
  all: { type: 'boolean' },
  'pk-chunking': { type: 'string' },
  format: { type: 'string' },
  output: { type: 'string', short: 'o' },
  object: { type: 'string' },
  concurrency: { type: 'string' },
  'bulk-api': { type: 'string' },
  'max-records': { type: 'string' },
  'ignore-limits': { type: 'boolean' },
  ...RUN_OPTIONS,
} as const;

export async function runQueryCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand('query', argv, QUERY_OPTIONS, PK_CHUNKING);
  if (values.help) {
    io.stdout.write(`${QUERY_HELP}\n\n${CONNECTION_HELP}\n`);
    return 0;
  }
  const [soql, ...extra] = positionals;
  if (!soql) throw new UsageError('query: missing the SOQL, e.g. bulkpipe query "SELECT Id FROM Account"');
  if (extra.length > 0) throw new UsageError(`query: unexpected argument ${JSON.stringify(extra[0])} (quote the SOQL)`);
  const object = values.object ?? queryObject(soql);
  const format = choice('format', values.format, ['csv', 'ndjson', 'json'] as const, 'csv');
  const pk = values['pk-chunking'];
  const pkChunking = pk === undefined ? undefined : pk === 'default' ? true : { chunkSize: wholeNumber('pk-chunking', pk, 100_000, 1, 250_000) };
  const concurrency = wholeNumber('concurrency', values.concurrency, 3, 1, 64);
  const bulkApi = bulkApiFlag(values['bulk-api']);
  if (bulkApi === 2 && pkChunking) throw new UsageError('query: --pk-chunking is for Bulk API 1 (a 2.0 query is paged by the org)');
  if (bulkApi === 1 && values['max-records'] !== undefined) throw new UsageError('query: --max-records is for --bulk-api 2');
  const maxRecords = values['max-records'] === undefined ? undefined : wholeNumber('max-records', values['max-records'], 0, 1, MAX_QUERY_PAGE_ROWS);
  const poll = pollOptions(values);

  const quiet = quietOf(values);
  const progress = new ProgressLine(io.stderr, !quiet && isTerminal(io.stderr));
  const rate = new SmoothedRate();
  // The query's pipeline is loaded only when it runs: `query --help` loads none of it (issue 28).
  const { bulkQuery } = await import('../pipelines/bulk-query.js');
  const conn = await openConnection({ ...values, quiet }, io.env, io.stderr, io.signal, true);
  const started = Date.now();
  let last: QueryProgress = { batchesTotal: 0, batchesDone: 0, rows: 0 };
  let jobId: string | undefined;
  const rows = bulkQuery({
    client: conn.client,
    soql,
    object,
    format,
    concurrency,
    bulkApi,
    ...(maxRecords !== undefined ? { maxRecords } : {}),
    all: values.all === true,
    ...(pkChunking ? { pkChunking } : {}),
    signal: io.signal,
    ...poll,
    ignoreLimits: values['ignore-limits'] === true,
    onNotice: (message) => {
      if (quiet) return;
      progress.clear();
      io.stderr.write(`bulkpipe: ${message}\n`);
    },
    onJob: (id) => {
      jobId = id;
      io.onJob?.(id);
      void recordJob(io.env, {
        id,
        org: conn.org,
        operation: values.all ? 'queryAll' : 'query',
        object,
        startedAt: new Date().toISOString(),
        ...(bulkApi === 2 ? { bulkApi } : {}),
      });
    },
    onProgress: (p) => {
      last = p;
      const perSecond = rate.sample(p.rows);
      progress.update(() => [
        plural(p.rows, 'row'),
        `${bulkApi === 2 ? 'pages' : 'batches'} ${p.batchesDone}/${p.batchesTotal} done`,
        perSecond !== undefined ? `${compact(perSecond)} rows/s` : '',
      ]);
    },
  });
  // `-o -` is stdout, as no -o is.
  const output = values.output === '-' ? undefined : values.output;
  const out: Writable = output ? createWriteStream(output) : io.stdout;
  try {
    await pipeline(rows, out, { end: output !== undefined });
  } catch (err) {
    if (!output && isClosedOutput(err)) {
      // `| head` has what it wanted: not an error. The stream's clean-up closes the job: wait for
      // it (not with events.once, which would throw the stream's own copy of the EPIPE).
      if (!rows.closed) await new Promise((resolve) => rows.once('close', resolve));
      return 0;
    }
    throw err;
  } finally {
    progress.clear();
    await conn.close();
  }
  // For a 2.0 query, `batches` counts its result pages.
  const summary = { object, jobId: jobId ?? null, bulkApi, rows: last.rows, batches: last.batchesDone, elapsedMs: Date.now() - started, output: output ?? null };
  if (values.json) (output ? io.stdout : io.stderr).write(`${JSON.stringify(summary)}\n`);
  if (!quiet) {
    const rate = count(summary.rows / Math.max(0.001, summary.elapsedMs / 1000));
    io.stderr.write(
      `bulkpipe: query ${object}: ${plural(summary.rows, 'row')} in ${duration(summary.elapsedMs / 1000)} (${rate} rows/s, ${bulkApi === 2 ? plural(summary.batches, 'page') : plural(summary.batches, 'batch', 'batches')})${jobId ? `; job ${jobId}` : ''}${output ? `; written to ${output}` : ''}\n`,
    );
  }
  return 0;
}
