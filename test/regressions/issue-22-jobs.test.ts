/**
 * Issue 22: a resume whose ledger lost job lines finds the run's jobs in the org whatever the ledger
 * still knows (a run has a job per process that uploaded: a graceful stop closes its job and each
 * resume makes one), takes a found job as the run's only when its batches prove it, and never
 * closes, nor takes the batches of, another load's like job made at the same time.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse/sync';
import { LEDGER_FILE, readLedger } from '../../lib/load/load-ledger.js';
import { bulkLoad, type BulkLoadOptions, type LoadBatchEvent } from '../../pipelines/bulk-load.js';
import { bulkQuery } from '../../pipelines/bulk-query.js';
import { useTestOrg } from '../helpers/local-org.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

type Row = Record<string, string>;
const csvRows = (text: string) => parse(text, { columns: true, bom: true }) as Row[];
const ROWS = 120;
const BATCH = 10;
const HEADER = 'Name,NumberOfEmployees';

describe('regressions/issue-22: the jobs of a resumed load whose ledger lost job lines', function () {
  this.timeout(120_000);
  const t = useTestOrg();
  const tmp = useTempDir('bulkpipe-i22jobs-');

  /** The input's lines (no header), and the options of a load of it into `name`'s files. */
  async function setup(prefix: string, name: string): Promise<{ lines: string[]; base: BulkLoadOptions }> {
    const lines = Array.from({ length: ROWS }, (_, i) => `${prefix}${i + 1},${i + 1}`);
    const input = join(tmp.path, `${name}.csv`);
    await writeFile(input, `${HEADER}\n${lines.join('\n')}\n`);
    const base: BulkLoadOptions = {
      client: t.org.client,
      input,
      format: 'csv',
      object: 'Account',
      operation: 'insert',
      batchSize: BATCH,
      successPath: join(tmp.path, `${name}-ok.csv`),
      errorPath: join(tmp.path, `${name}-bad.csv`),
      ledgerDir: join(tmp.path, `${name}-ledger`),
      minPollIntervalMs: 5,
      maxPollIntervalMs: 20,
    };
    return { lines, base };
  }

  /**
   * A graceful stop after segment `stopAt` is cut (job J1, closed), a resume (J2) killed once
   * segment `killAt` is uploaded, then the ledger cut after its `resumed` line: J2's job line and
   * every line after it are lost. Returns J2.
   */
  async function loseSecondJob(base: BulkLoadOptions, stopAt: number, killAt: number): Promise<string> {
    const stop = new AbortController();
    const first = await bulkLoad({
      ...base,
      stopSignal: stop.signal,
      onBatch: (e: LoadBatchEvent) => {
        if (e.stage === 'cut' && e.batch.seq === stopAt) stop.abort();
      },
    });
    expect(first.stopped).to.equal(true);
    const abort = new AbortController();
    let second: string | undefined;
    // Polled slowly: killed with its batches uploaded and none joined.
    const killed = await bulkLoad({
      ...base,
      resume: true,
      signal: abort.signal,
      minPollIntervalMs: 3000,
      maxPollIntervalMs: 3000,
      onBatch: (e: LoadBatchEvent) => {
        if (e.stage !== 'submitted') return;
        second = e.batch.jobId;
        if (e.batch.seq >= killAt) abort.abort();
      },
    }).catch((err: Error) => err);
    expect(killed).to.be.instanceOf(Error);
    expect(second).to.be.a('string').and.not.equal(first.jobId);
    const file = join(base.ledgerDir as string, LEDGER_FILE);
    const text = await readFile(file, 'utf8');
    const resumedAt = text.lastIndexOf('"type":"resumed"');
    await writeFile(file, text.slice(0, text.indexOf('\n', resumedAt) + 1));
    const state = await readLedger(base.ledgerDir as string);
    expect(state.jobs).to.deep.equal([first.jobId]);
    return second as string;
  }

  async function orgNames(prefix: string): Promise<string[]> {
    let out = '';
    await pipeline(
      bulkQuery({ client: t.org.client, soql: `SELECT Name FROM Account WHERE Name LIKE '${prefix}%'`, minPollIntervalMs: 10, maxPollIntervalMs: 50 }),
      new Writable({
        write(chunk: Buffer, _encoding, callback) {
          out += chunk.toString();
          callback();
        },
      }),
    );
    return csvRows(out).map((r) => r.Name as string);
  }

  it('a second job whose line the ledger lost is found, its batches taken (none uploaded twice) and the job closed', async () => {
    const prefix = 'I22J1-';
    const { base } = await setup(prefix, 'second');
    const lost = await loseSecondJob(base, 2, 6);
    const notices: string[] = [];
    const summary = await bulkLoad({ ...base, resume: true, onNotice: (m) => notices.push(m) });
    const ok = csvRows(await readFile(base.successPath as string, 'utf8'));
    const failed = csvRows(await readFile(base.errorPath as string, 'utf8'));
    expect(ok.length + failed.length, 'input = success + error rows').to.equal(ROWS);
    expect(failed.length).to.equal(0);
    const names = await orgNames(prefix);
    expect(new Set(names).size, 'no duplicate in the org').to.equal(names.length);
    expect(names.length, 'the org holds exactly the successes').to.equal(ok.length);
    expect((await t.org.client.getJob(lost)).state, 'the lost job is closed').to.not.equal('Open');
    expect(summary.stopped).to.equal(false);
  });

  it("another load's Open job of the same bytes, begun before the ledger's gap, is left alone while the run's lost job is taken", async () => {
    const prefix = 'I22J2-';
    const { lines, base } = await setup(prefix, 'other');
    // The CSV fast path's payload of the segment of input rows row+1 to row+BATCH: the header and those lines, as read.
    const payload = (row: number) => `${HEADER}\n${lines.slice(row, row + BATCH).join('\n')}\n`;
    const lost = await loseSecondJob(base, 4, 8);
    const state = await readLedger(base.ledgerDir as string);
    // Where the resume reads on from (the stop ended its last segment early): the lost job's batches are the segments from there.
    const from = state.inputAt.row;
    expect(from, "the ledger's gap begins past the window").to.be.at.least(4 * BATCH);
    const digestsOf = async (jobId: string) => Promise.all((await t.org.client.listBatches(jobId)).map((b) => t.org.client.batchRequestDigest(jobId, b.id)));
    expect(await digestsOf(lost), 'the payloads are as the org keeps the lost job').to.include(createHash('sha256').update(payload(from)).digest('hex'));
    // Another load of the same input, live, its job Open, its batches the same segments but begun 4 segments before the gap.
    const other = await t.org.client.createJob({ object: 'Account', operation: 'insert', contentType: 'CSV', concurrencyMode: 'Parallel' });
    const theirRows: string[] = [];
    for (let row = from - 4 * BATCH; row < from + 6 * BATCH; row += BATCH) {
      const path = join(tmp.path, `other-${row}.csv`);
      await writeFile(path, payload(row));
      theirRows.push(...lines.slice(row, row + BATCH));
      await t.org.client.addBatch(other.id, { path }, { contentType: 'CSV' });
    }
    await bulkLoad({ ...base, resume: true });
    const ok = csvRows(await readFile(base.successPath as string, 'utf8'));
    const failed = csvRows(await readFile(base.errorPath as string, 'utf8'));
    expect(ok.length + failed.length, 'input = success + error rows').to.equal(ROWS);
    expect(failed.length).to.equal(0);
    const still = await t.org.client.getJob(other.id);
    expect(still.state, "the other load's job is not closed").to.equal('Open');
    expect(still.numberBatchesTotal).to.equal(10);
    expect((await t.org.client.getJob(lost)).state, "the run's lost job is closed").to.not.equal('Open');
    // Wait for the other load's batches, then: each name in the org once per load that loaded it.
    await waitFor('the other load processed', async () => {
      const batches = await t.org.client.listBatches(other.id);
      return batches.every((b) => b.state === 'Completed' || b.state === 'Failed') && batches;
    });
    const names = await orgNames(prefix);
    const count = new Map<string, number>();
    for (const name of names) count.set(name, (count.get(name) ?? 0) + 1);
    const ours = new Set(ok.map((r) => r.Name));
    const theirs = new Set(theirRows.map((l) => l.split(',')[0]));
    const off = lines.map((l) => l.split(',')[0] as string).filter((name) => (count.get(name) ?? 0) !== (ours.has(name) ? 1 : 0) + (theirs.has(name) ? 1 : 0));
    expect(off, 'names in the org other than once per load that loaded them').to.deep.equal([]);
    expect(names.length).to.equal(ok.length + theirs.size);
  });

  it("another load's Open job that fits a few of the run's segments is named when the run ends, and not closed: never taken silently", async () => {
    const prefix = 'I22J3-';
    const { lines, base } = await setup(prefix, 'near');
    const payload = (row: number) => `${HEADER}\n${lines.slice(row, row + BATCH).join('\n')}\n`;
    const stop = new AbortController();
    const first = await bulkLoad({
      ...base,
      stopSignal: stop.signal,
      onBatch: (e: LoadBatchEvent) => {
        if (e.stage === 'cut' && e.batch.seq === 2) stop.abort();
      },
    });
    expect(first.stopped).to.equal(true);
    const from = (await readLedger(base.ledgerDir as string)).inputAt.row;
    expect(from).to.be.at.least(2 * BATCH);
    // Another load of the same file, live, begun two segments before where this one reads on: within the window its batches could be this run's lost job's.
    const other = await t.org.client.createJob({ object: 'Account', operation: 'insert', contentType: 'CSV', concurrencyMode: 'Parallel' });
    for (let row = from - 2 * BATCH; row < from + 6 * BATCH; row += BATCH) {
      const path = join(tmp.path, `near-${row}.csv`);
      await writeFile(path, payload(row));
      await t.org.client.addBatch(other.id, { path }, { contentType: 'CSV' });
    }
    const err = await bulkLoad({ ...base, resume: true }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err, 'the run ends naming the job').to.have.property('code', 'BULK_LEDGER');
    expect(err?.message).to.include(`job ${other.id}:`);
    const ok = csvRows(await readFile(base.successPath as string, 'utf8'));
    const failed = csvRows(await readFile(base.errorPath as string, 'utf8'));
    expect(ok.length + failed.length, 'input = success + error rows').to.equal(ROWS);
    const still = await t.org.client.getJob(other.id);
    expect(still.state, "the other load's job is not closed").to.equal('Open');
    expect(still.numberBatchesTotal).to.equal(8);
  });
});
