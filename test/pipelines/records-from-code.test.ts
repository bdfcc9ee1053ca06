/**
 * Records from code (issue 27, item 5) through the local org: the columns are the union of the
 * first records' fields (a field the first record leaves out is a column), checked against the
 * describe before any job; a record past the look-ahead with a field outside them costs itself only
 * and is told to declare `columns`; a Date takes its field's form by the describe, through bulkLoad,
 * loadRows and a pipeline composed by hand. Bulk API v1 (CSV, XML and JSON jobs) and 2.0 (CSV).
 */
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse/sync';
import { DEFAULT_LOOKAHEAD_RECORDS } from '../../lib/cut/column-lookahead.js';
import { LoadSpool } from '../../lib/load/load-spool.js';
import type { JoinedRow } from '../../lib/load-types.js';
import type { PayloadType } from '../../lib/records/serialize-record.js';
import { bulkLoad, type BulkLoadOptions } from '../../pipelines/bulk-load.js';
import { loadRows } from '../../pipelines/load-rows.js';
import { OutcomeSink } from '../../sinks/outcome-sink.js';
import { BatchChunker } from '../../transforms/batch-chunker.js';
import { BulkSubmitter } from '../../transforms/bulk-submitter.js';
import { RecordReader } from '../../transforms/record-reader.js';
import { ResultJoiner } from '../../transforms/result-joiner.js';
import { SegmentRows } from '../../transforms/segment-rows.js';
import { StatusPoller } from '../../transforms/status-poller.js';
import { rejection } from '../helpers/fixtures.js';
import { startTestOrg, type TestOrg } from '../helpers/local-org.js';
import { queryRows } from '../helpers/org-query.js';
import { useTempDir } from '../helpers/temp-dir.js';

type Row = Record<string, string>;
const rowsOf = async (path: string) => parse(await readFile(path), { columns: true }) as Row[];

describe('records from code: columns from a look-ahead, one value conversion (issue 27, end to end)', function () {
  this.timeout(180_000);
  let t: TestOrg;
  const tmp = useTempDir('bulkpipe-records-');
  let n = 0;
  before(async () => {
    t = await startTestOrg();
  });
  after(async () => {
    await t.close();
  });

  async function load(records: Iterable<object> | AsyncIterable<object>, options: Partial<BulkLoadOptions> = {}) {
    const base = join(tmp.path, `load-${++n}`);
    const summary = await bulkLoad({
      client: t.client,
      records,
      object: 'Contact',
      operation: 'insert',
      successPath: `${base}.ok.csv`,
      errorPath: `${base}.err.csv`,
      minPollIntervalMs: 10,
      maxPollIntervalMs: 50,
      ...options,
    });
    return { summary, ok: await rowsOf(`${base}.ok.csv`), failed: await rowsOf(`${base}.err.csv`) };
  }

  /** Contacts whose first record has no Phone (an optional field), and every later one has one. */
  function* contacts(count: number, tag: string) {
    for (let i = 1; i <= count; i++) yield i === 1 ? { LastName: `${tag} ${i}` } : { LastName: `${tag} ${i}`, Phone: `555-${i}` };
  }

  const cases: Array<[string, number, Partial<BulkLoadOptions>]> = [
    ['v1 CSV', 25_000, {}],
    ['v1 XML', 2_000, { contentType: 'XML' as PayloadType }],
    ['v1 JSON', 2_000, { contentType: 'JSON' as PayloadType }],
    ['2.0 CSV', 25_000, { bulkApi: 2 }],
  ];
  for (const [name, count, options] of cases) {
    it(`${name}: a field the first record leaves out is a column all the same (${count.toLocaleString('en-US')} records, none lost)`, async () => {
      const tag = `Opt ${name}`;
      const { summary, ok, failed } = await load(contacts(count, tag), options);
      expect(failed.map((r) => r.sf__Error).slice(0, 3)).to.deep.equal([]);
      expect(summary).to.include({ recordsRead: count, recordsSucceeded: count, recordsFailed: 0 });
      expect(ok[0]).to.include({ LastName: `${tag} 1`, Phone: '' });
      expect(ok[count - 1]).to.include({ LastName: `${tag} ${count}`, Phone: `555-${count}` });
      const stored = await queryRows(t.client, `SELECT LastName, Phone FROM Contact WHERE LastName = '${tag} 2'`);
      expect(stored).to.deep.equal([{ LastName: `${tag} 2`, Phone: '555-2' }]);
    });
  }

  it('a grouped load (groupBy): its columns are the union of the fields too, whatever order the records are sent in', async () => {
    const records = [
      { LastName: 'Grouped 1', Department: 'B' },
      { LastName: 'Grouped 2', Department: 'A', Phone: '555-2' },
      { LastName: 'Grouped 3', Department: 'B', Title: 'Dr' },
    ];
    const { summary, ok } = await load(records, { groupBy: 'Department' });
    expect(summary).to.include({ recordsSucceeded: 3, recordsFailed: 0 });
    expect(Object.keys(ok[0] ?? {}).slice(0, 4)).to.deep.equal(['LastName', 'Department', 'Phone', 'Title']);
    expect(ok.map((r) => [r.sf__Row, r.Phone, r.Title])).to.deep.equal([
      ['2', '555-2', ''],
      ['1', '', ''],
      ['3', '', 'Dr'],
    ]);
  });

  for (const bulkApi of [1, 2] as const) {
    it(`v${bulkApi === 1 ? '1' : '2.0'}: a record past the look-ahead with a field outside the columns costs itself only, and is told to declare columns; declared, it loads`, async () => {
      const late = DEFAULT_LOOKAHEAD_RECORDS + 100;
      const records = () =>
        Array.from({ length: late + 50 }, (_, i) => (i + 1 === late ? { LastName: `Late ${bulkApi} ${i + 1}`, Fax: '555-0' } : { LastName: `Late ${bulkApi} ${i + 1}` }));
      const first = await load(records(), { bulkApi });
      expect(first.summary).to.include({ recordsRead: late + 50, recordsSucceeded: late + 49, recordsFailed: 1 });
      expect(first.failed.map((r) => [r.sf__Row, r.sf__Error])).to.deep.equal([
        [
          String(late),
          `BULKPIPE_UNKNOWN_FIELD:the field Fax is not one of the columns, which were taken from the fields of the first 1,000 records (LastName); declare every field the records may have in the columns option (records, record ${late}, field Fax):Fax --`,
        ],
      ]);
      const declared = await load(records(), { bulkApi, columns: ['LastName', 'Fax'] });
      expect(declared.summary).to.include({ recordsSucceeded: late + 50, recordsFailed: 0 });
      expect(declared.ok[late - 1]).to.include({ Fax: '555-0' });
    });

    it(`v${bulkApi === 1 ? '1' : '2.0'}: a key in the look-ahead that is no field costs the records that carry it, with its did-you-mean; the load goes on`, async () => {
      const jobs: string[] = [];
      const records = [{ LastName: 'Typo 1' }, { LastName: 'Typo 2', Phnoe: '1' }, { LastName: 'Typo 3', Phone: '2' }];
      for (const checkColumns of [false, true]) {
        const { summary, failed } = await load(records, { bulkApi, checkColumns, onJob: (job) => jobs.push(job.id) });
        expect(summary).to.include({ recordsSucceeded: 2, recordsFailed: 1 });
        expect(failed.map((r) => [r.sf__Row, r.sf__Error])).to.deep.equal([
          ['2', 'BULKPIPE_UNKNOWN_FIELD:Phnoe is not a field of Contact (did you mean Phone?) (records, record 2, field Phnoe):Phnoe --'],
        ]);
      }
      expect(jobs).to.have.length(2);
    });

    it(`v${bulkApi === 1 ? '1' : '2.0'}: the first record's key that is no field: refused before any job when the check is asked for or no record could load, else it costs its record`, async () => {
      const jobs: string[] = [];
      const misspelt = { LastName: 'First 1', Phnoe: '1' };
      const records = [misspelt, { LastName: 'First 2' }];
      const asked = await rejection(load(records, { bulkApi, checkColumns: true, onJob: (job) => jobs.push(job.id) }));
      expect(asked).to.include({ code: 'BULK_COLUMNS' });
      expect(asked.message).to.include('Phnoe is not a field of Contact (did you mean Phone?)');
      const every = await rejection(load([misspelt, { LastName: 'First 3', Phnoe: '3' }], { bulkApi, onJob: (job) => jobs.push(job.id) }));
      expect(every).to.include({ code: 'BULK_COLUMNS' });
      expect(jobs).to.deep.equal([]);
      const unasked = await load(records, { bulkApi });
      expect(unasked.summary).to.include({ recordsSucceeded: 1, recordsFailed: 1 });
      expect(unasked.failed.map((r) => r.sf__Row)).to.deep.equal(['1']);
    });

    it(`v${bulkApi === 1 ? '1' : '2.0'}: a lookup a query left empty (Account: null) names no column: left out, the record loads`, async () => {
      for (const checkColumns of [false, true]) {
        const { summary } = await load([{ LastName: 'Lookup 1' }, { LastName: 'Lookup 2', Account: null }, { LastName: 'Lookup 3', Account: null }], { bulkApi, checkColumns });
        expect(summary).to.include({ recordsSucceeded: 3, recordsFailed: 0 });
      }
    });
  }

  it('a key in another case is its column; a key given undefined is a column; records that set nothing or none good give a readable error file', async () => {
    const cased = await load([
      { LastName: 'Case 1', Phone: '1' },
      { lastname: 'Case 2', phone: '2' },
    ]);
    expect(cased.summary).to.include({ recordsSucceeded: 2, recordsFailed: 0 });
    expect(cased.ok.map((r) => r.Phone)).to.deep.equal(['1', '2']);
    const undef = await load(Array.from({ length: DEFAULT_LOOKAHEAD_RECORDS + 2 }, (_, i) => ({ LastName: `Undef ${i}`, Phone: i < DEFAULT_LOOKAHEAD_RECORDS ? undefined : '5' })));
    expect(undef.summary).to.include({ recordsSucceeded: DEFAULT_LOOKAHEAD_RECORDS + 2, recordsFailed: 0 });
    // Records that are no objects (given as from untyped code), and one that sets nothing.
    for (const records of [[1, 2, [3]], [{}]] as unknown as object[][]) {
      const none = await load(records);
      expect(none.summary).to.include({ recordsSucceeded: 0, recordsFailed: records.length });
      expect(none.failed.map((r) => [r.sf__Row, (r.sf__Error ?? '').split(':')[0]])).to.deep.equal(records.map((_, i) => [String(i + 1), 'BULKPIPE_MALFORMED_RECORD']));
    }
  });

  it('a date field given as ISO 8601 at midnight UTC (a Date through JSON) loads as its day', async () => {
    const { summary, ok } = await load([JSON.parse(JSON.stringify({ LastName: 'Json 1', Birthdate: new Date(Date.UTC(1990, 4, 1)) }))]);
    expect(summary).to.include({ recordsSucceeded: 1, recordsFailed: 0 });
    expect(ok[0]).to.include({ Birthdate: '1990-05-01' });
  });

  it("a Date takes its field's form by the describe: a date field's day, a date-time field's instant (bulkLoad and loadRows)", async () => {
    const records = [
      { LastName: 'Dated 1', Birthdate: new Date(Date.UTC(1990, 4, 1)), EmailBouncedDate: new Date(Date.UTC(2024, 0, 31, 14, 5)) },
      { LastName: 'Dated 2', Birthdate: new Date(Date.UTC(1991, 11, 31)), HasOptedOutOfEmail: true, Email: null },
    ];
    const { summary, ok } = await load(records);
    expect(summary).to.include({ recordsSucceeded: 2, recordsFailed: 0 });
    expect(ok[0]).to.include({ Birthdate: '1990-05-01', EmailBouncedDate: '2024-01-31T14:05:00.000Z' });
    const rows: JoinedRow[] = [];
    for await (const row of loadRows({ client: t.client, records: [{ LastName: 'Dated 3', Birthdate: new Date(Date.UTC(2000, 1, 29)) }], object: 'Contact', operation: 'insert' }))
      rows.push(row);
    expect(rows.map((r) => [r.success, r.fields.Birthdate])).to.deep.equal([[true, '2000-02-29']]);
    const stored = await queryRows(t.client, "SELECT LastName, Birthdate, EmailBouncedDate FROM Contact WHERE LastName LIKE 'Dated %' ORDER BY LastName");
    expect(stored.map((r) => [r.LastName, r.Birthdate, r.EmailBouncedDate])).to.deep.equal([
      ['Dated 1', '1990-05-01', '2024-01-31T14:05:00.000Z'],
      ['Dated 2', '1991-12-31', ''],
      ['Dated 3', '2000-02-29', ''],
    ]);
  });

  it('a pipeline composed by hand: a Date for a date field loads when the RecordReader has the describe (and is refused by the org without it)', async () => {
    async function run(reader: RecordReader, tag: string) {
      const spool = new LoadSpool();
      const rows: JoinedRow[] = [];
      const errorPath = join(tmp.path, `hand-${tag}.err.csv`);
      try {
        await pipeline(
          Readable.from([
            { LastName: `Hand ${tag}`, Birthdate: new Date(Date.UTC(1985, 6, 4)) },
            { LastName: `Hand ${tag} 2`, Phone: '1' },
          ]),
          reader,
          new BatchChunker({ contentType: 'CSV', spool }),
          new BulkSubmitter({ client: t.client, job: { object: 'Contact', operation: 'insert', contentType: 'CSV' } }),
          new StatusPoller({ client: t.client, minIntervalMs: 10 }),
          new ResultJoiner({ client: t.client, spool }),
          new SegmentRows((segment) => void rows.push(...segment)),
          new OutcomeSink({ errorPath }),
        );
      } finally {
        await spool.dispose();
      }
      return rows.map((r) => [r.success, r.fields.Birthdate ?? '', r.fields.Phone ?? '', r.error.split(':')[0]]);
    }
    // The union of the fields holds for the chunker of one's own too: the second record's Phone is a column.
    expect(await run(new RecordReader({ describe: () => t.client.describe('Contact') }), 'described')).to.deep.equal([
      [true, '1985-07-04', '', ''],
      [true, '', '1', ''],
    ]);
    expect(await run(new RecordReader(), 'bare')).to.deep.equal([
      [false, '1985-07-04T00:00:00.000Z', '', 'INVALID_FIELD'],
      [true, '', '1', ''],
    ]);
  });
});
