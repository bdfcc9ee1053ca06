import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { RecordCutter, type RecordCutterOptions } from '../../../lib/cut/record-cutter.js';
import type { CutEvents } from '../../../lib/cut/segment-cutter.js';
import type { ColumnPlan } from '../../../lib/load/column-plan.js';
import { LoadSpool } from '../../../lib/load/load-spool.js';
import { type RejectEntry, readRejects } from '../../../lib/load/reject-file.js';
import type { InputRecord, SpooledBatch } from '../../../lib/load-types.js';
import { useTempDir } from '../../helpers/temp-dir.js';

describe('lib/cut/record-cutter', () => {
  const tmp = useTempDir('bulkpipe-record-cutter-');

  /** Cuts records without a stream: each add awaited only when it returns a promise, as the stage does. */
  async function cut(records: readonly InputRecord[], options: Partial<RecordCutterOptions> = {}) {
    const seen = { columns: [] as ColumnPlan[], rejected: [] as RejectEntry[], batches: [] as SpooledBatch[] };
    const events: CutEvents = { columns: (p) => seen.columns.push(p), rejected: (e) => seen.rejected.push(e), batch: (b) => seen.batches.push(b) };
    const spool = new LoadSpool({ dir: tmp.path });
    const cutter = new RecordCutter({ contentType: 'CSV', spool, ...options }, events);
    for (const record of records) await cutter.add(record);
    await cutter.end();
    const texts = await Promise.all(seen.batches.map((b) => (b.path === null ? '' : readFile(b.path, 'utf8'))));
    return { ...seen, texts, spool };
  }

  const rec = (row: number, fields: Record<string, string>): InputRecord => ({ row, fields });
  const names = (n: number) => Array.from({ length: n }, (_, i) => rec(i + 1, { Name: `n${i + 1}` }));

  it('validates its options under their own names, in the constructor', () => {
    const spool = new LoadSpool({ dir: tmp.path });
    const events: CutEvents = { columns: () => undefined, rejected: () => undefined, batch: () => undefined };
    for (const [option, value] of [
      ['contentType', 'YAML'],
      ['maxRecords', 0],
      ['maxCharacters', 1.5],
      ['maxFiles', -1],
    ] as const) {
      const options = { contentType: 'CSV', spool, attachments: true, [option]: value } as never;
      expect(() => new RecordCutter(options, events))
        .to.throw()
        .with.property('option', option);
    }
  });

  it('cuts by records, numbering segments and reporting rows as runs, the columns from the first record', async () => {
    const out = await cut(names(5), { maxRecords: 2 });
    expect(out.columns.map((p) => p.upload)).to.deep.equal([['Name']]);
    expect(out.batches.map((b) => [b.seq, b.records, b.rows, b.end])).to.deep.equal([
      [0, 2, [[1, 2]], { row: 2, offset: null }],
      [1, 2, [[3, 2]], { row: 4, offset: null }],
      [2, 1, [[5, 1]], { row: 5, offset: null }],
    ]);
    expect(out.texts).to.deep.equal(['Name\nn1\nn2\n', 'Name\nn3\nn4\n', 'Name\nn5\n']);
  });

  it('cuts by bytes, the header counted', async () => {
    const out = await cut(names(3), { maxBytes: 'Name\nn1\nn2\n'.length });
    expect(out.texts).to.deep.equal(['Name\nn1\nn2\n', 'Name\nn3\n']);
  });

  it('takes the columns from the fields of the records it looks ahead at, and places them all in order (issue 27)', async () => {
    const records = [rec(1, { LastName: 'a' }), rec(2, { LastName: 'b', Email: 'b@x' }), rec(3, { LastName: 'c' }), rec(4, { LastName: 'd', Phone: '1' })];
    const out = await cut(records, { maxRecords: 2, lookaheadRecords: 3 });
    expect(out.columns.map((p) => p.upload)).to.deep.equal([['LastName', 'Email']]);
    // Row 4 comes after the look-ahead: its field outside the columns costs it alone.
    expect(out.texts).to.deep.equal(['LastName,Email\na,\nb,b@x\n', 'LastName,Email\nc,\n']);
    expect(out.rejected.map((e) => [e.row, e.error.split(':')[0]])).to.deep.equal([[4, 'BULKPIPE_UNKNOWN_FIELD']]);
    expect(out.rejected[0]?.error).to.include('the first 3 records (LastName, Email); declare every field the records may have in the columns option');
    // An input shorter than the look-ahead: its end sets the columns.
    const short = await cut(records.slice(0, 2));
    expect(short.texts).to.deep.equal(['LastName,Email\na,\nb,b@x\n']);
  });

  it("takes a record's key in another case as its column's (the Bulk API reads names regardless of case); both spellings in one record cost it", async () => {
    const out = await cut([rec(1, { LastName: 'a', Phone: '1' }), rec(2, { lastname: 'b', phone: '2' }), rec(3, { LastName: 'c', PHONE: '3', Phone: '4' })], {
      lookaheadRecords: 1,
    });
    expect(out.texts).to.deep.equal(['LastName,Phone\na,1\nb,2\n']);
    expect(out.rejected.map((e) => [e.row, e.error])).to.deep.equal([
      [3, 'BULKPIPE_DUPLICATE_FIELD:the fields Phone and PHONE are one field (names are read regardless of case) (input, record 3, field PHONE):PHONE --'],
    ]);
  });

  it('keys past the most columns a batch may have cost their records, with a short reason; the others load', async () => {
    const wide = Object.fromEntries(Array.from({ length: 5_001 }, (_, i) => [`F${i}__c`, 'x']));
    const out = await cut([rec(1, { Name: 'a' }), rec(2, wide), rec(3, { Name: 'c' })]);
    expect(out.columns[0]?.upload).to.have.length(5_000);
    expect(out.batches.map((b) => b.records)).to.deep.equal([2]);
    expect(out.rejected.map((e) => [e.row, e.error])).to.deep.equal([
      [
        2,
        "BULKPIPE_UNKNOWN_FIELD:the field F4999__c is not one of the columns: the first records' fields made 5,000 columns, the most a batch may have (input, record 2, field F4999__c):F4999__c --",
      ],
    ]);
  });

  it('a record that sets nothing, with no column yet, costs itself only; a key given undefined (unset) is a column', async () => {
    const empty = await cut([{ row: 1, fields: {} }]);
    expect(empty.batches.map((b) => [b.records, b.rejected])).to.deep.equal([[0, 1]]);
    expect(empty.rejected[0]?.error).to.equal(
      'BULKPIPE_MALFORMED_RECORD:the record sets no field, and no record before it did: there is no column to load it into (input, record 1): --',
    );
    const unset = await cut([{ row: 1, fields: {}, unset: ['Name'] }, rec(2, { Name: 'b' })]);
    // A CSV line of one empty value is written "" (an empty line would be no record).
    expect(unset.texts).to.deep.equal(['Name\n""\nb\n']);
  });

  it('drops the columns the describe knows nothing of: the records that carry them are rejected with why; kept when every record carries one', async () => {
    const unknownColumns = async (columns: readonly string[]) => new Map(columns.filter((c) => c.startsWith('Bad')).map((c) => [c, `${c} is no field`]));
    const out = await cut([rec(1, { Name: 'a', Bad1: 'x' }), rec(2, { Name: 'b' }), rec(3, { Name: 'c', Bad2: 'y' })], { unknownColumns });
    expect(out.columns.map((p) => p.upload)).to.deep.equal([['Name']]);
    expect(out.rejected.map((e) => [e.row, e.error.split(':')[1]])).to.deep.equal([
      [1, 'Bad1 is no field (input, record 1, field Bad1)'],
      [3, 'Bad2 is no field (input, record 3, field Bad2)'],
    ]);
    // The first record's kept for the column check to refuse; one that every record carries too.
    const asked = await cut([rec(1, { Name: 'a', Bad1: 'x' }), rec(2, { Name: 'b', Bad2: 'y' }), rec(3, { Name: 'c' })], { unknownColumns, refuseFirstUnknown: true });
    expect(asked.columns.map((p) => p.upload)).to.deep.equal([['Name', 'Bad1']]);
    const every = await cut([rec(1, { Name: 'a', Bad1: 'x' }), rec(2, { Name: 'b', Bad1: 'y' })], { unknownColumns });
    expect(every.columns.map((p) => p.upload)).to.deep.equal([['Name', 'Bad1']]);
  });

  it('rejects a record with a field outside the columns into its segment, between the records around it', async () => {
    const out = await cut([rec(1, { Name: 'a' }), rec(2, { Name: 'b', Other: 'x' }), rec(3, { Name: 'c' })], { maxRecords: 2, lookaheadRecords: 1 });
    expect(out.rejected.map((e) => [e.row, e.error.split(':')[0], e.line])).to.deep.equal([[2, 'BULKPIPE_UNKNOWN_FIELD', 'b']]);
    // The record and the field are named, and the option that would make it a column.
    expect(out.rejected[0]?.error).to.equal(
      'BULKPIPE_UNKNOWN_FIELD:the field Other is not one of the columns, which were taken from the fields of the first record (Name); declare every field the records may have in the columns option (input, record 2, field Other):Other --',
    );
    expect(out.batches.map((b) => [b.records, b.rejected, b.rows])).to.deep.equal([
      [
        2,
        1,
        [
          [1, 1],
          [3, 1],
        ],
      ],
    ]);
    const rejects: number[] = [];
    for await (const entry of readRejects(await out.spool.path(0, 'rejects'))) rejects.push(entry.row);
    expect(rejects).to.deep.equal([2]);
  });

  it('a resumed run passes over the rows cut before (after they set the columns) and numbers on', async () => {
    const out = await cut(names(4), { maxRecords: 2, resume: { seq: 7, afterRow: 2 } });
    expect(out.batches.map((b) => [b.seq, b.rows])).to.deep.equal([[7, [[3, 2]]]]);
  });

  it('a resumed run cuts again where the run cut before (`cuts`)', async () => {
    const out = await cut(names(5), { maxRecords: 10, cuts: [1, 3] });
    expect(out.batches.map((b) => b.rows)).to.deep.equal([[[1, 1]], [[2, 2]], [[4, 2]]]);
  });

  it('cuts rejected records alone at the end, with the columns declared', async () => {
    const out = await cut([{ row: 1, fields: {}, error: 'BULKPIPE_MALFORMED_RECORD:bad:--' }], { columns: ['Name'] });
    expect(out.batches.map((b) => [b.path, b.records, b.rejected, b.columns])).to.deep.equal([[null, 0, 1, ['Name']]]);
  });

  it('writes JSON with its frame and the separators between records', async () => {
    const out = await cut(names(3), { contentType: 'JSON', maxRecords: 2 });
    expect(out.texts.map((t) => JSON.parse(t))).to.deep.equal([[{ Name: 'n1' }, { Name: 'n2' }], [{ Name: 'n3' }]]);
  });
});
