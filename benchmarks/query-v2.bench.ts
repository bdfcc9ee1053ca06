/**
 * A Bulk API 2.0 query of N rows to a file, in one run on one machine: bulkpipe --bulk-api 2 (the
 * org's listed pages of 50,000 rows, 3 downloads at once; and the whole result in one page),
 * bulkpipe --bulk-api 1, and jsforce 3 `bulk2.query` piped to a file. jsforce 3 reads only one
 * result page correctly (jsforce #1740: every page, header and all, goes into one CSV parser), so
 * its org holds the whole result in one page (`--query-page-rows`). The rows are loaded once; each
 * scenario gets a copy of that org file, served by an org process of its own, and each client is a
 * process of its own under /usr/bin/time -v (CPU seconds user + sys, peak RSS). Records/s is the
 * client's wall time, from its start (login, job, the org's run of the query) to the file written.
 * Every output file is checked: N data rows.
 * Usage (compiled: the clients must not pay for a TypeScript loader):
 *   npm run build:bench && node dist-bench/benchmarks/query-v2.bench.js [rows=500000]
 */
import { createReadStream, existsSync } from 'node:fs';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startOrgProcess, type OrgProcess } from '../bin/org-process.js';
import { timed } from './_util/child-cost.js';
import { environment, fmt, table } from './_util/run.js';
import { loginArgs, seedOrgFile } from './_util/seed-accounts.js';

const total = Number(process.argv[2] ?? 500_000);
const TIME = '/usr/bin/time';
if (!existsSync(TIME)) throw new Error(`${TIME} is needed (GNU time, Debian package "time")`);
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const CLI = here('../bin/bulkpipe.js');
const JSFORCE3_CLIENT = here('./_util/jsforce3-query-client.js');
if (!existsSync(JSFORCE3_CLIENT)) throw new Error('run the compiled benchmark: npm run build:bench && node dist-bench/benchmarks/query-v2.bench.js');
const SOQL = 'SELECT Id, Name, AccountNumber, Site, Phone, BillingCity, NumberOfEmployees FROM Account';
/** A page that holds any result of this benchmark whole. */
const ONE_PAGE = String(Math.max(total, 1));

/** Lines of a file, streamed (the data has no quoted line breaks). */
async function lines(path: string): Promise<number> {
  let n = 0;
  for await (const chunk of createReadStream(path)) for (const byte of chunk as Buffer) if (byte === 10) n++;
  return n;
}

/** A scenario's own org: a copy of the seeded file, served by a process of its own, stopped afterwards. */
async function withOrg<T>(dir: string, name: string, pageRows: string, run: (org: OrgProcess) => Promise<T>): Promise<T> {
  const db = join(dir, `${name}.db`);
  await copyFile(join(dir, 'seed.db'), db);
  // A stop checkpoints the WAL into the file; a WAL left over is copied with it.
  if (existsSync(join(dir, 'seed.db-wal'))) await copyFile(join(dir, 'seed.db-wal'), `${db}-wal`);
  const org = await startOrgProcess(db, 0, 'ignore', ['--query-page-rows', pageRows]);
  try {
    return await run(org);
  } finally {
    await org.stop();
    for (const suffix of ['', '-wal', '-shm']) await rm(`${db}${suffix}`, { force: true });
  }
}

const dir = await mkdtemp(join(tmpdir(), 'bulkpipe-query-v2-'));
try {
  await seedOrgFile(join(dir, 'seed.db'), total);
  const login = loginArgs;
  const bulkpipe = (api: string) => (o: OrgProcess, out: string) => [CLI, 'query', SOQL, '--bulk-api', api, '-o', out, ...login(o), '--quiet'];
  const scenarios: Array<{ name: string; pageRows: string; args: (o: OrgProcess, out: string) => string[] }> = [
    { name: 'bulkpipe --bulk-api 2 (pages of 50,000, 3 at once)', pageRows: '50000', args: bulkpipe('2') },
    { name: `bulkpipe --bulk-api 2 (one page of ${fmt(total)})`, pageRows: ONE_PAGE, args: bulkpipe('2') },
    { name: 'bulkpipe --bulk-api 1', pageRows: '50000', args: bulkpipe('1') },
    { name: `jsforce 3 bulk2.query (one page of ${fmt(total)})`, pageRows: ONE_PAGE, args: (o, out) => [JSFORCE3_CLIENT, o.loginUrl, o.username, o.password, SOQL, out] },
  ];
  const rows: Array<Array<string | number>> = [];
  for (const [i, scenario] of scenarios.entries()) {
    const out = join(dir, `out-${i}.csv`);
    const cost = await withOrg(dir, `org-${i}`, scenario.pageRows, (o) => timed(scenario.args(o, out)));
    const written = (await lines(out)) - 1;
    if (written !== total) throw new Error(`${scenario.name}: ${written} rows written, ${total} expected`);
    await rm(out, { force: true });
    rows.push([scenario.name, fmt(total), fmt(cost.seconds, 1), fmt(total / cost.seconds), fmt(cost.user, 2), fmt(cost.sys, 2), fmt(cost.user + cost.sys, 2), fmt(cost.peakRssMb)]);
    console.error(`${scenario.name}: done`);
  }
  console.log(`${environment()}\n`);
  console.log(table(['client', 'rows', 'wall s', 'records/s', 'user s', 'sys s', 'client CPU s', 'peak RSS MB'], rows));
} finally {
  await rm(dir, { recursive: true, force: true });
}
