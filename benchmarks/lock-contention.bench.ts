/**
 * Issue 26's demonstration: Contacts under a few Accounts, shuffled, loaded with 8 batches in flight
 * into a local org that models row locks (`bulkpipe server --lock-timeout MS --transaction-ms MS`).
 * The modes, each into a fresh org in a process of its own, the CLI under /usr/bin/time -v:
 *   - retries off (`--retry-records 0`): the records that lost a lock end in the errors;
 *   - the defaults (record-level retry, adaptive concurrency): every record succeeds, once;
 *   - the defaults with `--no-adaptive-concurrency`: what the lowered uploads in flight save;
 *   - `--group-by AccountId`: the lock failures before any retry fall.
 * Each run is then checked in the org: every Contact once (its unique LastName), as many as the
 * success file holds. Prints per mode: the lock failures of first attempts (from the outputs:
 * sf__Attempts above 1, or a lock error), all lock failures and records sent again (the summary), the
 * most attempts a record took, records in the errors, the lowest concurrency, wall and client CPU seconds.
 * Usage (compiled): npm run build:bench && node dist-bench/benchmarks/lock-contention.bench.js [contacts=50000] [accounts=20]
 * The org's settings come from BULKPIPE_LOCK_ARGS (default below), the batch size from BULKPIPE_BATCH_SIZE,
 * more load flags for every mode from BULKPIPE_LOAD_ARGS (e.g. `--bulk-api 2`).
 */
import { existsSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OrgProcess } from '../bin/org-process.js';
import { cpu, timed, withOrg, workspace, type Cost } from './_util/child-cost.js';
import { sessionOf } from './_util/org-session.js';
import { random } from './_util/random.js';
import { environment, fmt, table } from './_util/run.js';

const contacts = Number(process.argv[2] ?? 50_000);
const accounts = Number(process.argv[3] ?? 20);
if (!(contacts > 0) || !(accounts > 0)) throw new Error('usage: lock-contention.bench.js [contacts=50000] [accounts=20]');
const ORG_ARGS = (process.env.BULKPIPE_LOCK_ARGS ?? '--parallelism 8 --transaction-ms 50 --lock-timeout 200').split(/\s+/).filter(Boolean);
const BATCH_SIZE = process.env.BULKPIPE_BATCH_SIZE ?? '2000';
const LOAD_ARGS = (process.env.BULKPIPE_LOAD_ARGS ?? '').split(/\s+/).filter(Boolean);
const CLI = fileURLToPath(new URL('../bin/bulkpipe.js', import.meta.url));
if (!existsSync(CLI)) throw new Error('run the compiled benchmark: npm run build:bench && node dist-bench/benchmarks/lock-contention.bench.js');
const API = 'v62.0';

interface Mode {
  readonly name: string;
  readonly args: readonly string[];
}
const MODES: readonly Mode[] = [
  { name: 'retries off', args: ['--retry-records', '0'] },
  { name: 'defaults (retry, adaptive)', args: [] },
  { name: 'defaults, --no-adaptive-concurrency', args: ['--no-adaptive-concurrency'] },
  { name: '--group-by AccountId', args: ['--group-by', 'AccountId'] },
];

/** What the CLI's `--json` summary says about a run that this benchmark reads. */
interface Printed {
  readonly recordsSucceeded: number;
  readonly recordsFailed: number;
  readonly lockFailures: number;
  readonly recordsRetried: number;
  readonly lowestConcurrency: number;
}

type Row = Record<string, string>;
const csvRows = async (path: string): Promise<Row[]> => parse(await readFile(path, 'utf8'), { columns: true }) as Row[];

async function rest(
  org: OrgProcess,
  session: string,
  path: string,
  body?: unknown,
): Promise<{ id: string; records: Array<{ LastName: string }>; done: boolean; nextRecordsUrl: string }> {
  const res = await fetch(`${org.loginUrl}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${session}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
  return res.json() as Promise<{ id: string; records: Array<{ LastName: string }>; done: boolean; nextRecordsUrl: string }>;
}

/** The Accounts, then the shuffled Contacts CSV naming them (LastName unique per row). */
async function seed(org: OrgProcess, session: string, input: string): Promise<void> {
  const ids: string[] = [];
  for (let a = 0; a < accounts; a++) ids.push((await rest(org, session, `/services/data/${API}/sobjects/Account`, { Name: `Parent ${a}` })).id);
  const next = random(26);
  const lines = ['LastName,FirstName,AccountId'];
  for (let i = 1; i <= contacts; i++) lines.push(`C${i},F${i % 100},${ids[Math.floor(next() * accounts)]}`);
  await writeFile(input, `${lines.join('\n')}\n`);
}

/** Every Contact's LastName in the org, paged through the REST query. */
async function lastNames(org: OrgProcess, session: string): Promise<string[]> {
  const names: string[] = [];
  let page = await rest(org, session, `/services/data/${API}/query?q=${encodeURIComponent('SELECT LastName FROM Contact')}`);
  for (;;) {
    for (const r of page.records) names.push(r.LastName);
    if (page.done) return names;
    page = await rest(org, session, page.nextRecordsUrl);
  }
}

const { dir, out, input } = await workspace('bulkpipe-locks-');
try {
  const rows: Array<Array<string | number>> = [];
  for (const mode of MODES) {
    const [cost, printed, inOrg] = await withOrg(
      dir,
      mode.name.replace(/\W+/g, '-'),
      async (org) => {
        const session = await sessionOf(org);
        await seed(org, session, input);
        const args = [
          CLI,
          'load',
          'Contact',
          input,
          '--login-url',
          org.loginUrl,
          '--username',
          org.username,
          '--password',
          org.password,
          '--batch-size',
          BATCH_SIZE,
          '--concurrency',
          '8',
          '--success',
          join(out, 'ok.csv'),
          '--errors',
          join(out, 'err.csv'),
          '--json',
          '--quiet',
          ...mode.args,
        ];
        // Exit 3: some records failed (retries off), which this benchmark counts.
        const run: Cost = await timed(args, [0, 3]);
        const summary = JSON.parse(run.stdout.trim().split('\n').at(-1) as string) as Printed;
        return [run, summary, await lastNames(org, session)] as const;
      },
      ORG_ARGS,
    );
    const distinct = new Set(inOrg).size;
    const ok = await csvRows(join(out, 'ok.csv'));
    const errors = await csvRows(join(out, 'err.csv'));
    const attempts = (row: Row) => Number(row.sf__Attempts ?? 1);
    const locked = (row: Row) => (row.sf__Error ?? '').startsWith('UNABLE_TO_LOCK_ROW');
    const firstFailures = [...ok, ...errors].filter((row) => attempts(row) > 1 || locked(row)).length;
    const mostAttempts = Math.max(1, ...[...ok, ...errors].map(attempts));
    if (distinct !== inOrg.length) throw new Error(`${mode.name}: ${inOrg.length - distinct} Contacts in the org twice`);
    if (inOrg.length !== printed.recordsSucceeded || ok.length !== inOrg.length)
      throw new Error(`${mode.name}: the org holds ${inOrg.length} Contacts, the summary says ${printed.recordsSucceeded}, the success file ${ok.length}`);
    if (printed.recordsSucceeded + printed.recordsFailed !== contacts) throw new Error(`${mode.name}: ${printed.recordsSucceeded} + ${printed.recordsFailed} is not ${contacts}`);
    rows.push([
      mode.name,
      fmt(firstFailures),
      fmt(printed.lockFailures),
      fmt(printed.recordsRetried),
      fmt(mostAttempts),
      fmt(printed.recordsFailed),
      fmt(inOrg.length),
      fmt(printed.lowestConcurrency),
      fmt(cost.seconds, 1),
      fmt(cpu(cost), 2),
    ]);
    console.error(`${mode.name}: ${firstFailures} lock failures before any retry, ${printed.recordsFailed} in the errors, ${fmt(cost.seconds, 1)} s`);
    await rm(join(out, 'ok.csv'), { force: true });
    await rm(join(out, 'err.csv'), { force: true });
  }
  console.log(`# Lock contention: ${fmt(contacts)} Contacts under ${accounts} Accounts, shuffled, 8 batches in flight (${environment()})\n`);
  console.log(`org: bulkpipe server ${ORG_ARGS.join(' ')}; load --batch-size ${BATCH_SIZE} --concurrency 8 ${LOAD_ARGS.join(' ')}\n`);
  console.log(
    table(
      [
        'mode',
        'first attempts failed on a lock',
        'lock failures, all attempts',
        'records sent again',
        'most attempts',
        'in the errors',
        'in the org (each once)',
        'lowest concurrency',
        'wall s',
        'client CPU s',
      ],
      rows,
    ),
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
