/**
 * Issue 22, item 9, end to end through the local org (bulkLoad and the built CLI): each bad input
 * costs only its record, or stops before any job naming the line. A file that mixes LF, CRLF and CR
 * line ends loads every row (on the CSV fast path and the record path); a NUL byte costs its record,
 * named and kept in the error file; a header that names a field twice in another case (or through
 * --map) stops before any job (exit 2); gzip cut off loads every whole record before the cut and
 * ends naming the file and the byte. Each time: input rows = success rows + error rows, and the org
 * holds exactly the successes.
 */
import { expect } from 'chai';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { constants, gunzipSync, gzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { bulkLoad, type BulkLoadOptions } from '../../pipelines/bulk-load.js';
import { dryRunLoad } from '../../pipelines/dry-run.js';
import { runCli } from '../helpers/cli.js';
import { rejection } from '../helpers/fixtures.js';
import { useTestOrg } from '../helpers/local-org.js';
import { chunked, mixedCsv, randomSizes } from '../helpers/mixed-lines.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { queryRows } from '../helpers/org-query.js';

type Row = Record<string, string>;
const csvRows = (text: string) => parse(text, { columns: true, relax_column_count: true }) as Row[];

describe('regressions/issue-22: inputs (library and CLI, local org)', function () {
  this.timeout(120_000);
  const t = useTestOrg();
  const tmp = useTempDir('bulkpipe-issue22-input-');
  let serial = 0;
  let prefix = '';
  beforeEach(() => {
    prefix = `I22in-${++serial}`;
  });

  /** Name, Phone and Description of the Accounts in the org under this test's prefix. */
  const orgRows = () => queryRows(t.org.client, `SELECT Name, Phone, Description FROM Account WHERE Name LIKE '${prefix} %'`);

  const outputs = async (name: string) => ({
    ok: csvRows(await readFile(join(tmp.path, `${name}.ok.csv`), 'utf8')),
    failed: csvRows(await readFile(join(tmp.path, `${name}.err.csv`), 'utf8')),
  });

  /** The org holds exactly the success rows (each once, with its values). */
  async function expectOrgIsSuccesses(ok: readonly Row[]): Promise<void> {
    const held = await orgRows();
    expect(held.length, 'records in the org').to.equal(ok.length);
    const byName = new Map(held.map((r) => [r.Name, r]));
    expect(byName.size, 'no record twice in the org').to.equal(held.length);
    for (const r of ok) expect(byName.get(r.Name as string), r.Name).to.deep.include({ Phone: r.Phone });
  }

  const libraryLoad = (name: string, options: Partial<BulkLoadOptions>) =>
    bulkLoad({
      client: t.org.client,
      object: 'Account',
      operation: 'insert',
      format: 'csv',
      input: join(tmp.path, name),
      successPath: join(tmp.path, `${name}.ok.csv`),
      errorPath: join(tmp.path, `${name}.err.csv`),
      minPollIntervalMs: 10,
      maxPollIntervalMs: 50,
      batchSize: 70,
      ...options,
    });

  /** 300 rows with mixed line ends (Note mapped to Description), then a row with a NUL and a row of 4 fields. */
  function mixedInput(): { text: string; rows: number; nulLine: number; countLine: number; good: Map<string, string> } {
    const { text, rows } = mixedCsv(300, prefix);
    const last = rows[rows.length - 1];
    const nulLine = (last?.line as number) + 1;
    const good = new Map(rows.map((r) => [r.fields.Name as string, r.fields.Note as string]));
    return { text: `${text}${prefix} nul,555-0,"a\r\nb\0c"\r${prefix} four,1,2,3\n`, rows: 302, nulLine: nulLine + 1, countLine: nulLine + 2, good };
  }

  /** Every input row once in the outputs: the 300 good ones loaded with their values, the two bad ones in the error file as named. */
  async function expectMixedLoaded(name: string, file: string, nulLine: number, countLine: number, good: Map<string, string>): Promise<void> {
    const { ok, failed } = await outputs(name);
    const rows = [...ok, ...failed].map((r) => Number(r.sf__Row)).sort((a, b) => a - b);
    expect(rows, 'input rows = success rows + error rows').to.deep.equal(Array.from({ length: 302 }, (_, i) => i + 1));
    expect(ok).to.have.length(300);
    for (const r of ok) expect(r.Description, r.Name).to.equal(good.get(r.Name as string));
    expect(failed.map((r) => [r.sf__Row, r.Name, r.Phone, r.Description, (r.sf__Error as string).split(':')[0]])).to.deep.equal([
      ['301', `${prefix} nul`, '555-0', 'a\r\nb\0c', 'BULKPIPE_NUL_CHARACTER'],
      ['302', `${prefix} four`, '1', '2', 'BULKPIPE_FIELD_COUNT'],
    ]);
    // The NUL is on the second line of its record: the line named is its own.
    expect(failed[0]?.sf__Error).to.include(`(${file}, line ${nulLine}, record 301, field Description)`);
    expect(failed[1]?.sf__Error).to.include(`(${file}, line ${countLine}, record 302, field #4):#4 --`);
    await expectOrgIsSuccesses(ok);
    const held = new Map((await orgRows()).map((r) => [r.Name, r.Description]));
    for (const [n, note] of good) expect(held.get(n), n).to.equal(note);
  }

  for (const [path, extra] of [
    ['the CSV fast path', {}],
    ['the record path (a JSON job)', { contentType: 'JSON' as const }],
  ] as const) {
    it(`loads every row of a file that mixes LF, CRLF and CR line ends, a NUL costing its record (${path})`, async () => {
      const input = mixedInput();
      const name = `mixed-${serial}.csv`;
      await writeFile(join(tmp.path, name), input.text);
      const summary = await libraryLoad(name, { ...extra, columnMap: new Map([['Note', 'Description']]) });
      expect(summary).to.include({ recordsRead: 302, recordsSucceeded: 300, recordsFailed: 2 });
      await expectMixedLoaded(name, join(tmp.path, name), input.nulLine, input.countLine, input.good);
    });
  }

  it('loads every row of a mixed line-end stream fed in 1-byte and random chunks (a CR ending one chunk, its LF starting the next)', async () => {
    for (const sizes of [() => 1, randomSizes(serial, 64)]) {
      prefix = `I22in-${++serial}`;
      const input = mixedInput();
      const name = `stream-mixed-${serial}`;
      const summary = await bulkLoad({
        client: t.org.client,
        object: 'Account',
        operation: 'insert',
        format: 'csv',
        input: Readable.from(chunked(Buffer.from(input.text), sizes), { objectMode: false }),
        source: 'stdin',
        columnMap: new Map([['Note', 'Description']]),
        successPath: join(tmp.path, `${name}.ok.csv`),
        errorPath: join(tmp.path, `${name}.err.csv`),
        minPollIntervalMs: 10,
        maxPollIntervalMs: 50,
        batchSize: 70,
      });
      expect(summary).to.include({ recordsRead: 302, recordsSucceeded: 300, recordsFailed: 2 });
      await expectMixedLoaded(name, 'stdin', input.nulLine, input.countLine, input.good);
    }
  });

  it('stops before any job at a header that names a field twice in another case, or through the map, on both paths and in a dry run', async () => {
    const name = `dup-${serial}.csv`;
    await writeFile(join(tmp.path, name), `Name,Phone,PHONE\n${prefix} a,1,2\n`);
    const jobs: string[] = [];
    for (const extra of [{}, { contentType: 'JSON' as const }]) {
      const err = await rejection(libraryLoad(name, { ...extra, onJob: (job) => jobs.push(job.id) }));
      expect(err).to.include({ code: 'BULK_COLUMNS', source: join(tmp.path, name), line: 1 });
      expect(err).to.have.deep.property('columns', ['Phone', 'PHONE']);
      expect(err.message).to.include('line 1').and.include('column 2 Phone and column 3 PHONE');
    }
    const mapped = `mapped-${serial}.csv`;
    await writeFile(join(tmp.path, mapped), `Name,Tel,phone\n${prefix} a,1,2\n`);
    const err = await rejection(libraryLoad(mapped, { columnMap: new Map([['Tel', 'Phone']]), onJob: (job) => jobs.push(job.id) }));
    expect(err).to.include({ code: 'BULK_COLUMNS', line: 1 });
    expect(err).to.have.deep.property('columns', ['Tel (mapped to Phone)', 'phone']);
    const dry = await rejection(dryRunLoad({ client: t.org.client, object: 'Account', operation: 'insert', format: 'csv', input: join(tmp.path, name) }));
    expect(dry).to.include({ code: 'BULK_COLUMNS', line: 1 });
    expect(jobs).to.deep.equal([]);
    expect(await orgRows()).to.deep.equal([]);
  });

  /** 2,000 rows gzipped and cut in half; the rows whose line end the cut data holds whole. */
  function cutGzip(): { bytes: Buffer; whole: number } {
    const lines = Array.from({ length: 2000 }, (_, i) => `${prefix} ${i + 1},555-${i + 1},note ${i + 1}`);
    const gz = gzipSync(`Name,Phone,Description\n${lines.join('\n')}\n`);
    const bytes = gz.subarray(0, Math.floor(gz.length / 2));
    const readable = gunzipSync(bytes, { finishFlush: constants.Z_SYNC_FLUSH }).toString();
    return { bytes, whole: readable.split('\n').length - 2 }; // less the header and the partial last line
  }

  async function expectCutLoaded(okRows: readonly Row[], failedRows: readonly Row[], whole: number): Promise<void> {
    expect(failedRows, 'no record rejected').to.deep.equal([]);
    expect(okRows.map((r) => Number(r.sf__Row))).to.deep.equal(Array.from({ length: whole }, (_, i) => i + 1));
    for (const r of okRows) expect(r.Name).to.equal(`${prefix} ${r.sf__Row}`);
    await expectOrgIsSuccesses(okRows);
  }

  it('loads every whole record before the cut of a cut .gz file and fails naming the file and the byte (library: a file, and a stream on the fast path)', async () => {
    const { bytes, whole } = cutGzip();
    expect(whole).to.be.greaterThan(500);
    const name = `cut-${serial}.csv.gz`;
    await writeFile(join(tmp.path, name), bytes);
    const err = await rejection(libraryLoad(name, {}));
    expect(err).to.include({ code: 'BULK_PARSE', source: join(tmp.path, name) });
    expect(err.message).to.include(`ends cut off at byte ${bytes.length} of the compressed input`);
    const first = await outputs(name);
    await expectCutLoaded(first.ok, first.failed, whole);

    prefix = `I22in-${++serial}`;
    const again = cutGzip();
    const streamed = `stream-${serial}`;
    const fromStdin = await rejection(
      bulkLoad({
        client: t.org.client,
        object: 'Account',
        operation: 'insert',
        format: 'csv',
        input: Readable.from([again.bytes.subarray(0, 1000), again.bytes.subarray(1000)]),
        source: 'stdin',
        successPath: join(tmp.path, `${streamed}.ok.csv`),
        errorPath: join(tmp.path, `${streamed}.err.csv`),
        minPollIntervalMs: 10,
        maxPollIntervalMs: 50,
        batchSize: 70,
      }),
    );
    expect(fromStdin).to.include({ code: 'BULK_PARSE', source: 'stdin' });
    const second = await outputs(streamed);
    await expectCutLoaded(second.ok, second.failed, again.whole);
  });

  describe('the CLI', () => {
    const env = () => ({ BULKPIPE_HOME: join(tmp.path, 'home') });
    const connection = () => ['--instance-url', t.org.org.instanceUrl, '--access-token', t.org.session, '--poll-interval', '20'];
    const load = (file: string, ...extra: string[]) =>
      runCli(['load', 'Account', file, '--batch-size', '70', '--success', `${file}.ok.csv`, '--errors', `${file}.err.csv`, '--quiet', ...connection(), ...extra], {
        cwd: tmp.path,
        env: env(),
      });

    it('loads every row of a file that mixes LF, CRLF and CR line ends; a NUL costs its record (exit 3)', async () => {
      const input = mixedInput();
      const name = `cli-mixed-${serial}.csv`;
      await writeFile(join(tmp.path, name), input.text);
      const run = await load(name, '--map', 'Note=Description');
      expect(run.code, run.stderr).to.equal(3);
      await expectMixedLoaded(name, name, input.nulLine, input.countLine, input.good);
    });

    it('stops before any job at a header that names a field twice in another case (exit 2), also in a dry run', async () => {
      const name = `cli-dup-${serial}.csv`;
      await writeFile(join(tmp.path, name), `Name,Phone,PHONE\n${prefix} a,1,2\n`);
      for (const extra of [[], ['--dry-run']]) {
        const run = await load(name, ...extra);
        expect(run.code, run.stderr).to.equal(2);
        expect(run.stderr).to.include(`${name}, line 1: the header names the field Phone twice (column 2 Phone and column 3 PHONE`);
        expect(run.stderr).to.not.include('[job');
      }
      const mapped = await load(name, '--map', 'PHONE=MobilePhone,Phone=mobilephone');
      expect(mapped.code, mapped.stderr).to.equal(2);
      expect(mapped.stderr).to.include('column 2 Phone (mapped to mobilephone) and column 3 PHONE (mapped to MobilePhone)');
      expect(await orgRows()).to.deep.equal([]);
    });

    it('loads every whole record before the cut of a cut .gz file and fails naming the file and the byte (exit 1)', async () => {
      const { bytes, whole } = cutGzip();
      const name = `cli-cut-${serial}.csv.gz`;
      await writeFile(join(tmp.path, name), bytes);
      const run = await load(name);
      expect(run.code, run.stderr).to.equal(1);
      expect(run.stderr).to.include(name).and.include(`ends cut off at byte ${bytes.length} of the compressed input`);
      const { ok, failed } = await outputs(name);
      await expectCutLoaded(ok, failed, whole);
    });
  });
});
