/**
 * `bulkpipe server`: runs the local org until SIGINT or SIGTERM. Prints one JSON line with
 * loginUrl, instanceUrl, username and password on stdout, then logs requests on stderr.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CliIo } from './cli-io.js';
import { COMMON_OPTIONS, wholeNumber } from './flags.js';
import { localOrgDb } from './home.js';
import { LIMIT_NAMES } from '../server/org/limit-names.js';
import { closest, parseCommand } from './parse-command.js';
import { UsageError } from './usage-error.js';

export const SERVER_HELP = `Usage: bulkpipe server [options]

Runs the local org: a Bulk API v1 server backed by SQLite that any Bulk API client can use.

Options:
  --port N                 port to listen on (default 8780; 0 for any free port)
  --host H                 address to listen on (default 127.0.0.1)
  --db FILE                SQLite file (default $BULKPIPE_HOME/org.db, ~/.bulkpipe/org.db); :memory: for none;
                           other processes may use it at once (one of them runs the batches)
  --schema FILE            custom objects and fields (JSON)
  --accept-unknown-objects accept any object and field as text
  --user NAME:PASSWORD     a user to log in as (default admin@bulkpipe.local:bulkpipe); repeat it
                           for more users (the first is the one printed; each sees only its jobs)
  --faults SPEC            fault injection, e.g. seed=7,latency=20-80,error5xx=0.1,drop=0.05,
                           dropAfterBody=0.05,sessionTtl=30,holdInProgress=500
  --query-page-rows N      Bulk API 2.0 query results: rows in a page when the client names no
                           maxRecords (default 50000)
  --limit NAME=N           a daily limit's Max in /limits, e.g. DailyBulkApiBatches=5; repeat it
                           for more. A spent limit is refused as Salesforce refuses it
  --parallelism N          batches processed at once (default 4, at most 64)
  --lock-timeout MS        how long a transaction (a chunk of 200 records) waits for a parent's
                           row lock before its rows fail UNABLE_TO_LOCK_ROW (default 10000, Salesforce's)
  --transaction-ms MS      how long each transaction holds its row locks before it commits (default
                           0): a real org's triggers and roll-ups take tens of ms, the local write
                           microseconds; set it to reproduce lock contention between batches
  -q, --quiet              do not log requests
  -h, --help               this help

Examples:
  bulkpipe server
  bulkpipe server --port 0 --db :memory: --user me@example.com:secret
  bulkpipe server --faults seed=1,error5xx=0.2
  bulkpipe server --limit DailyBulkApiBatches=5 --limit DailyApiRequests=200
  bulkpipe server --parallelism 8 --transaction-ms 50 --lock-timeout 200`;

/** The `bulkpipe server` flags, as the parser takes them (the README's reference table is checked against them: test/examples/readme-reference.test.ts). */
export const SERVER_OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  db: { type: 'string' },
  schema: { type: 'string' },
  'accept-unknown-objects': { type: 'boolean' },
  user: { type: 'string', multiple: true },
  faults: { type: 'string' },
  'query-page-rows': { type: 'string' },
  limit: { type: 'string', multiple: true },
  parallelism: { type: 'string' },
  'lock-timeout': { type: 'string' },
  'transaction-ms': { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
  ...COMMON_OPTIONS,
} as const;

export async function runServerCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand('server', args, SERVER_OPTIONS);
  if (values.help) {
    io.stdout.write(`${SERVER_HELP}\n`);
    return 0;
  }
  if (positionals.length) throw new UsageError(`server: unexpected argument ${JSON.stringify(positionals[0])}`);
  const users = (values.user ?? []).map((given) => {
    const [username, ...rest] = given.split(':');
    const password = rest.join(':');
    if (!username || !password) throw new UsageError(`--user expects NAME:PASSWORD, got ${JSON.stringify(given)}`);
    return { username, password };
  });
  const [first, ...more] = users;
  const limits = limitMaxima(values.limit ?? []);
  const db = values.db ?? localOrgDb(io.env);
  if (db !== ':memory:') mkdirSync(dirname(db), { recursive: true });
  // Loaded here, after the flags: `server --help` works without the local org's packages, and a missing one is said in one line.
  const { startServer } = await import('../server/index.js');
  const org = await startServer({
    port: wholeNumber('port', values.port, 8780, 0, 65_535),
    host: values.host ?? '127.0.0.1',
    db,
    ...(values.schema ? { schema: values.schema } : {}),
    acceptUnknownObjects: values['accept-unknown-objects'] ?? false,
    ...(first ? { username: first.username, password: first.password } : {}),
    ...(more.length ? { users: more } : {}),
    ...(values.faults ? { faults: values.faults } : {}),
    ...(values.limit ? { limits } : {}),
    ...(values['query-page-rows'] ? { queryPageRows: wholeNumber('query-page-rows', values['query-page-rows'], 50_000, 1, 100_000_000) } : {}),
    ...(values.parallelism ? { parallelism: wholeNumber('parallelism', values.parallelism, 4, 1, 64) } : {}),
    ...(values['lock-timeout'] ? { lockTimeoutMs: wholeNumber('lock-timeout', values['lock-timeout'], 10_000, 0, 3_600_000) } : {}),
    ...(values['transaction-ms'] ? { transactionMs: wholeNumber('transaction-ms', values['transaction-ms'], 0, 0, 600_000) } : {}),
    log: values.quiet ? () => undefined : (line) => io.stderr.write(`${new Date().toISOString()} ${line}\n`),
  });
  io.stdout.write(`${JSON.stringify({ loginUrl: org.loginUrl, instanceUrl: org.instanceUrl, username: org.username, password: org.password })}\n`);
  await new Promise<void>((resolve) => {
    if (io.signal.aborted) resolve();
    io.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  io.stderr.write('stopping: finishing the chunks in progress (unfinished batches resume at the next start, or in another process on the same file)\n');
  await org.close();
  return 0;
}

/** `--limit NAME=N`, each: a known limit (with a did-you-mean) and a whole number. */
function limitMaxima(given: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const one of given) {
    const [name = '', value, ...rest] = one.split('=');
    if (value === undefined || rest.length) throw new UsageError(`server: --limit expects NAME=N, got ${JSON.stringify(one)}`);
    if (!(LIMIT_NAMES as readonly string[]).includes(name)) {
      const guess = closest(name, LIMIT_NAMES);
      throw new UsageError(`server: --limit: unknown limit ${JSON.stringify(name)}${guess ? ` (did you mean ${guess}?)` : ''}; the org's limits: ${LIMIT_NAMES.join(', ')}`);
    }
    out[name] = wholeNumber(`limit ${name}`, value, 0, 0, Number.MAX_SAFE_INTEGER);
  }
  return out;
}
