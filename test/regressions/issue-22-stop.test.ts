/**
 * Issue 22, items 1 and 6, through the library and the local org: every stop is resumable. A load
 * with a ledger is stopped gracefully (stopSignal: one Ctrl-C, SIGTERM), stopped gracefully and then
 * at once (signal: a second Ctrl-C), or stopped at once only (kill -9), at each segment boundary of
 * a small file and at random moments of a file read in several chunks; then resumed. After each:
 * every input row exactly once in the success and error files (an error row holds its own values,
 * never the tail of another line), the org holds exactly the successes, nothing twice. The input has
 * a BOM, CRLF line ends, quoted fields with line ends and quotes, rows the org fails and rows
 * rejected before upload; NDJSON goes through the record path (parsed again, rows passed over).
 * Through the built CLI: one SIGINT, one SIGTERM and SIGINT twice, each followed by the `--resume`
 * the CLI prints; a stdin load stopped once; and (item 8) a file whose every record is rejected
 * before upload, which still gets its error file, named for the run.
 */
import { expect } from 'chai';
import type { ChildProcess } from 'node:child_process';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { readLedger } from '../../lib/load/load-ledger.js';
import { bulkLoad, type BulkLoadOptions, type LoadBatchEvent, type LoadSummary } from '../../pipelines/bulk-load.js';
import { runCli, startCli, type CliRun } from '../helpers/cli.js';
import { FaultProxy, POLL, UPLOAD } from '../helpers/fault-proxy.js';
import { useTestOrg } from '../helpers/local-org.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';
import { namesInOrg } from '../helpers/org-query.js';

type Row = Record<string, string>;
const csvRows = (text: string) => parse(text, { columns: true, bom: true }) as Row[];
/** Rows the org fails (a number field that is not a number). */
const orgFails = (row: number) => row % 11 === 0;
/** Rows rejected before upload (a field too many). */
const malformed = (row: number) => row % 13 === 0;
const multiLine = (row: number) => row % 3 === 0;
/** A seeded generator: the same points on every run. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

describe('regressions/issue-22: every stop is resumable (library)', function () {
  this.timeout(180_000);
  const t = useTestOrg();
  const tmp = useTempDir('bulkpipe-issue22-stop-');
  let serial = 0;

  /** The input's rows as CSV (BOM, CRLF) or NDJSON, every Name under `prefix`; `pad` makes each row longer. */
  function inputText(format: 'csv' | 'ndjson', prefix: string, rows: number, pad = 0): string {
    const lines: string[] = [];
    for (let row = 1; row <= rows; row++) {
      const name = `${prefix}${row}`;
      const employees = orgFails(row) ? 'x' : String(row);
      const note = `${multiLine(row) ? `line one\r\nline "two", ${row}` : `plain ${row}`}${'.'.repeat(pad)}`;
      if (format === 'ndjson') lines.push(JSON.stringify(malformed(row) ? { Name: name, Bogus__c: 1 } : { Name: name, NumberOfEmployees: employees, Description: note }));
      else lines.push(`${name},${employees},"${note.replaceAll('"', '""')}"${malformed(row) ? ',extra' : ''}`);
    }
    return format === 'ndjson' ? `${lines.join('\n')}\n` : `\uFEFFName,NumberOfEmployees,Description\r\n${lines.join('\r\n')}\r\n`;
  }

  const orgNames = (prefix: string) => namesInOrg(t.org.client, prefix);

  interface Stops {
    /** A graceful stop (stopSignal) when this is true of a batch event. */
    readonly stopWhen?: (event: LoadBatchEvent) => boolean;
    /** A stop at once (signal) when this is true of a batch event, after the graceful stop if there is one. */
    readonly abortWhen?: (event: LoadBatchEvent) => boolean;
    /** A graceful stop this long after the start. */
    readonly stopAfterMs?: number;
  }

  /** Loads `rows` rows, stopped as `stops` says, then resumes; checks exactly once; returns the two summaries (the first undefined when it was stopped at once). */
  async function stopThenResume(format: 'csv' | 'ndjson', rows: number, stops: Stops, pad = 0): Promise<{ first: LoadSummary | undefined; resumed: LoadSummary }> {
    const prefix = `I22S-${++serial}-`;
    const input = join(tmp.path, `in-${serial}.${format}`);
    await writeFile(input, inputText(format, prefix, rows, pad));
    const base: BulkLoadOptions = {
      client: t.org.client,
      input,
      format,
      object: 'Account',
      operation: 'insert',
      batchSize: 6,
      successPath: join(tmp.path, `ok-${serial}.csv`),
      errorPath: join(tmp.path, `bad-${serial}.csv`),
      ledgerDir: join(tmp.path, `ledger-${serial}`),
      minPollIntervalMs: 5,
      maxPollIntervalMs: 20,
    };
    const stop = new AbortController();
    const abort = new AbortController();
    const timer = stops.stopAfterMs === undefined ? undefined : setTimeout(() => stop.abort(), stops.stopAfterMs);
    let first: LoadSummary | undefined;
    try {
      first = await bulkLoad({
        ...base,
        stopSignal: stop.signal,
        signal: abort.signal,
        onBatch: (event) => {
          if (stops.stopWhen?.(event)) stop.abort();
          if ((stop.signal.aborted || !stops.stopWhen) && stops.abortWhen?.(event)) abort.abort();
        },
      });
    } catch (err) {
      expect(abort.signal.aborted, (err as Error).message).to.equal(true);
    } finally {
      clearTimeout(timer);
    }
    const ledger = await readLedger(base.ledgerDir as string);
    let resumed: LoadSummary;
    if (ledger.finished) {
      // Only a stop that came once the whole input was read leaves nothing to resume.
      expect(first?.stopped, 'a stopped load keeps its ledger open').to.equal(false);
      resumed = first as LoadSummary;
    } else {
      resumed = await bulkLoad({ ...base, resume: true });
      expect(resumed.resumed).to.equal(true);
      expect((await readLedger(base.ledgerDir as string)).finished).to.equal(true);
    }
    const ok = csvRows(await readFile(base.successPath as string, 'utf8'));
    const failed = csvRows(await readFile(base.errorPath as string, 'utf8'));
    const all = Array.from({ length: rows }, (_, i) => i + 1);
    expect(
      [...ok, ...failed].map((r) => Number(r.sf__Row)).sort((a, b) => a - b),
      'every row once in the outputs',
    ).to.deep.equal(all);
    expect(
      failed.map((r) => Number(r.sf__Row)),
      'the failures: the org failed them or they were malformed',
    ).to.deep.equal(all.filter((row) => orgFails(row) || malformed(row)));
    // Each row with its own values: a resume from mid-record would put the tail of a line here.
    for (const r of [...ok, ...failed]) expect(r.Name, `row ${r.sf__Row}`).to.equal(`${prefix}${r.sf__Row}`);
    for (const r of failed)
      expect(r.sf__Error, `row ${r.sf__Row}`).to.match(malformed(Number(r.sf__Row)) ? /BULKPIPE_FIELD_COUNT|BULKPIPE_UNKNOWN_FIELD|Bogus__c/ : /NumberOfEmployees|number/i);
    const names = await orgNames(prefix);
    expect(names.length, 'the org holds the successes').to.equal(ok.length);
    expect(new Set(names).size, 'nothing twice in the org').to.equal(names.length);
    expect(new Set(names)).to.deep.equal(new Set(ok.map((r) => r.Name)));
    expect(resumed.recordsRead).to.equal(rows);
    return { first, resumed };
  }

  const ROWS = 40; // 7 segments of 6 rows (the rejected ones beside them)
  const SEGMENTS = 7;
  const cut = (seq: number) => (event: LoadBatchEvent) => event.stage === 'cut' && event.batch.seq === seq;
  const uploadedAfter = (seq: number) => (event: LoadBatchEvent) => event.stage === 'submitted' && event.batch.seq > seq;

  for (const format of ['csv', 'ndjson'] as const) {
    describe(format === 'csv' ? 'CSV (the fast path, read on from a byte offset)' : 'NDJSON (the record path, rows passed over)', () => {
      it('one graceful stop at each segment boundary, then --resume: the ledger stays open at the next unread record', async () => {
        // The parser takes a read's records at once (the batches follow): NDJSON in two reads of 256 KiB.
        const [rows, pad] = format === 'ndjson' ? [150, 2000] : [ROWS, 0];
        let readOn = 0;
        for (let seq = 0; seq < SEGMENTS - 1; seq++) {
          const { first, resumed } = await stopThenResume(format, rows, { stopWhen: cut(seq) }, pad);
          if (format === 'csv') expect(first?.stopped, `segment ${seq}`).to.equal(true);
          if (first?.stopped) expect(resumed.resumed, `segment ${seq}`).to.equal(true);
          if (resumed.resumed && (first?.recordsRead ?? 0) < rows) readOn++;
        }
        expect(readOn, 'stops that left rows to read on').to.be.at.least(format === 'csv' ? SEGMENTS - 2 : 2);
      });

      it('a graceful stop, then a stop at once once a later segment is uploaded (Ctrl-C twice), at each segment boundary', async () => {
        for (let seq = 0; seq < SEGMENTS - 1; seq++) await stopThenResume(format, ROWS, { stopWhen: cut(seq), abortWhen: uploadedAfter(seq) });
      });

      it('a stop at once (as kill -9) as each segment is cut', async () => {
        for (let seq = 0; seq < SEGMENTS; seq++) await stopThenResume(format, ROWS, { abortWhen: cut(seq) });
      });
    });
  }

  it('CSV read in several chunks (records cut by the chunks), stopped at random moments, gracefully or twice', async () => {
    // About 1.3 MB: five 256 KiB reads, their edges inside records.
    const next = random(22);
    for (let round = 0; round < 6; round++) {
      const twice = round % 2 === 1;
      await stopThenResume(
        'csv',
        240,
        { stopAfterMs: Math.floor(next() * 150), ...(twice ? { abortWhen: (e: LoadBatchEvent) => e.stage === 'submitted' } : {}) },
        5000 + round * 77,
      );
    }
  });

  it('a stream input stopped gracefully: what was read is loaded, and the summary says from which row nothing was read', async () => {
    const prefix = `I22S-${++serial}-`;
    const text = inputText('csv', prefix, 30);
    const stop = new AbortController();
    // A producer that is still going when the stop comes, as a pipe from another program would be.
    async function* producer() {
      const lines = text.split('\r\n');
      for (let i = 0; i < lines.length; i++) {
        if (i === 14) stop.abort();
        yield `${lines[i]}${i < lines.length - 1 ? '\r\n' : ''}`;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    const ledgerDir = join(tmp.path, 'ledger-stream');
    const summary = await bulkLoad({
      client: t.org.client,
      input: Readable.from(producer()),
      format: 'csv',
      object: 'Account',
      operation: 'insert',
      batchSize: 6,
      successPath: join(tmp.path, 'ok.csv'),
      errorPath: join(tmp.path, 'bad.csv'),
      ledgerDir,
      stopSignal: stop.signal,
      minPollIntervalMs: 5,
      maxPollIntervalMs: 20,
    });
    expect(summary.stopped).to.equal(true);
    expect(summary.unreadAfterRow).to.equal(summary.recordsRead);
    expect(summary.recordsRead).to.be.above(0).and.below(30);
    // Nothing to go on with: a stream is not read again.
    expect((await readLedger(ledgerDir)).finished).to.equal(true);
    const rows = [...csvRows(await readFile(join(tmp.path, 'ok.csv'), 'utf8')), ...csvRows(await readFile(join(tmp.path, 'bad.csv'), 'utf8'))];
    expect(rows.map((r) => Number(r.sf__Row)).sort((a, b) => a - b)).to.deep.equal(Array.from({ length: summary.recordsRead }, (_, i) => i + 1));
    expect((await orgNames(prefix)).length).to.equal(summary.recordsSucceeded);
  });
});

describe('regressions/issue-22: every stop is resumable, every record has an output (CLI)', function () {
  this.timeout(180_000);
  const t = useTestOrg();
  const tmp = useTempDir('bulkpipe-issue22-stop-cli-');
  let proxy: FaultProxy;
  let prefix = '';
  let serial = 0;
  // About 1 MB: four reads of 256 KiB, their edges inside records; 100 rows a batch.
  const ROWS = 3000;

  beforeEach(async () => {
    proxy = await new FaultProxy(t.org.org.instanceUrl).start();
    prefix = `I22C-${++serial}-`;
    const lines = Array.from({ length: ROWS }, (_, i) => `${prefix}${i + 1},${orgFails(i + 1) ? 'x' : i + 1},"pad ""${'.'.repeat(300 + (i % 7))}"""`);
    await writeFile(join(tmp.path, 'in.csv'), `\uFEFFName,NumberOfEmployees,Description\r\n${lines.join('\r\n')}\r\n`);
  });
  afterEach(async () => {
    await proxy.close();
  });

  const env = () => ({ BULKPIPE_HOME: join(tmp.path, 'home') });
  const connection = () => ['--instance-url', proxy.url, '--access-token', t.org.session, '--poll-interval', '20'];
  const cli = (args: string[]): Promise<CliRun> => runCli(args, { cwd: tmp.path, env: env() });
  const jobsCreated = () => proxy.requests.filter((r) => r.method === 'POST' && /\/job$/.test(r.url)).length;

  /** Starts the load (one upload at a time, the first one held), and gives the process with its stderr so far. */
  async function startHeld(batchSize = 100): Promise<{ child: ChildProcess; stderr: () => string; exited: Promise<number | null> }> {
    proxy.rule = (r) => (UPLOAD(r) && r.n === 1 ? 'hold' : 'pass');
    const child = startCli(['load', 'Account', 'in.csv', '--batch-size', String(batchSize), '--concurrency', '1', ...connection()], { cwd: tmp.path, env: env() });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await Promise.race([proxy.whenHeld(UPLOAD), exited.then(() => Promise.reject(new Error(`the CLI exited first: ${stderr}`)))]);
    return { child, stderr: () => stderr, exited };
  }

  /** Every row once in the default outputs, the successes once each in the org, no ledger left. */
  async function expectExactlyOnce(): Promise<void> {
    const files = await readdir(tmp.path);
    const ok = files.filter((f) => f.endsWith('.success.csv'));
    const bad = files.filter((f) => f.endsWith('.errors.csv'));
    expect([ok.length, bad.length], files.join(' ')).to.deep.equal([1, 1]);
    expect(
      files.filter((f) => f.endsWith('.partial')),
      'no working file left',
    ).to.deep.equal([]);
    const succeeded = csvRows(await readFile(join(tmp.path, ok[0] as string), 'utf8'));
    const failed = csvRows(await readFile(join(tmp.path, bad[0] as string), 'utf8'));
    const all = Array.from({ length: ROWS }, (_, i) => i + 1);
    expect(
      [...succeeded, ...failed].map((r) => Number(r.sf__Row)).sort((a, b) => a - b),
      'every row once',
    ).to.deep.equal(all);
    expect(failed.map((r) => Number(r.sf__Row))).to.deep.equal(all.filter(orgFails));
    for (const r of [...succeeded, ...failed]) expect(r.Name, `row ${r.sf__Row}`).to.equal(`${prefix}${r.sf__Row}`);
    const names = await namesInOrg(t.org.client, prefix);
    expect(names.length, 'the org holds the successes').to.equal(succeeded.length);
    expect(new Set(names).size, 'nothing twice in the org').to.equal(names.length);
    expect(await readdir(join(tmp.path, 'home', 'runs')).catch(() => []), 'no ledger left').to.deep.equal([]);
  }

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`one ${signal}: what was read is loaded and written, exit 130, and the --resume it prints loads the rest`, async () => {
      const { child, stderr, exited } = await startHeld();
      child.kill(signal);
      await waitFor('the graceful stop to begin', () => stderr().includes('stopping (press Ctrl-C again'));
      proxy.rule = () => 'pass';
      proxy.releaseHeld();
      expect(await exited, stderr()).to.equal(130);
      const read = Number(/stopped reading after ([\d,]+) records; job \w+ closed/.exec(stderr())?.[1]?.replaceAll(',', ''));
      expect(read, stderr()).to.be.above(0).and.below(ROWS);
      const command = /the ledger is kept, load it with: bulkpipe load --resume (\S+)/.exec(stderr());
      expect(command, stderr()).to.not.equal(null);
      expect(jobsCreated()).to.equal(1);
      const result = await cli(['load', '--resume', command?.[1] as string, ...connection()]);
      expect(result.code, result.stderr).to.equal(3);
      // The first job was closed at the stop: the rest went to a new one.
      expect(jobsCreated()).to.equal(2);
      await expectExactlyOnce();
    });
  }

  it('SIGINT twice, the second once the stop has cut its last segment: exits at once, and --resume loads the rest', async () => {
    const { child, stderr, exited } = await startHeld();
    child.kill('SIGINT');
    await waitFor('the graceful stop to begin', () => stderr().includes('stopping (press Ctrl-C again'));
    // Polls held, the stop cannot finish before the second Ctrl-C; but for the first batch list: the
    // held upload's answer is lost (its connection reset), and the batch is found in that list.
    proxy.rule = (r) => (POLL(r) && r.n >= 2 ? 'hold' : 'pass');
    proxy.releaseHeld();
    const ledger = async () => {
      const [run] = await readdir(join(tmp.path, 'home', 'runs'));
      return (await readFile(join(tmp.path, 'home', 'runs', run as string, 'ledger.ndjson'), 'utf8')).split('\n');
    };
    // The stop's last segment: the open batch, cut short where the stop left the input.
    await waitFor('the stop to cut its last segment', async () =>
      (await ledger()).some((line) => {
        const entry = line.startsWith('{') ? (JSON.parse(line) as { type: string; records?: number }) : undefined;
        return entry?.type === 'segment' && (entry.records ?? 0) > 0 && (entry.records ?? 0) < 100;
      }),
    );
    child.kill('SIGINT');
    expect(await exited, stderr()).to.equal(130);
    expect(stderr()).to.contain('stopped at once');
    proxy.rule = () => 'pass';
    proxy.releaseHeld();
    const command = /finish the load with: bulkpipe load --resume (\S+)/.exec(stderr());
    expect(command, stderr()).to.not.equal(null);
    const result = await cli(['load', '--resume', command?.[1] as string, ...connection()]);
    expect(result.code, result.stderr).to.equal(3);
    await expectExactlyOnce();
  });

  it('every record rejected before upload: exit 3, no job, and the error file (named for the run) holds them all', async () => {
    await writeFile(join(tmp.path, 'bad.csv'), `Name,NumberOfEmployees\r\n${prefix}1,1,extra\r\n${prefix}2,2,extra,more\r\n${prefix}3\r\n`);
    const result = await cli(['load', 'Account', 'bad.csv', ...connection()]);
    expect(result.code, result.stderr).to.equal(3);
    expect(result.stderr).to.match(/3 records read, 0 succeeded, 3 failed/);
    expect(result.stderr).to.not.contain('; job ');
    // The summary names the file.
    const errorPath = /errors: (\S+\.errors\.csv)/.exec(result.stderr)?.[1] as string;
    expect(errorPath, result.stderr).to.match(/\/bad\.\d{8}T\d{6}Z-\d+\.errors\.csv$/);
    expect(await readdir(join(tmp.path, 'home', 'runs')).catch(() => []), 'no ledger left').to.deep.equal([]);
    const failed = csvRows(await readFile(errorPath, 'utf8'));
    expect(failed.map((r) => [r.sf__Row, r.Name])).to.deep.equal([
      ['1', `${prefix}1`],
      ['2', `${prefix}2`],
      ['3', `${prefix}3`],
    ]);
    expect(jobsCreated()).to.equal(0);
    expect((await readdir(tmp.path)).filter((f) => f.includes('.success.'))).to.deep.equal([]);
  });

  it('one SIGINT on a stdin load: what was read is loaded and written, and the message says after which row nothing was read (no resume offered)', async () => {
    const home = join(tmp.path, 'home');
    const child = startCli(['load', 'Account', '-', '--batch-size', '100', '--success', 'ok.csv', '--errors', 'bad.csv', ...connection()], { cwd: tmp.path, env: env() });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdin.on('error', () => undefined); // once it stops reading, our writes meet a closed pipe
    child.stdin.write('Name\n');
    let n = 0;
    // A producer that never ends, as `tail -f` would be.
    const feed = setInterval(() => child.stdin.write(`${Array.from({ length: 50 }, () => `${prefix}${++n}`).join('\n')}\n`), 10);
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await waitFor('the first upload', () => {
      if (child.exitCode !== null) throw new Error(`the CLI exited with ${child.exitCode}: ${stderr}`);
      return proxy.requests.some(UPLOAD);
    });
    child.kill('SIGINT');
    const code = await exited;
    clearInterval(feed);
    expect(code, stderr).to.equal(130);
    const after = Number(/the records after row ([\d,]+) were never read and are not loaded \(stdin cannot be read again/.exec(stderr)?.[1]?.replaceAll(',', ''));
    expect(after, stderr).to.be.above(0);
    expect(stderr).to.not.contain('--resume');
    const ok = csvRows(await readFile(join(tmp.path, 'ok.csv'), 'utf8'));
    const rows = [...ok, ...csvRows(await readFile(join(tmp.path, 'bad.csv'), 'utf8'))];
    expect(rows.map((r) => Number(r.sf__Row)).sort((a, b) => a - b)).to.deep.equal(Array.from({ length: after }, (_, i) => i + 1));
    const names = await namesInOrg(t.org.client, prefix);
    expect(names.sort()).to.deep.equal(ok.map((r) => r.Name).sort());
    expect(await readdir(join(home, 'runs')).catch(() => []), 'no ledger left').to.deep.equal([]);
  });
});
