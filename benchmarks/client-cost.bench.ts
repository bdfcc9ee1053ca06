/**
 * What a load costs the client, measured in one run on one machine. Each scenario inserts the same
 * narrow Account CSV (10 fields) into a fresh local org running in its own process (a WAL file), and
 * each client runs in a process of its own under /usr/bin/time -v (CPU seconds user + sys, peak RSS):
 * - the org's own insert rate: 10,000-record batches uploaded from memory by a bare BulkClient, from
 *   the job's creation to the last batch Completed (the physical limit of a load on this machine);
 * - bulkpipe's bulkLoad (library, no heap flags), with success and error files;
 * - jsforce 1.11, 10,000-record batches, 4 at once, results written beside the input lines: handed
 *   records (objects, as its documentation shows) and handed each batch's CSV text;
 * - the bulkpipe CLI, run as `node bulkpipe.js` (no heap cap);
 * - bulkLoad on a small and a large file, for the peak-RSS ratio.
 * Usage (compiled: the clients must not pay for a TypeScript loader):
 *   npm run build:bench && node dist-bench/benchmarks/client-cost.bench.js [records=500000] [small=100000] [large=2000000]
 * Before and after a change, in one run: BULKPIPE_BASELINE=<another checkout, built with build:bench>
 * adds its bulkLoad and its CLI, taking turns with this tree's (BULKPIPE_BASELINE_ROUNDS rounds each,
 * default 3; medians), and the ratios of this tree's client CPU to the baseline's.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { BulkClient } from '../lib/http/client.js';
import { csvBatch, generateRecords } from './_util/data.js';
import type { OrgProcess } from '../bin/org-process.js';
import { cpu, ratePrinted, timed, withOrg, type Cost } from './_util/child-cost.js';
import { environment, fmt, table } from './_util/run.js';

const records = Number(process.argv[2] ?? 500_000);
const small = Number(process.argv[3] ?? 100_000);
const large = Number(process.argv[4] ?? 2_000_000);
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const BULKPIPE_CLIENT = here('./_util/bulkpipe-client.js');
const JSFORCE_CLIENT = here('./_util/jsforce-client.js');
const CLI = here('../bin/bulkpipe.js');
if (!existsSync(BULKPIPE_CLIENT)) throw new Error('run the compiled benchmark: npm run build:bench && node dist-bench/benchmarks/client-cost.bench.js');
const BASELINE = process.env.BULKPIPE_BASELINE;
const baselineClient = BASELINE && join(BASELINE, 'dist-bench/benchmarks/_util/bulkpipe-client.js');
const baselineCli = BASELINE && join(BASELINE, 'dist-bench/bin/bulkpipe.js');
if (baselineClient && baselineCli && !(existsSync(baselineClient) && existsSync(baselineCli)))
  throw new Error(`BULKPIPE_BASELINE: build it first (cd ${BASELINE} && npm run build:bench)`);

/** The org's own rate: batches from memory, 4 uploads at a time, until every batch is Completed. */
async function orgRate(org: OrgProcess, total: number): Promise<number> {
  const client = await BulkClient.login({ loginUrl: org.loginUrl, username: org.username, password: org.password, apiVersion: '47.0' });
  try {
    const batches = Math.ceil(total / 10_000);
    const bodies = Array.from({ length: Math.min(batches, 8) }, (_, b) => Buffer.from(csvBatch(b * 10_000, 10_000)));
    const started = performance.now();
    const job = await client.createJob({ operation: 'insert', object: 'Account', contentType: 'CSV' });
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let b = next++; b < batches; b = next++) await client.addBatch(job.id, bodies[b % bodies.length] as Buffer);
      }),
    );
    await client.closeJob(job.id);
    for (;;) {
      const info = await client.getJob(job.id);
      if (info.numberBatchesCompleted + info.numberBatchesFailed === batches) {
        if (info.numberRecordsFailed !== 0 || info.numberBatchesFailed !== 0) throw new Error(`unexpected job state: ${JSON.stringify(info)}`);
        return (info.numberRecordsProcessed * 1000) / (performance.now() - started);
      }
      await sleep(50);
    }
  } finally {
    await client.close();
  }
}

const dir = await mkdtemp(join(tmpdir(), 'bulkpipe-cost-'));
const out = join(dir, 'out');
await mkdir(out);
const file = (n: number) => join(dir, `accounts-${n}.csv`);
const rows: Array<Array<string | number>> = [];
const row = (name: string, n: number, cost: Cost, rate: number) =>
  rows.push([name, fmt(n), fmt(cost.seconds, 1), fmt(rate), fmt(cost.user, 2), fmt(cost.sys, 2), fmt(cost.user + cost.sys, 2), fmt(cost.peakRssMb)]);

try {
  for (const n of new Set([records, small, large])) await generateRecords(file(n), 'csv', n);
  const login = (org: OrgProcess) => [org.loginUrl, org.username, org.password];
  const cliArgs = (cli: string, o: OrgProcess) => [
    cli,
    'load',
    'Account',
    file(records),
    '--login-url',
    o.loginUrl,
    '--username',
    o.username,
    '--password',
    o.password,
    '--success',
    join(out, 'cli.ok.csv'),
    '--errors',
    join(out, 'cli.err.csv'),
    '--json',
    '--quiet',
  ];

  // The org alone and bulkLoad take turns, three times: this machine's figures drift from run to run.
  const orgRates: number[] = [];
  const libraries: Cost[] = [];
  for (let round = 0; round < 3; round++) {
    orgRates.push(await withOrg(dir, `org-rate-${round}`, (o) => orgRate(o, records)));
    libraries.push(await withOrg(dir, `bulkpipe-${round}`, (o) => timed([BULKPIPE_CLIENT, ...login(o), file(records), out])));
  }
  const median = <T>(items: T[], key: (item: T) => number): T => [...items].sort((a, b) => key(a) - key(b))[Math.floor(items.length / 2)] as T;
  const org = median(orgRates, (r) => r);
  const library = median(libraries, ratePrinted);
  rows.push([`local org alone (batches from memory; median of ${orgRates.map((r) => fmt(r)).join(', ')})`, fmt(records), '', fmt(org), '', '', '', '']);
  row(`bulkpipe bulkLoad (library, no heap flags; median of ${libraries.map((c) => fmt(ratePrinted(c))).join(', ')} records/s)`, records, library, ratePrinted(library));
  const jsforceRecords = await withOrg(dir, 'jsforce-records', (o) => timed([JSFORCE_CLIENT, ...login(o), file(records), out, 'records']));
  row('jsforce 1.11, records', records, jsforceRecords, ratePrinted(jsforceRecords));
  const jsforceCsv = await withOrg(dir, 'jsforce-csv', (o) => timed([JSFORCE_CLIENT, ...login(o), file(records), out, 'csv']));
  row('jsforce 1.11, CSV text', records, jsforceCsv, ratePrinted(jsforceCsv));
  const cli = await withOrg(dir, 'cli', (o) => timed(cliArgs(CLI, o)));
  row('bulkpipe CLI (node bulkpipe.js, no heap cap)', records, cli, ratePrinted(cli));
  const smallRun = await withOrg(dir, 'small', (o) => timed([BULKPIPE_CLIENT, ...login(o), file(small), out]));
  row('bulkpipe bulkLoad, small input', small, smallRun, ratePrinted(smallRun));
  const largeRun = await withOrg(dir, 'large', (o) => timed([BULKPIPE_CLIENT, ...login(o), file(large), out]));
  row('bulkpipe bulkLoad, large input', large, largeRun, ratePrinted(largeRun));

  const compared: string[] = [];
  if (baselineClient && baselineCli) {
    // This tree and the baseline take turns, so that the machine's drift falls on both alike.
    const runs = { ours: [] as Cost[], theirs: [] as Cost[], oursCli: [] as Cost[], theirsCli: [] as Cost[] };
    const rounds = Number(process.env.BULKPIPE_BASELINE_ROUNDS ?? 3);
    for (let round = 0; round < rounds; round++) {
      runs.theirs.push(await withOrg(dir, `baseline-${round}`, (o) => timed([baselineClient, ...login(o), file(records), out])));
      runs.ours.push(await withOrg(dir, `ours-${round}`, (o) => timed([BULKPIPE_CLIENT, ...login(o), file(records), out])));
      runs.theirsCli.push(await withOrg(dir, `baseline-cli-${round}`, (o) => timed(cliArgs(baselineCli, o))));
      runs.oursCli.push(await withOrg(dir, `ours-cli-${round}`, (o) => timed(cliArgs(CLI, o))));
    }
    const each = (costs: Cost[]) => costs.map((c) => fmt(cpu(c), 2)).join(', ');
    for (const [name, costs] of [
      ['bulkLoad, this tree', runs.ours],
      [`bulkLoad, baseline ${BASELINE}`, runs.theirs],
      ['CLI, this tree', runs.oursCli],
      [`CLI, baseline ${BASELINE}`, runs.theirsCli],
    ] as const) {
      const mid = median(costs, cpu);
      row(`${name} (median CPU of ${each(costs)} s)`, records, mid, ratePrinted(mid));
    }
    compared.push(
      `client CPU, this tree / baseline: bulkLoad ${fmt(cpu(median(runs.ours, cpu)) / cpu(median(runs.theirs, cpu)), 3)}, CLI ${fmt(cpu(median(runs.oursCli, cpu)) / cpu(median(runs.theirsCli, cpu)), 3)}`,
    );
  }
  console.log(`# What a load costs the client (${environment()})\n`);
  console.log(table(['client', 'records', 'seconds', 'records/s', 'user s', 'sys s', 'CPU s', 'peak RSS MB'], rows));
  console.log('');
  console.log(`client CPU, bulkpipe / jsforce (records): ${fmt(cpu(library) / cpu(jsforceRecords), 3)}`);
  console.log(`client CPU, bulkpipe / jsforce (CSV text): ${fmt(cpu(library) / cpu(jsforceCsv), 3)}`);
  console.log(`records/s, bulkpipe / the org alone: ${fmt(ratePrinted(library) / org, 3)} (CLI: ${fmt(ratePrinted(cli) / org, 3)})`);
  for (const line of compared) console.log(line);
  console.log(
    `peak RSS, ${fmt(large)} / ${fmt(small)} records: ${fmt(largeRun.peakRssMb, 0)} / ${fmt(smallRun.peakRssMb, 0)} MB = ${fmt(largeRun.peakRssMb / smallRun.peakRssMb, 3)}`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
