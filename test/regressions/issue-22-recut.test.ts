/**
 * Issue 22: a resume that cuts segments again from the input (a spool file gone or damaged) must cut
 * them where the run cut them before, a segment cut short by a stop included, so that each takes its
 * batch in the org by its bytes instead of being uploaded a second time. A load is stopped gracefully
 * and then at once (Ctrl-C twice) after its short last segment is uploaded; an earlier segment's
 * spool file is damaged; the resume must leave every input row exactly once in the outputs, the org
 * holding exactly the successes, nothing twice (CSV fast path and NDJSON record path). When the
 * ledger lost the short segment's line, its boundary is rebuilt from the org's batch (its first
 * record and record count); where two batches begin with the same record it cannot be, and the
 * resume refuses, naming the rows, rather than upload them again, then and on every resume after.
 */
import { expect } from 'chai';
import { readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { readLedger, type LedgerState } from '../../lib/load/load-ledger.js';
import { bulkLoad, type BulkLoadOptions, type LoadBatchEvent } from '../../pipelines/bulk-load.js';
import { useTestOrg } from '../helpers/local-org.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { namesInOrg } from '../helpers/org-query.js';

type Row = Record<string, string>;
const csvRows = (text: string) => parse(text, { columns: true, bom: true }) as Row[];
const ROWS = 150;
const BATCH = 6;
const LINE = 2048;

describe('regressions/issue-22: segments cut again after a stop are cut where they were', function () {
  this.timeout(120_000);
  const t = useTestOrg();
  const tmp = useTempDir('bulkpipe-issue22-recut-');

  /** The input (rows long enough that the file is read in several chunks, so that a stop falls inside one) and the options of its load. */
  async function load(format: 'csv' | 'ndjson', prefix: string): Promise<BulkLoadOptions> {
    // Every line LINE bytes long: the file is read in chunks of 128 lines, and a stop at the end of one is not on a segment's boundary.
    const line = (i: number) => {
      const r = { Name: `${prefix}${i}`, NumberOfEmployees: String(i), Description: '' };
      const bare = format === 'csv' ? `${r.Name},${r.NumberOfEmployees},` : JSON.stringify(r);
      r.Description = '.'.repeat(LINE - 1 - bare.length);
      return format === 'csv' ? `${bare}${r.Description}` : JSON.stringify(r);
    };
    const lines = Array.from({ length: ROWS }, (_, i) => line(i + 1));
    const text = `${format === 'csv' ? 'Name,NumberOfEmployees,Description\n' : ''}${lines.join('\n')}\n`;
    const dir = join(tmp.path, prefix);
    const input = `${dir}.${format}`;
    await writeFile(input, text);
    return {
      client: t.org.client,
      input,
      format,
      object: 'Account',
      operation: 'insert',
      batchSize: BATCH,
      successPath: `${dir}-ok.csv`,
      errorPath: `${dir}-bad.csv`,
      ledgerDir: `${dir}-ledger`,
      minPollIntervalMs: 5,
      maxPollIntervalMs: 20,
    };
  }

  /** Ctrl-C (a stop that cuts the last segment short), then Ctrl-C again once that short segment is uploaded: the ledger stays with it pending. */
  async function stopTwice(base: BulkLoadOptions): Promise<LedgerState> {
    const stop = new AbortController();
    const abort = new AbortController();
    await bulkLoad({
      ...base,
      // Slow polls: nothing is joined before the second stop.
      minPollIntervalMs: 3000,
      maxPollIntervalMs: 3000,
      stopSignal: stop.signal,
      signal: abort.signal,
      onBatch: (e: LoadBatchEvent) => {
        if (e.stage === 'cut' && e.batch.seq === 2) stop.abort();
        if (stop.signal.aborted && e.stage === 'submitted' && e.batch.records < BATCH) abort.abort();
      },
    }).catch(() => undefined);
    const state = await readLedger(base.ledgerDir as string);
    const short = state.pending.at(-1);
    expect(short?.records, 'the stop cut the last segment short').to.be.within(1, BATCH - 1);
    expect(short?.batchId, 'the short segment was uploaded').to.be.a('string');
    return state;
  }

  /** Every input row exactly once in the outputs, the org holding exactly the successes, none twice. */
  async function expectExact(base: BulkLoadOptions, prefix: string): Promise<void> {
    const ok = csvRows(await readFile(base.successPath as string, 'utf8'));
    const failed = csvRows(await readFile(base.errorPath as string, 'utf8'));
    const outputs = [...ok, ...failed].map((r) => r.Name as string);
    expect(outputs.length, 'input rows = success + error rows').to.equal(ROWS);
    expect(new Set(outputs).size, 'each input row once in the outputs').to.equal(ROWS);
    const names = await namesInOrg(t.org.client, prefix);
    expect(new Set(names).size, 'no duplicate in the org').to.equal(names.length);
    expect([...names].sort(), 'the org holds exactly the successes').to.deep.equal(ok.map((r) => r.Name as string).sort());
  }

  for (const format of ['csv', 'ndjson'] as const) {
    it(`${format}: Ctrl-C twice, an earlier spool file damaged, then --resume takes the short batch by its bytes`, async () => {
      const prefix = `RECUT-${format}-`;
      const base = await load(format, prefix);
      const state = await stopTwice(base);
      const victim = state.pending.find((s) => s.batchId && s.payload && s.records === BATCH);
      expect(victim, 'an earlier uploaded segment').to.not.equal(undefined);
      await truncate(join(base.ledgerDir as string, 'spool', victim?.payload as string), 10);
      const notices: string[] = [];
      await bulkLoad({ ...base, resume: true, onNotice: (m) => notices.push(m) });
      expect(notices.join('\n')).to.match(/cut again from the input/);
      await expectExact(base, prefix);
    });

    it(`${format}: a re-cutting resume that dies too, then --resume: the stop's boundary is still kept`, async () => {
      const prefix = `RECUT2-${format}-`;
      const base = await load(format, prefix);
      const state = await stopTwice(base);
      const victim = state.pending.find((s) => s.batchId && s.payload && s.records === BATCH);
      await truncate(join(base.ledgerDir as string, 'spool', victim?.payload as string), 10);
      // The re-cutting resume is stopped at once once its first segment cut again has taken its batch: its
      // segment line supersedes the ones recorded before, the short one's among them.
      const abort = new AbortController();
      await bulkLoad({
        ...base,
        resume: true,
        signal: abort.signal,
        minPollIntervalMs: 3000,
        maxPollIntervalMs: 3000,
        onBatch: (e: LoadBatchEvent) => {
          if (e.stage === 'submitted' && e.batch.seq === victim?.seq) abort.abort();
        },
      }).catch(() => undefined);
      const after = await readLedger(base.ledgerDir as string);
      expect(after.nextSeq, 'the second resume has the short segment to cut again').to.be.within((victim?.seq ?? 0) + 1, state.nextSeq - 1);
      await bulkLoad({ ...base, resume: true });
      await expectExact(base, prefix);
    });
  }

  /** Cuts the ledger before the line of segment `seq`: that line and every one after it are lost (a machine crash, a copy). */
  async function cutLedgerBefore(base: BulkLoadOptions, seq: number | undefined): Promise<void> {
    const file = join(base.ledgerDir as string, 'ledger.ndjson');
    const text = await readFile(file, 'utf8');
    const at = text.indexOf(`{"type":"segment","seq":${seq},`);
    expect(at, `segment ${seq}'s line`).to.be.above(0);
    await writeFile(file, text.slice(0, at));
  }

  for (const format of ['csv', 'ndjson'] as const) {
    it(`${format}: a ledger cut before the short segment's line: --resume cuts it where the org's batch ends (its first record and count) and takes it`, async () => {
      const prefix = `RECUT-CUT-${format}-`;
      const base = await load(format, prefix);
      const state = await stopTwice(base);
      await cutLedgerBefore(base, state.pending.at(-1)?.seq);
      await bulkLoad({ ...base, resume: true });
      await expectExact(base, prefix);
    });
  }

  it('identical first records (a row twice in the input): never misaligned into a duplicate; refused, and a resume after the refusal uploads none of the refused rows', async () => {
    const prefix = 'RECUT-TWIN-';
    // A first run learns where the stop falls (the same file, stopped the same way, is cut the same way).
    const probe = await stopTwice(await load('csv', 'RECUT-PROBE-'));
    const short = probe.pending.at(-1) as LedgerState['pending'][number];
    const twinRow = short.rows[0]?.[0] as number;
    const earlier = probe.pending.find((s) => s.end.row === twinRow - 1) as LedgerState['pending'][number];
    expect(earlier?.records, 'a full segment before the short one').to.equal(BATCH);
    const base = await load('csv', prefix);
    // The short segment's first row is also the first row of the full segment before it: two org batches begin with one record, of different sizes.
    const input = base.input as string;
    const lines = (await readFile(input, 'utf8')).split('\n');
    lines[twinRow - BATCH] = lines[twinRow] as string;
    await writeFile(input, lines.join('\n'));
    const state = await stopTwice(base);
    expect(state.pending.at(-1)?.rows, 'stopped where the probe was').to.deep.equal(short.rows);
    const twin = state.pending.find((s) => s.seq === earlier.seq);
    await truncate(join(base.ledgerDir as string, 'spool', twin?.payload as string), 10);
    await cutLedgerBefore(base, short.seq);
    const expectRefused = async (uploading: string[]) => {
      const err = await bulkLoad({ ...base, resume: true, onBatch: (e: LoadBatchEvent) => (e.stage === 'uploading' ? uploading.push(`segment ${e.batch.seq}`) : undefined) }).then(
        () => undefined,
        (e: Error & { code?: string }) => e,
      );
      expect(err?.code, err?.message).to.equal('BULK_LEDGER');
      expect(err?.message).to.include(`input rows ${twinRow}`);
      // The org holds what the first run loaded, each row once: rows 1 to the short segment's last.
      const names = await namesInOrg(t.org.client, prefix);
      const loaded = lines.slice(1, (short.end.row as number) + 1).map((l) => l.split(',')[0] as string);
      expect([...names].sort(), 'nothing loaded twice, nothing after the stop').to.deep.equal(loaded.sort());
    };
    await expectRefused([]);
    // The refused segment is in the ledger now, without a batch: a second resume refuses it before uploading anything.
    const uploading: string[] = [];
    await expectRefused(uploading);
    expect(uploading, 'refused before any upload').to.deep.equal([]);
  });
});
