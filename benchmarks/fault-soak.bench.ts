/**
 * Fault soak (issue 11): loads a few hundred thousand rows with the CLI, through a proxy that cuts
 * responses mid-body at random, while the org (`bulkpipe server` on a file) is killed with SIGKILL
 * and restarted on the same port, and the client is killed with SIGKILL and resumed with
 * `bulkpipe load --resume`, for N rounds. Each round prints the input count, the rows in the
 * outputs (success + errors, and how many of them are distinct input rows), the records in the
 * org, and the lost and duplicated records: both must be 0.
 *
 * Usage: npm run build && node --import tsx benchmarks/fault-soak.bench.ts [rounds=3] [rows=300000] [seed=1]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { BulkClient } from '../lib/http/client.js';
import { bulkQuery } from '../pipelines/bulk-query.js';
import { FaultProxy } from '../test/helpers/fault-proxy.js';
import { startOrgProcess, type OrgProcess } from '../bin/org-process.js';
import { sessionOf } from './_util/org-session.js';
import { random } from './_util/random.js';
import { environment, fmt, table } from './_util/run.js';

const [rounds = 3, rows = 300_000, seed = 1] = process.argv.slice(2).map(Number);
// Harsher or milder soaks: SOAK_BATCH, SOAK_CUT_RATE, SOAK_CLIENT_KILLS, SOAK_ORG_KILLS.
const BATCH = Number(process.env.SOAK_BATCH ?? 5000);
const CUT_RATE = Number(process.env.SOAK_CUT_RATE ?? 0.03);
const CLIENT_KILLS = Number(process.env.SOAK_CLIENT_KILLS ?? 3);
const ORG_KILLS = Number(process.env.SOAK_ORG_KILLS ?? 2);

const rand = random(seed);
const between = (min: number, max: number) => min + rand() * (max - min);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// The built CLI, as users run it (`npm run build` makes it; npm test and npm start build it too).
const cliArgs = [fileURLToPath(new URL(import.meta.url.includes('/dist-bench/') ? '../../dist/bin/bulkpipe.js' : '../dist/bin/bulkpipe.js', import.meta.url))];

interface Round {
  readonly input: number;
  readonly outputs: number;
  readonly distinct: number;
  readonly org: number;
  readonly orgDistinct: number;
  readonly expectedInOrg: number;
  readonly clientKills: number;
  readonly orgKills: number;
  readonly cuts: number;
  readonly runs: number;
  readonly seconds: number;
}

async function soak(round: number): Promise<Round> {
  const dir = await mkdtemp(join(tmpdir(), 'bulkpipe-soak-'));
  const started = Date.now();
  try {
    const prefix = `SOAK${round}-`;
    const bad = (i: number) => i % 997 === 0;
    const lines = Array.from({ length: rows }, (_, i) => `${prefix}${i + 1},${bad(i + 1) ? 'x' : i + 1}`);
    await writeFile(join(dir, 'in.csv'), `Name,NumberOfEmployees\n${lines.join('\n')}\n`);
    const db = join(dir, 'org.db');
    const port = 20_000 + Math.floor(rand() * 20_000);
    let org: OrgProcess = await startOrgProcess(db, port);
    stopOrg = () => org.stop('SIGKILL');
    const client = await BulkClient.login({ loginUrl: org.loginUrl, username: org.username, password: org.password });
    const session = await sessionOf(org);
    const proxy = await new FaultProxy(`http://127.0.0.1:${port}`).start();
    let cuts = 0;
    let cutting = true;
    proxy.rule = () => {
      if (cutting && rand() < CUT_RATE) {
        cuts++;
        return 'cut';
      }
      return 'pass';
    };
    const env = { PATH: process.env.PATH ?? '', BULKPIPE_HOME: join(dir, 'home') };
    const connection = ['--instance-url', proxy.url, '--access-token', session, '--poll-interval', '100', '--quiet'];
    const first = ['load', 'Account', 'in.csv', '--batch-size', String(BATCH), '--success', 'ok.csv', '--errors', 'bad.csv', ...connection];
    let clientKills = 0;
    let orgKills = 0;
    let runs = 0;
    let args = first;
    for (;;) {
      runs++;
      const child = spawn(process.execPath, [...cliArgs, ...args], { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      // The chaos while this run goes: kill the org (and bring it back) or the client, at random moments.
      let done = false;
      void exited.then(() => (done = true));
      let killedClient = false;
      while (!done && (clientKills < CLIENT_KILLS || orgKills < ORG_KILLS)) {
        await Promise.race([sleep(between(200, 1500)), exited]);
        if (done) break;
        if (orgKills < ORG_KILLS && (clientKills >= CLIENT_KILLS || rand() < 0.5)) {
          orgKills++;
          await org.stop('SIGKILL');
          await sleep(between(500, 3000));
          org = await startOrgProcess(db, port);
        } else {
          clientKills++;
          killedClient = true;
          kill(child);
          break;
        }
      }
      const code = await exited;
      if (!killedClient && (code === 0 || code === 3)) break;
      if (!killedClient && !(code === 2 && stderr.includes('no unfinished load')))
        process.stderr.write(`  round ${round}: run ${runs} exited ${code}: ${stderr.trim().split('\n').slice(-2).join(' / ')}\n`);
      if (runs > 30) throw new Error(`round ${round}: no end after ${runs} runs: ${stderr}`);
      // Killed before its ledger existed, nothing of it is in the org: the load starts again, as a user would.
      args = code === 2 && stderr.includes('no unfinished load') ? first : ['load', '--resume', ...connection];
    }
    cutting = false;
    const outputRows = [...(await sfRows(join(dir, 'ok.csv'))), ...(await sfRows(join(dir, 'bad.csv')))];
    const names = await orgNames(client, prefix);
    await client.close();
    await proxy.close();
    await org.stop();
    return {
      input: rows,
      outputs: outputRows.length,
      distinct: new Set(outputRows).size,
      org: names.length,
      orgDistinct: new Set(names).size,
      expectedInOrg: rows - Array.from({ length: rows }, (_, i) => i + 1).filter(bad).length,
      clientKills,
      orgKills,
      cuts,
      runs,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await stopOrg();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Whatever happens, no org process outlives the soak. */
let stopOrg: () => Promise<void> = async () => undefined;

function kill(child: ChildProcess): void {
  child.kill('SIGKILL');
}

/** The sf__Row of every row of an output file (the last column). */
async function sfRows(path: string): Promise<number[]> {
  const out: number[] = [];
  let header = true;
  for await (const line of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
    if (header) {
      header = false;
      continue;
    }
    if (line) out.push(Number(line.slice(line.lastIndexOf(',') + 1)));
  }
  return out;
}

async function orgNames(client: BulkClient, prefix: string): Promise<string[]> {
  let text = '';
  await pipeline(
    bulkQuery({ client, soql: `SELECT Name FROM Account WHERE Name LIKE '${prefix}%'` }),
    new Writable({
      write(c: Buffer, _e, cb) {
        text += c.toString();
        cb();
      },
    }),
  );
  return text.split('\n').slice(1).filter(Boolean);
}

const results: Round[] = [];
console.log(
  `fault soak: ${rounds} rounds of ${fmt(rows)} rows, batches of ${BATCH}, ${CUT_RATE * 100}% of responses cut, ${CLIENT_KILLS} client and ${ORG_KILLS} org kills (SIGKILL) per round, seed ${seed}; ${environment()}`,
);
for (let round = 1; round <= rounds; round++) {
  const r = await soak(round);
  results.push(r);
  const lost = r.input - r.distinct;
  console.log(
    `round ${round}: input ${fmt(r.input)}, outputs ${fmt(r.outputs)} (${fmt(r.distinct)} distinct rows), org ${fmt(r.org)} of ${fmt(r.expectedInOrg)} successes, lost ${lost}, duplicated in outputs ${r.outputs - r.distinct}, duplicated in org ${r.org - r.orgDistinct}, missing from org ${r.expectedInOrg - r.orgDistinct}; ${r.clientKills} client kills, ${r.orgKills} org kills, ${r.cuts} cut responses, ${r.runs} runs, ${fmt(r.seconds, 1)} s`,
  );
}
console.log(
  `\n${table(
    ['round', 'input', 'success + errors', 'org', 'lost', 'dup. outputs', 'dup. org', 'client kills', 'org kills', 'cuts', 'runs', 's'],
    results.map((r, i) => [
      i + 1,
      fmt(r.input),
      fmt(r.outputs),
      fmt(r.org),
      r.input - r.distinct,
      r.outputs - r.distinct,
      r.org - r.orgDistinct,
      r.clientKills,
      r.orgKills,
      r.cuts,
      r.runs,
      fmt(r.seconds, 1),
    ]),
  )}`,
);
const bad = results.some((r) => r.input !== r.distinct || r.outputs !== r.distinct || r.org !== r.orgDistinct || r.orgDistinct !== r.expectedInOrg);
if (bad) {
  console.log('FAILED: records lost or duplicated');
  process.exitCode = 1;
}
