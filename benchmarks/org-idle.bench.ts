/**
 * The org never idle (issue 28): a full load against the org's own rate, and where the org waits.
 * One generated Account CSV (10 fields; default 100 MB) goes into a fresh local org, a process of its
 * own (benchmarks/_util/traced-org.ts: `bulkpipe server`'s org that notes when each batch ran and
 * each request was answered), in these runs, taking turns (the order reversed every other round):
 * - `org v1`, `org v2`: the org's own rate, fed the same records pre-cut into 10,000-record batches
 *   by this process, as fast as it takes them (v1: 4 uploads at a time into one job, closed at the
 *   end; v2: jobs of one batch each, 4 at a time, each created, uploaded in one PUT and closed);
 * - `load v1`, `load v2`: `bulkpipe load --bulk-api 1|2` (bulkLoad, the CLI's defaults) under
 *   /usr/bin/time -v, of this build and, when BULKPIPE_BEFORE names another build's
 *   dist-bench folder, of that one too (`before load v1` ...); with BULKPIPE_BEFORE_ORG=1 as well, the
 *   `before` runs are served by that build's traced org, and `before org v1|v2` run its own rate (a
 *   change of the org itself, such as its 2.0 upload splitter, measured before and after in one run).
 * From the org's side: the run's time from its first request (the login) to its last answer (a
 * load's) or its last batch's end (a pre-cut run's: the org's own rate stops there), and in it the
 * org's idle time before its first batch ran (start), between batches (middle: no batch running),
 * and after its last batch (end: the client polls, fetches the results, closes), and how much of
 * that idle time an upload was streaming in (the org parsing it: a 2.0 job's batches run only once
 * its upload is whole and closed). Client CPU seconds
 * and wall time (process start to exit) of the loads beside. Figures are printed, never asserted.
 * Usage: npm run build:bench && [BULKPIPE_BEFORE=/tmp/loadrate-before/dist-bench] \
 *   node dist-bench/benchmarks/org-idle.bench.js [MB=100] [rounds=3] [runs=org v1,org v2,load v1,load v2,...]
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { OrgProcess } from '../bin/org-process.js';
import { BulkClient } from '../lib/http/client.js';
import { uploadBatches } from './_util/org-session.js';
import { cliLoadArgs, cpu, median, timed, workspace, type Cost, type PrintedLoad } from './_util/child-cost.js';
import { csvBatch, generate } from './_util/data.js';
import { environment, fmt, table } from './_util/run.js';
import type { OrgTrace } from './_util/traced-org.js';

const megabytes = Number(process.argv[2] ?? 100);
const rounds = Number(process.argv[3] ?? 3);
const BATCH = 10_000;
const JOB_RECORDS = 10_000;
const API = '62.0';
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const TRACED_ORG = here('./_util/traced-org.js');
const CLI = here('../bin/bulkpipe.js');
if (!existsSync(CLI) || !existsSync(TRACED_ORG)) throw new Error('run the compiled benchmark: npm run build:bench && node dist-bench/benchmarks/org-idle.bench.js');
const before = process.env.BULKPIPE_BEFORE;
const BEFORE_CLI = before ? join(before, 'bin/bulkpipe.js') : undefined;
if (BEFORE_CLI && !existsSync(BEFORE_CLI)) throw new Error(`BULKPIPE_BEFORE: no ${BEFORE_CLI} (npm run build:bench there)`);
const BEFORE_ORG = before && process.env.BULKPIPE_BEFORE_ORG ? join(before, 'benchmarks/_util/traced-org.js') : undefined;
if (BEFORE_ORG && !existsSync(BEFORE_ORG)) throw new Error(`BULKPIPE_BEFORE_ORG: no ${BEFORE_ORG}`);

/** A fresh traced org: its login, and its trace once stopped. */
async function startTracedOrg(db: string, tracePath: string, script = TRACED_ORG): Promise<{ org: OrgProcess; trace: () => Promise<OrgTrace> }> {
  const child = spawn(process.execPath, [script, db, tracePath], { stdio: ['ignore', 'pipe', 'inherit'] });
  const info = await new Promise<{ loginUrl: string; username: string; password: string }>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0] as string));
    });
    child.once('exit', (code) => reject(new Error(`traced org exited with ${code}`)));
  });
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  return {
    org: { ...info, pid: child.pid as number, stop },
    trace: async () => {
      await stop();
      return JSON.parse(await readFile(tracePath, 'utf8')) as OrgTrace;
    },
  };
}

/** The pre-cut batches, made once before any timing (the same records the generator writes). */
let bodies: Buffer[] = [];

/** v1 pre-cut: one job, 4 uploads at a time, closed, polled every 20 ms until every batch ended. */
async function orgV1(org: OrgProcess): Promise<number> {
  const client = await BulkClient.login({ loginUrl: org.loginUrl, username: org.username, password: org.password, apiVersion: API });
  try {
    const job = await client.createJob({ operation: 'insert', object: 'Account', contentType: 'CSV' });
    await uploadBatches(client, job.id, bodies);
    await client.closeJob(job.id);
    for (;;) {
      const info = await client.getJob(job.id);
      if (info.numberBatchesCompleted + info.numberBatchesFailed === bodies.length) {
        if (info.numberRecordsFailed !== 0 || info.numberBatchesFailed !== 0) throw new Error(`org v1: ${JSON.stringify(info)}`);
        return info.numberRecordsProcessed;
      }
      await sleep(20);
    }
  } finally {
    await client.close();
  }
}

/** v2 pre-cut: jobs of JOB_RECORDS records (one batch: the org starts on the first at once), 4 at a time created, uploaded (one PUT, one header) and closed; polled every 20 ms until all are JobComplete. */
async function orgV2(org: OrgProcess): Promise<number> {
  const client = await BulkClient.login({ loginUrl: org.loginUrl, username: org.username, password: org.password, apiVersion: API });
  const ingest = client.ingestJobs;
  try {
    const perJob = JOB_RECORDS / BATCH;
    const ids: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let first = (next += perJob) - perJob; first < bodies.length; first = (next += perJob) - perJob) {
          const job = await ingest.create({ object: 'Account', operation: 'insert', lineEnding: 'LF' });
          const parts = bodies.slice(first, first + perJob).map((body, i) => (i === 0 ? body : body.subarray(body.indexOf(10) + 1)));
          await ingest.upload(job.id, Buffer.concat(parts));
          await ingest.close(job.id);
          ids.push(job.id);
        }
      }),
    );
    let processed = 0;
    for (const id of ids) {
      for (;;) {
        const info = await ingest.get(id);
        if (info.state === 'JobComplete' && info.numberRecordsFailed === 0) {
          processed += info.numberRecordsProcessed;
          break;
        }
        if (info.state !== 'UploadComplete' && info.state !== 'InProgress') throw new Error(`org v2: ${JSON.stringify(info)}`);
        await sleep(20);
      }
    }
    return processed;
  } finally {
    await client.close();
  }
}

/** Where the org waited in one run, from its trace: seconds. */
interface Idle {
  readonly seconds: number;
  readonly start: number;
  readonly middle: number;
  readonly end: number;
  /** Batches at work at once, on average while any was. */
  readonly overlap: number;
  /** Of the idle time, the part while an upload (a v1 batch POST, a 2.0 PUT) streamed in: the org parsing what it is sent. */
  readonly receiving: number;
}

function idleOf(trace: OrgTrace, untilLastAnswer: boolean): Idle {
  const t0 = Math.min(...trace.requests.map((r) => r.startMs));
  const runs = [...trace.batches].sort((a, b) => a.startedMs - b.startedMs);
  if (runs.length === 0) throw new Error('no batch ran');
  const merged: Array<{ start: number; end: number }> = [];
  for (const run of runs) {
    const last = merged[merged.length - 1];
    if (last && run.startedMs <= last.end) last.end = Math.max(last.end, run.endedMs);
    else merged.push({ start: run.startedMs, end: run.endedMs });
  }
  const first = (merged[0] as { start: number }).start;
  const lastEnd = (merged[merged.length - 1] as { end: number }).end;
  const busy = merged.reduce((sum, m) => sum + m.end - m.start, 0);
  const t1 = untilLastAnswer ? Math.max(lastEnd, ...trace.requests.map((r) => r.endMs)) : lastEnd;
  const worked = runs.reduce((sum, r) => sum + r.endedMs - r.startedMs, 0);
  // Uploads merged the same way, then the part of them outside every batch run.
  const uploads: Array<{ start: number; end: number }> = [];
  for (const r of [...trace.requests].filter((q) => /^(PUT \S+\/batches|POST \S+\/batch) /.test(q.line)).sort((a, b) => a.startMs - b.startMs)) {
    const last = uploads[uploads.length - 1];
    if (last && r.startMs <= last.end) last.end = Math.max(last.end, r.endMs);
    else uploads.push({ start: r.startMs, end: r.endMs });
  }
  let receiving = 0;
  for (const u of uploads) {
    let covered = 0;
    for (const m of merged) covered += Math.max(0, Math.min(u.end, m.end) - Math.max(u.start, m.start));
    receiving += u.end - u.start - covered;
  }
  return {
    seconds: (t1 - t0) / 1000,
    start: (first - t0) / 1000,
    middle: (lastEnd - first - busy) / 1000,
    end: (t1 - lastEnd) / 1000,
    overlap: worked / busy,
    receiving: receiving / 1000,
  };
}

interface Run {
  readonly idle: Idle;
  readonly cost?: Cost;
}

const { dir, out, input } = await workspace('bulkpipe-org-idle-');
const results = new Map<string, Run[]>();
const rows: Array<Array<string | number>> = [];
try {
  const records = await generate(input, 'csv', megabytes * 2 ** 20);
  const bytes = (await stat(input)).size;
  bodies = Array.from({ length: Math.ceil(records / BATCH) }, (_, b) => Buffer.from(csvBatch(b * BATCH, Math.min(BATCH, records - b * BATCH))));
  const load = (cli: string, name: string, api: string) => async (org: OrgProcess) => timed(cliLoadArgs(cli, org, input, out, name, ['--bulk-api', api]));
  const all: Record<string, (org: OrgProcess) => Promise<number | Cost>> = {
    'org v1': orgV1,
    'org v2': orgV2,
    'load v1': load(CLI, 'v1', '1'),
    'load v2': load(CLI, 'v2', '2'),
    ...(BEFORE_CLI ? { 'before load v1': load(BEFORE_CLI, 'bv1', '1'), 'before load v2': load(BEFORE_CLI, 'bv2', '2') } : {}),
    ...(BEFORE_ORG ? { 'before org v1': orgV1, 'before org v2': orgV2 } : {}),
  };
  const chosen = process.argv[4]?.split(',') ?? Object.keys(all);
  const names = Object.keys(all).filter((name) => chosen.includes(name));
  for (let round = 0; round < rounds; round++) {
    for (const name of round % 2 === 0 ? names : [...names].reverse()) {
      const db = join(dir, `run-${round}.db`);
      const { org, trace } = await startTracedOrg(db, join(dir, 'trace.json'), BEFORE_ORG && name.startsWith('before ') ? BEFORE_ORG : TRACED_ORG);
      let outcome: number | Cost;
      try {
        outcome = await (all[name] as (org: OrgProcess) => Promise<number | Cost>)(org);
      } finally {
        await org.stop();
      }
      const cost = typeof outcome === 'number' ? undefined : outcome;
      const done = cost ? (JSON.parse(cost.stdout.trim().split('\n').at(-1) as string) as PrintedLoad) : undefined;
      if (cost ? done?.recordsSucceeded !== records || done.recordsFailed !== 0 : outcome !== records)
        throw new Error(`${name}: not every record loaded: ${cost?.stdout ?? outcome}`);
      const idle = idleOf(await trace(), cost !== undefined);
      for (const suffix of ['', '-wal', '-shm']) await rm(`${db}${suffix}`, { force: true });
      results.set(name, [...(results.get(name) ?? []), { idle, ...(cost ? { cost } : {}) }]);
      const rate = records / idle.seconds;
      rows.push([
        name,
        round + 1,
        fmt(idle.seconds, 2),
        fmt(rate),
        fmt(idle.start, 2),
        fmt(idle.middle, 2),
        fmt(idle.end, 2),
        fmt(idle.receiving, 2),
        fmt(idle.overlap, 2),
        cost ? fmt(cost.seconds, 2) : '',
        cost ? fmt(cpu(cost), 2) : '',
      ]);
      console.error(
        `round ${round + 1}, ${name}: ${fmt(rate)} records/s; org idle ${fmt(idle.start, 2)} s at the start, ${fmt(idle.middle, 2)} s in the middle, ${fmt(idle.end, 2)} s at the end`,
      );
    }
  }
  const of = (name: string, figure: (run: Run) => number) => median((results.get(name) ?? []).map(figure));
  const rate = (run: Run) => records / run.idle.seconds;
  for (const name of names)
    rows.push([
      `${name}, median`,
      '',
      fmt(
        of(name, (r) => r.idle.seconds),
        2,
      ),
      fmt(of(name, rate)),
      fmt(
        of(name, (r) => r.idle.start),
        2,
      ),
      fmt(
        of(name, (r) => r.idle.middle),
        2,
      ),
      fmt(
        of(name, (r) => r.idle.end),
        2,
      ),
      fmt(
        of(name, (r) => r.idle.receiving),
        2,
      ),
      fmt(
        of(name, (r) => r.idle.overlap),
        2,
      ),
      results.get(name)?.[0]?.cost
        ? fmt(
            of(name, (r) => r.cost?.seconds ?? NaN),
            2,
          )
        : '',
      results.get(name)?.[0]?.cost
        ? fmt(
            of(name, (r) => (r.cost ? cpu(r.cost) : NaN)),
            2,
          )
        : '',
    ]);
  console.log(`# The org never idle: a load against the org's own rate (${environment()})\n`);
  console.log(`${fmt(bytes / 1e6)} MB, ${fmt(records)} Account records, ${rounds} round(s)\n`);
  console.log(
    table(
      ['run', 'round', 'org-side s', 'records/s', 'org idle: start s', 'middle s', 'end s', 'of the idle: receiving uploads s', 'batches at once', 'client wall s', 'client CPU s'],
      rows,
    ),
  );
  console.log('');
  for (const api of ['v1', 'v2']) {
    const org = of(`org ${api}`, rate);
    for (const name of [`load ${api}`, `before load ${api}`])
      if (results.has(name) && results.has(`org ${api}`)) console.log(`${name} / org ${api} records/s (medians): ${fmt(of(name, rate) / org, 3)}`);
    if (results.has(`before load ${api}`) && results.has(`before org ${api}`))
      console.log(`before load ${api} / before org ${api} records/s (medians): ${fmt(of(`before load ${api}`, rate) / of(`before org ${api}`, rate), 3)}`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
