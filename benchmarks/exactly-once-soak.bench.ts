/**
 * Exactly-once soak (issue 22): each round loads a CSV with the built CLI (`bulkpipe load`) into a
 * `bulkpipe server` child process on 127.0.0.1 and mixes the faults that end loads in practice:
 * one Ctrl-C (SIGINT), Ctrl-C twice, SIGTERM and SIGKILL of the client at random points, two
 * `load --resume` at once, the ledger cut at a random byte and a spool file cut or deleted (a crash
 * or a copy), the org killed (SIGKILL) and started again on the same port and file, and, as root
 * where `mount` works, a small tmpfs for BULKPIPE_HOME, TMPDIR and the outputs that fills up (then
 * space is freed). Then `load --resume` until the load completes (bounded; a resume that refuses
 * ends the round, recorded). Then the round is counted from the files and the org, never from the
 * CLI's summary: each input row must be in exactly one of the success and error files (by Name, with
 * its values intact) and the org must hold exactly the success rows, each once.
 *
 * Per round it prints the faults injected, the exit codes, the input, success, error and org counts,
 * and: lost (input rows in no output, plus org records no success row accounts for), duplicated
 * (rows past the first in the outputs and in the org), stray (rows naming no input row), phantom
 * (success rows the org does not hold), altered (rows whose values differ from the input's). Exit
 * code 1 when any of these is not 0. The same seed draws the same faults at the same points.
 *
 * Usage: npm run build && node --import tsx benchmarks/exactly-once-soak.bench.ts [rounds=20] [rows=20000] [seed=random]
 * Environment: SOAK_FAULTS=int1,int2,term,kill,race,ledger,spool,org,disk (the kinds drawn from),
 * SOAK_RUNS (most CLI runs a round, default 8), SOAK_RUN_SECONDS (a run that takes longer is
 * killed and noted, default 300), SOAK_MINUTES (no new round after this, default 180), SOAK_KEEP=1
 * (keep each round's folder: input, outputs, BULKPIPE_HOME and the org's file, to check by hand).
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, readFile, rm, stat, truncate, unlink } from 'node:fs/promises';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { BulkClient } from '../lib/http/client.js';
import { bulkQuery, type QueryRecord } from '../pipelines/bulk-query.js';
import { startOrgProcess, type OrgProcess } from '../bin/org-process.js';
import { sessionOf } from './_util/org-session.js';
import { random } from './_util/random.js';
import { environment, fmt } from './_util/run.js';
import { RowTally, compare, tallyOutput, writeInput, type InputShape, type RoundCounts } from './_util/exactly-once-rows.js';

const args = process.argv.slice(2);
const rounds = Number(args[0] ?? 20);
const rows = Number(args[1] ?? 20_000);
const seed = Number(args[2] ?? Math.floor(Math.random() * 1e9));
const MAX_RUNS = Number(process.env.SOAK_RUNS ?? 8);
const RUN_MS = Number(process.env.SOAK_RUN_SECONDS ?? 300) * 1000;
const KEEP = process.env.SOAK_KEEP === '1';
const DEADLINE = Date.now() + Number(process.env.SOAK_MINUTES ?? 180) * 60_000;

const STOPS = ['int1', 'int2', 'term', 'kill'] as const;
const KINDS = [...STOPS, 'race', 'ledger', 'spool', 'org', 'disk'] as const;
type Stop = (typeof STOPS)[number];
type Kind = (typeof KINDS)[number];
const allowed = (process.env.SOAK_FAULTS?.split(',') ?? KINDS).filter((k): k is Kind => (KINDS as readonly string[]).includes(k));
if (allowed.length === 0) throw new Error(`SOAK_FAULTS names none of ${KINDS.join(', ')}`);

// The built CLI, as users run it.
const CLI = fileURLToPath(new URL(import.meta.url.includes('/dist-bench/') ? '../../dist/bin/bulkpipe.js' : '../dist/bin/bulkpipe.js', import.meta.url));

/**
 * When a fault strikes a run: once the ledger holds `at` (a fraction) of the segments still to come
 * (`segment`: cut from the input, while it is read; `joined`: in the outputs, while results are
 * written), and `delayMs` later.
 */
interface Trigger {
  readonly event: 'segment' | 'joined';
  readonly at: number;
  readonly delayMs: number;
}

/** A round's faults, all drawn before it starts (so that a seed repeats them). */
interface Plan {
  readonly kinds: readonly Kind[];
  /** Client stops, one per run, in order. */
  readonly stops: ReadonlyArray<{ readonly kind: Stop; readonly when: Trigger; readonly secondAfterMs: number }>;
  readonly org: { readonly when: Trigger; readonly downMs: number } | undefined;
  readonly ledgerCut: number | undefined;
  readonly spool: { readonly pick: number; readonly cut: number | 'delete' } | undefined;
  readonly race: boolean;
  /** The free space the full disk leaves, as a fraction of the input's size. */
  readonly diskFree: number | undefined;
  readonly shape: Omit<InputShape, 'rows'>;
  readonly batchSize: number;
}

function drawPlan(round: number): Plan {
  const rand = random(seed * 7919 + round);
  const trigger = (): Trigger => ({ event: rand() < 0.6 ? 'segment' : 'joined', at: rand(), delayMs: Math.floor(rand() * 400) });
  const pool = [...allowed];
  const kinds: Kind[] = [];
  for (let n = 1 + Math.floor(rand() * Math.min(3, pool.length)); n > 0; n--) kinds.push(...pool.splice(Math.floor(rand() * pool.length), 1));
  let stops = kinds.filter((k): k is Stop => (STOPS as readonly string[]).includes(k));
  // A damaged ledger or spool, and a race of resumes, need a load that stopped with its ledger kept.
  const usable = STOPS.filter((s) => allowed.includes(s));
  if (stops.length === 0 && kinds.some((k) => k === 'race' || k === 'ledger' || k === 'spool')) {
    const stop = usable.length ? (usable[Math.floor(rand() * usable.length)] as Stop) : 'kill';
    stops = [stop];
    kinds.unshift(stop);
  }
  // A stop may come again on the resume (issue 22 stopped one load three times).
  stops = stops.flatMap((kind) => (rand() < 0.4 ? [kind, kind] : [kind]));
  return {
    kinds,
    stops: stops.map((kind) => ({ kind, when: trigger(), secondAfterMs: Math.floor(rand() * 300) })),
    org: kinds.includes('org') ? { when: trigger(), downMs: 300 + Math.floor(rand() * 2700) } : undefined,
    ledgerCut: kinds.includes('ledger') ? rand() : undefined,
    spool: kinds.includes('spool') ? { pick: rand(), cut: rand() < 0.5 ? 'delete' : rand() } : undefined,
    race: kinds.includes('race'),
    diskFree: kinds.includes('disk') ? 0.05 + rand() * 0.85 : undefined,
    shape: { prefix: `EO${seed.toString(36)}r${round}x`, eol: rand() < 0.5 ? '\r\n' : '\n', bom: rand() < 0.4 },
    batchSize: [100, 250, 500, 1000][Math.floor(rand() * 4)] as number,
  };
}

/** What to end if the soak itself is stopped: the CLI runs, the round's org, the tmpfs mounts. */
const live = new Set<ChildProcess>();
const mounts = new Set<string>();
let liveOrg: OrgProcess | undefined;
let liveDir: string | undefined;
const tracked = (org: OrgProcess) => (liveOrg = org);

interface CliRun {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  stderr: string;
  done: boolean;
  /** Whether the load's run folder was seen while the run went: gone after that, the load had finished. */
  ledgerSeen: boolean;
}

function startCli(argv: readonly string[], cwd: string, env: NodeJS.ProcessEnv, home: string): CliRun {
  const child = spawn(process.execPath, [CLI, ...argv], { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
  live.add(child);
  const run: CliRun = {
    child,
    stderr: '',
    done: false,
    ledgerSeen: false,
    exited: new Promise((resolve) =>
      child.on('close', (code, signal) => {
        live.delete(child);
        run.done = true;
        resolve(code ?? (signal ? 128 + constants.signals[signal] : null));
      }),
    ),
  };
  child.stderr?.on('data', (c: Buffer) => (run.stderr += c.toString()));
  // A run that never ends is killed and said: the soak is bounded.
  const timer = setTimeout(() => {
    run.stderr += `\n[soak: killed after ${RUN_MS / 1000} s]`;
    child.kill('SIGKILL');
  }, RUN_MS);
  const watch = setInterval(() => void runFolder(home).then((folder) => (run.ledgerSeen ||= folder !== undefined)), 25);
  void run.exited.then(() => {
    clearTimeout(timer);
    clearInterval(watch);
  });
  return run;
}

const lastLine = (text: string) =>
  text
    .trim()
    .split('\n')
    .filter((l) => !/^bulkpipe: (insert|ctrl-c|sigterm)/i.test(l))
    .at(-1) ?? '';

/** The load's run folder (the newest), if one is left. */
async function runFolder(home: string): Promise<string | undefined> {
  const names = (await readdir(join(home, 'runs')).catch(() => [] as string[])).sort();
  const name = names.at(-1);
  return name === undefined ? undefined : join(home, 'runs', name);
}

/** How many `event` lines the load's ledger holds. */
async function recorded(home: string, event: Trigger['event']): Promise<number> {
  const folder = await runFolder(home);
  if (!folder) return 0;
  const text = await readFile(join(folder, 'ledger.ndjson'), 'utf8').catch(() => '');
  return text.split(`"type":"${event}"`).length - 1;
}

/** Where a fault struck, e.g. `segment 12/40`. */
const point = async (home: string, when: Trigger, segments: number) => `${when.event} ${await recorded(home, when.event)}/${segments}`;

/** Waits for the trigger's point in the run (or the run's end: then false). */
async function reached(run: CliRun, home: string, when: Trigger, segments: number): Promise<boolean> {
  const start = await recorded(home, when.event);
  const target = start + Math.floor(when.at * Math.max(0, segments - start));
  // A point before the next segment is a time within the run's first second (before the job, or between two batches).
  if (target === start) await sleep(Math.floor(when.at * Math.max(1, segments - start) * 1000));
  while (!run.done && (await recorded(home, when.event)) < target) await sleep(25);
  await sleep(when.delayMs);
  return !run.done;
}

/** Sends the stop; returns its label, or undefined when the run ended first. */
async function stopClient(run: CliRun, stop: Plan['stops'][number], home: string, segments: number): Promise<string | undefined> {
  if (!(await reached(run, home, stop.when, segments))) return undefined;
  // A stop that lands while a finished load's process exits is said, not taken for the fault.
  const late = run.ledgerSeen && (await runFolder(home)) === undefined;
  const at = late ? `${stop.kind}(late: the load had finished)` : `${stop.kind}(${await point(home, stop.when, segments)})`;
  if (stop.kind === 'kill') run.child.kill('SIGKILL');
  else if (stop.kind === 'term') run.child.kill('SIGTERM');
  else {
    run.child.kill('SIGINT');
    if (stop.kind === 'int2') {
      // The second Ctrl-C of a user who sees the first one acknowledged.
      const seen = Date.now() + 5000;
      while (!run.done && !run.stderr.includes('stopping') && Date.now() < seen) await sleep(10);
      await sleep(stop.secondAfterMs);
      if (run.done) return `${at.slice(0, -1)}, only the first reached it)`;
      run.child.kill('SIGINT');
    }
  }
  return at;
}

interface RoundResult extends RoundCounts {
  readonly round: number;
  readonly faults: string[];
  readonly exits: string[];
  readonly notes: string[];
  readonly kinds: readonly Kind[];
  readonly seconds: number;
}

/** The system's mount tools (util-linux), for the full-disk fault. */
const TMPFS_TOOLS = { mount: 'mount', umount: 'umount' } as const;
const tmpfs = (tool: keyof typeof TMPFS_TOOLS, argv: readonly string[]) => promisify(execFile)(TMPFS_TOOLS[tool], argv);

async function canMount(): Promise<boolean> {
  if (process.getuid?.() !== 0) return false;
  const probe = await mkdtemp(join(tmpdir(), 'bulkpipe-eo-mount-'));
  try {
    await tmpfs('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe]);
    await tmpfs('umount', [probe]);
    return true;
  } catch {
    return false;
  } finally {
    await rm(probe, { recursive: true, force: true });
  }
}

async function soakRound(round: number, plan: Plan, mountable: boolean): Promise<RoundResult> {
  const started = Date.now();
  const dir = await mkdtemp(join(tmpdir(), 'bulkpipe-eo-soak-'));
  liveDir = dir;
  const shape: InputShape = { ...plan.shape, rows };
  const faults: string[] = [];
  const exits: string[] = [];
  const notes: string[] = [];
  const disk = plan.diskFree !== undefined && mountable;
  const work = join(dir, disk ? 'disk' : 'work');
  let org: OrgProcess | undefined;
  try {
    const input = join(dir, 'in.csv');
    const inputBytes = await writeInput(input, shape);
    const segments = Math.ceil(rows / plan.batchSize);
    await mkdir(work);
    let filler: string | undefined;
    if (disk) {
      // Room for a little of the load beside a filler: the disk fills during the first run.
      const size = Math.ceil((inputBytes * 4 + 8 * 2 ** 20) / 4096) * 4096;
      await tmpfs('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', work]);
      mounts.add(work);
      filler = join(work, 'filler');
      await fill(filler, size - Math.floor(inputBytes * (plan.diskFree ?? 0)) - 64 * 1024);
    } else if (plan.diskFree !== undefined) notes.push('disk: skipped (needs root and mount)');
    const home = join(work, 'home');
    await mkdir(join(work, 'tmp'));
    const db = join(dir, 'org.db');
    org = tracked(await startOrgProcess(db, 0, 'ignore'));
    const port = Number(new URL(org.loginUrl).port);
    const session = await sessionOf(org);
    const connection = ['--instance-url', org.loginUrl, '--access-token', session, '--poll-interval', '100', '-y'];
    const first = ['load', 'Account', input, '--batch-size', String(plan.batchSize), '--success', 'ok.csv', '--errors', 'bad.csv', ...connection];
    const resume = ['load', '--resume', ...connection];
    const env = { PATH: process.env.PATH ?? '', BULKPIPE_HOME: home, TMPDIR: join(work, 'tmp') };

    let orgFault = plan.org;
    let atRest = plan.ledgerCut !== undefined || plan.spool !== undefined;
    let raceLeft = plan.race;
    let stopIndex = 0;
    let next: 'load' | 'resume' = 'load';
    let lastFailure = '';
    let sameFailures = 0;
    for (let n = 1; ; n++) {
      if (n > MAX_RUNS) {
        notes.push(`gave up after ${MAX_RUNS} runs`);
        break;
      }
      // Two resumes race for a ledger that is there (with none, both refuse: no race).
      const racing = next === 'resume' && raceLeft && (await runFolder(home)) !== undefined;
      const runs = racing ? [startCli(resume, work, env, home), startCli(resume, work, env, home)] : [startCli(next === 'load' ? first : resume, work, env, home)];
      const [run] = runs as [CliRun];
      if (racing) {
        raceLeft = false;
        faults.push('race');
      }
      const stop = racing ? undefined : plan.stops[stopIndex];
      const chaos: Promise<void>[] = [];
      if (stop) {
        stopIndex++;
        chaos.push(
          stopClient(run, stop, home, segments).then((label) => {
            faults.push(label ?? `${stop.kind}(missed: the run ended first)`);
          }),
        );
      }
      if (orgFault) {
        const { when, downMs } = orgFault;
        chaos.push(
          (async () => {
            if (!(await reached(run, home, when, segments)) || (run.ledgerSeen && (await runFolder(home)) === undefined)) return;
            orgFault = undefined;
            faults.push(`org(${await point(home, when, segments)}, down ${fmt(downMs / 1000, 1)} s)`);
            await org?.stop('SIGKILL');
            await sleep(downMs);
            org = tracked(await restartOrg(db, port));
          })(),
        );
      }
      const codes = await Promise.all(runs.map((r) => r.exited));
      await Promise.all(chaos);
      exits.push(codes.join('|'));
      const label = next === 'load' ? 'load' : racing ? 'racing resumes' : 'resume';
      for (const [i, r] of runs.entries()) {
        const code = codes[i];
        const refused = !racing && next === 'resume' && code === 2;
        if (code !== 0 && code !== 3 && code !== 130 && code !== 137 && !refused) notes.push(`run ${n} (${label}) exited ${code}: ${lastLine(r.stderr)}`);
      }
      if (filler) {
        const full = runs.some((r) => /ENOSPC|no space/i.test(r.stderr));
        faults.push(full ? 'disk(full)' : 'disk(never full)');
        await rm(filler, { force: true });
        filler = undefined;
      }
      const folder = await runFolder(home);
      if (atRest && folder) {
        atRest = false;
        if (plan.ledgerCut !== undefined) faults.push(await cutLedger(folder, plan.ledgerCut));
        if (plan.spool) faults.push(await damageSpool(folder, plan.spool));
      }
      if (codes.some((c) => c === 0 || c === 3)) break;
      if (!racing && next === 'resume' && codes[0] === 2) {
        notes.push(`run ${n}: resume refused: ${lastLine(run.stderr)}`);
        break;
      }
      const failure = lastLine(run.stderr);
      sameFailures = codes[0] === 1 && failure === lastFailure ? sameFailures + 1 : 0;
      lastFailure = failure;
      if (sameFailures >= 2) {
        notes.push(`run ${n}: the same failure three times in a row, not retried`);
        break;
      }
      // No ledger left and no job in the org: nothing of the load reached it, so it starts again as a user would.
      next = folder || (await orgHasJobs(org, session)) ? 'resume' : 'load';
    }
    if (atRest) faults.push(`${[plan.ledgerCut !== undefined ? 'ledger' : '', plan.spool ? 'spool' : ''].filter(Boolean).join('+')}(missed: no ledger left)`);
    if (orgFault) faults.push('org(missed: the load ended first)');
    if (raceLeft) faults.push('race(missed: no ledger left to resume)');
    const counts = await count(org, session, shape, work);
    return { round, faults, exits, notes, kinds: plan.kinds, seconds: (Date.now() - started) / 1000, ...counts };
  } finally {
    for (const child of live) child.kill('SIGKILL');
    await org?.stop('SIGKILL');
    if (KEEP && mounts.has(work)) await promisify(execFile)('cp', ['-a', work, `${work}-kept`]).catch(() => undefined);
    if (mounts.has(work)) {
      await tmpfs('umount', [work]).catch((err: Error) => process.stderr.write(`soak: umount ${work}: ${err.message}\n`));
      mounts.delete(work);
    }
    if (KEEP) console.log(`  round ${round} kept in ${dir} (org file org.db, outputs and BULKPIPE_HOME in ${disk ? 'disk-kept' : 'work'})`);
    else await rm(dir, { recursive: true, force: true });
  }
}

/** Takes `bytes` of the tmpfs (it holds what is written, so a filler is written, not sparse). */
async function fill(path: string, bytes: number): Promise<void> {
  const file = await open(path, 'w');
  try {
    const chunk = Buffer.alloc(1 << 20, 1);
    for (let left = bytes; left > 0; left -= chunk.length) await file.write(chunk, 0, Math.min(chunk.length, left));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    await file.close();
  }
}

async function cutLedger(folder: string, at: number): Promise<string> {
  const path = join(folder, 'ledger.ndjson');
  const size = (await stat(path).catch(() => undefined))?.size;
  if (size === undefined) return 'ledger(missed: no ledger file)';
  const cut = Math.floor(at * size);
  await truncate(path, cut);
  return `ledger(cut at ${fmt(cut)} of ${fmt(size)} B)`;
}

async function damageSpool(folder: string, spool: NonNullable<Plan['spool']>): Promise<string> {
  const dir = join(folder, 'spool');
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.startsWith('segment-')).sort();
  const file = files[Math.floor(spool.pick * files.length)];
  if (!file) return 'spool(missed: no spool file)';
  const path = join(dir, file);
  if (spool.cut === 'delete') {
    await unlink(path);
    return `spool(${file} deleted)`;
  }
  const size = (await stat(path)).size;
  const cut = Math.floor(spool.cut * size);
  await truncate(path, cut);
  return `spool(${file} cut at ${fmt(cut)} of ${fmt(size)} B)`;
}

/** The same port and file: what a client sees as the org coming back. Another process may hold the port a moment. */
async function restartOrg(db: string, port: number): Promise<OrgProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOrgProcess(db, port, 'ignore');
    } catch (err) {
      if (attempt >= 20) throw err;
      await sleep(250);
    }
  }
}

/** The org's Bulk API jobs (REST job list): the round's org serves this load alone. */
async function orgJobs(org: OrgProcess | undefined, session: string): Promise<string[]> {
  if (!org) return [];
  const ids: string[] = [];
  let next: string | null = '/services/data/v62.0/jobs/ingest';
  while (next) {
    const res = await fetch(new URL(next, org.loginUrl), { headers: { authorization: `Bearer ${session}` } });
    const page = (await res.json()) as { records: Array<{ id: string; operation: string }>; nextRecordsUrl: string | null };
    ids.push(...page.records.filter((r) => r.operation !== 'query').map((r) => r.id));
    next = page.nextRecordsUrl;
  }
  return ids;
}

const orgHasJobs = async (org: OrgProcess | undefined, session: string) => (await orgJobs(org, session)).length > 0;

/** Counts the outputs and, once the org has processed every batch it holds, the org's records. */
async function count(org: OrgProcess | undefined, session: string, shape: InputShape, work: string): Promise<RoundCounts> {
  if (!org) throw new Error('no org to count');
  const client = await BulkClient.login({ loginUrl: org.loginUrl, username: org.username, password: org.password });
  try {
    const deadline = Date.now() + 120_000;
    for (const job of await orgJobs(org, session)) {
      while ((await client.listBatches(job)).some((b) => b.state === 'Queued' || b.state === 'InProgress')) {
        if (Date.now() > deadline) throw new Error(`the org never finished the batches of job ${job}`);
        await sleep(100);
      }
    }
    const inOrg = new RowTally(shape);
    const records = bulkQuery({ client, soql: `SELECT Name FROM Account WHERE Name LIKE '${shape.prefix}%'`, format: 'records', minPollIntervalMs: 50, maxPollIntervalMs: 500 });
    for await (const record of records as AsyncIterable<QueryRecord>) inOrg.add(record.Name);
    const success = await tallyOutput(join(work, 'ok.csv'), shape);
    const errors = await tallyOutput(join(work, 'bad.csv'), shape);
    return compare(shape, success, errors, inOrg);
  } finally {
    await client.close();
  }
}

function stopSoak(): void {
  for (const child of live) child.kill('SIGKILL');
  void liveOrg?.stop('SIGKILL'); // the signal is sent at once, before exit
  for (const mount of mounts) {
    try {
      execFileSync(TMPFS_TOOLS.umount, ['-l', mount], { stdio: 'ignore' });
    } catch {
      process.stderr.write(`soak: could not unmount ${mount}\n`);
    }
  }
  if (liveDir && !KEEP) rmSync(liveDir, { recursive: true, force: true });
  process.exit(130);
}
process.once('SIGINT', stopSoak);
process.once('SIGTERM', stopSoak);

const mountable = allowed.includes('disk') && (await canMount());
console.log(`exactly-once soak: ${rounds} rounds of ${fmt(rows)} rows, faults drawn from ${allowed.join(',')}, at most ${MAX_RUNS} runs a round, seed ${seed}; ${environment()}`);
if (allowed.includes('disk') && !mountable) console.log('notice: the full-disk fault is skipped: it needs root and a working `mount -t tmpfs`');
const results: RoundResult[] = [];
let uncounted = 0;
for (let round = 1; round <= rounds; round++) {
  if (Date.now() > DEADLINE) {
    console.log(`stopped before round ${round}: SOAK_MINUTES reached`);
    break;
  }
  let r: RoundResult;
  try {
    r = await soakRound(round, drawPlan(round), mountable);
  } catch (err) {
    // A round the harness could not finish proves nothing either way: said, and the soak fails.
    uncounted++;
    console.log(`round ${round}: not counted: the harness failed: ${(err as Error).message}`);
    continue;
  }
  results.push(r);
  console.log(
    `round ${round}: faults ${r.faults.join(' ') || 'none'}; exits ${r.exits.join(',')}; input ${fmt(r.input)}, success ${fmt(r.success)}, error ${fmt(r.errors)}, org ${fmt(r.org)}; ` +
      `lost ${r.lost}, duplicated ${r.duplicated}, stray ${r.stray}, phantom ${r.phantom}, altered ${r.altered}; good rows in errors ${r.goodInErrors}; ${fmt(r.seconds, 1)} s`,
  );
  for (const note of r.notes) console.log(`  ${note}`);
}

const sum = (key: keyof RoundCounts) => results.reduce((total, r) => total + r[key], 0);
const broken = (r: RoundResult) => r.lost + r.duplicated + r.stray + r.phantom + r.altered > 0;
console.log(
  `\ntotal: ${results.length} rounds, input ${fmt(sum('input'))}, lost ${fmt(sum('lost'))}, duplicated ${fmt(sum('duplicated'))}, stray ${fmt(sum('stray'))}, phantom ${fmt(sum('phantom'))}, altered ${fmt(sum('altered'))}; ${results.filter(broken).length} rounds not exact (seed ${seed})`,
);
for (const kind of KINDS) {
  const withIt = results.filter((r) => r.faults.some((f) => f.startsWith(kind) && !/missed|late|never full/.test(f)));
  if (withIt.length) console.log(`  ${kind}: in ${withIt.length} rounds, ${withIt.filter(broken).length} not exact`);
}
if (results.some(broken)) {
  console.log('FAILED: records lost or duplicated');
  process.exitCode = 1;
}
if (uncounted > 0) {
  console.log(`FAILED: ${uncounted} rounds could not be counted`);
  process.exitCode = 1;
}
