import { expect } from 'chai';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BatchAlignment } from '../../lib/load/batch-alignment.js';
import type { ColumnPlan } from '../../lib/load/column-plan.js';
import { recordDigest } from '../../lib/load/csv-payload-records.js';
import { LoadSpool } from '../../lib/load/load-spool.js';
import { readRejects, type RejectEntry } from '../../lib/load/reject-file.js';
import type { InputRecord, SpooledBatch } from '../../lib/load-types.js';
import { readBatchPayload } from '../../lib/wire/batch-payload.js';
import { readZipBatch } from '../../server/processing/zip-batch.js';
import { BatchChunker, batchChunker } from '../../transforms/batch-chunker.js';
import { collect, rejection } from '../helpers/fixtures.js';
import { collector, slowSink } from '../helpers/streams.js';
import { useTempDir } from '../helpers/temp-dir.js';

const record = (row: number, fields: Record<string, string | null>): InputRecord => ({ row, line: row + 1, fields });

describe('transforms/batch-chunker', () => {
  const tmp = useTempDir('bulkpipe-chunker-');

  let spool: LoadSpool;
  beforeEach(() => {
    spool = new LoadSpool({ dir: tmp.path });
  });

  async function chunk(records: InputRecord[], options: Partial<ConstructorParameters<typeof BatchChunker>[0]> = {}): Promise<SpooledBatch[]> {
    const sink = collector<SpooledBatch>();
    await pipeline(Readable.from(records), batchChunker({ contentType: 'CSV', spool, ...options }), sink);
    return sink.items;
  }

  /** The records of a spooled batch, read back as the org (and the joiner) read them. */
  async function readBack(batch: SpooledBatch): Promise<Array<Record<string, string | null | undefined>>> {
    const payload = readBatchPayload(await readFile(batch.path as string, 'utf8'), batch.contentType === 'CSV' ? 'csv' : batch.contentType === 'XML' ? 'xml' : 'json');
    return payload.rows.map((row) => Object.fromEntries(payload.columns.map((c, i) => [c, row[i]])));
  }

  describe('validation', () => {
    const bad: Array<[string, Record<string, unknown>]> = [
      ['contentType', { contentType: 'YAML' }],
      ['spool', { spool: '/tmp' }],
      ['operation', { operation: 'merge' }],
      ['maxRecords', { maxRecords: 10_001 }],
      ['maxBytes', { maxBytes: 10_000_001 }],
      ['maxCharacters', { maxCharacters: 0 }],
      ['columns', { columns: ['A', 'A'] }],
      ['columns', { columns: ['Phone', 'PHONE'] }],
    ];
    for (const [name, options] of bad) {
      it(`rejects a bad ${name}`, () => {
        expect(() => new BatchChunker({ contentType: 'CSV', spool: new LoadSpool(), ...options } as never))
          .to.throw()
          .with.property('code', 'BULK_INVALID_OPTION');
      });
    }
  });

  it('cuts at maxRecords and spools payloads that read back to the input', async () => {
    const input = Array.from({ length: 25 }, (_, i) => record(i + 1, { Name: `N ${i}, "q"`, Note: i % 3 === 0 ? null : `line\n${i}` }));
    const items = await chunk(input, { maxRecords: 10 });
    const batches = items;
    expect(batches.map((b) => b.records)).to.deep.equal([10, 10, 5]);
    expect(batches.map((b) => b.seq)).to.deep.equal([0, 1, 2]);
    expect(batches.map((b) => b.rows)).to.deep.equal([[[1, 10]], [[11, 10]], [[21, 5]]]);
    const back = (await Promise.all(batches.map(readBack))).flat();
    expect(back).to.deep.equal(input.map((r) => r.fields));
    expect((await readFile(batches[0]?.path as string, 'utf8')).split('\n')[0]).to.equal('Name,Note');
  });

  it('cuts at maxBytes and maxCharacters, each batch within the limit', async () => {
    const input = Array.from({ length: 200 }, (_, i) => record(i + 1, { Name: `é${'x'.repeat(i % 50)}` }));
    for (const limits of [{ maxBytes: 1000 }, { maxCharacters: 700 }]) {
      const batches = (await chunk(input, limits)) as SpooledBatch[];
      expect(batches.reduce((n, b) => n + b.records, 0)).to.equal(200);
      for (const b of batches) {
        const text = await readFile(b.path as string, 'utf8');
        if ('maxBytes' in limits) expect(Buffer.byteLength(text)).to.be.at.most(1000);
        else expect(text.length).to.be.at.most(700);
      }
    }
  });

  it('writes XML and JSON payloads with nulls and parent references', async () => {
    const input = [record(1, { Name: 'A & <b>', 'Account.Ext__c': 'X-1', Gone: null }), record(2, { Name: 'B', 'Account.Ext__c': null, Gone: 'here' })];
    for (const contentType of ['XML', 'JSON'] as const) {
      const [batch] = (await chunk(input, { contentType })) as SpooledBatch[];
      expect(await readBack(batch as SpooledBatch), contentType).to.deep.equal(input.map((r) => r.fields));
    }
    const [json] = (await chunk(input, { contentType: 'JSON' })) as SpooledBatch[];
    expect(JSON.parse(await readFile(json?.path as string, 'utf8'))[0]).to.deep.equal({ Name: 'A & <b>', Account: { Ext__c: 'X-1' }, Gone: null });
  });

  it('rejects records with an unknown field or over the field limit to the segment they fall in, and keeps the rest with their row runs', async () => {
    const input = [record(1, { Name: 'a' }), record(2, { Name: 'b', Extra: 'x' }), record(3, { Name: 'c'.repeat(32_001) }), record(4, { Name: 'd' })];
    const rejected: RejectEntry[] = [];
    const sink = collector<SpooledBatch>();
    const chunker = batchChunker({ contentType: 'CSV', spool, columns: ['Name'] });
    chunker.on('rejected', (entry: RejectEntry) => rejected.push(entry));
    await pipeline(Readable.from(input), chunker, sink);
    const [batch] = sink.items;
    expect(sink.items).to.have.length(1);
    expect(batch).to.include({ records: 2, rejected: 2 });
    expect(batch?.rows).to.deep.equal([
      [1, 1],
      [4, 1],
    ]);
    expect(rejected.map((r) => r.row)).to.deep.equal([2, 3]);
    const stored = await collect(readRejects(await spool.path(0, 'rejects')));
    expect(stored.map((r) => r.row)).to.deep.equal([2, 3]);
    expect(stored[0]?.error).to.equal('BULKPIPE_UNKNOWN_FIELD:the field Extra is not one of the declared columns (Name) (input, line 3, record 2, field Extra):Extra --');
    expect(stored[0]?.line).to.equal('b'); // as it would have been uploaded: the columns only
    expect(stored[1]?.error).to.match(/^STRING_TOO_LONG:/);
    expect(spool.pending().map((s) => [s.seq, s.records, s.rejected])).to.deep.equal([[0, 2, 2]]);
  });

  it('says the last row of each segment, and a chunker resumed after one cuts the same segments that follow', async () => {
    const records = Array.from({ length: 7 }, (_, i) => record(i + 1, i === 3 ? { Name: `r${i}`, Bogus: 'x' } : { Name: `r${i}` }));
    // The columns from the first record alone: Bogus is outside them.
    const whole = await chunk(records, { contentType: 'CSV', maxRecords: 2, lookaheadRecords: 1 });
    expect(whole.map((b) => b.end)).to.deep.equal([
      { row: 2, offset: null },
      { row: 5, offset: null },
      { row: 7, offset: null },
    ]);
    // Resumed after the first segment: the records up to row 2 set the columns and are passed over.
    const resumed = await chunk(records, { contentType: 'CSV', maxRecords: 2, lookaheadRecords: 1, resume: { seq: 1, afterRow: 2 } });
    const shape = (b: SpooledBatch) => [b.seq, b.rows, b.rejected, b.end];
    expect(resumed.map(shape)).to.deep.equal(whole.slice(1).map(shape));
  });

  it("cuts a segment that begins with an org batch's first record after that batch's record count (`align`, CSV only)", async () => {
    const records = Array.from({ length: 9 }, (_, i) => record(i + 1, i === 3 ? { Name: `r${i}`, Bogus: 'x' } : { Name: `r${i}`, Note: `a\n"${i}"` }));
    const align = new BatchAlignment();
    // Records as the CSV serializer writes them: r4 (row 5) began a batch of 2 records in the org.
    align.add(recordDigest(Buffer.from('r4,"a\n""4"""\n')), 2);
    const whole = await chunk(records, { contentType: 'CSV', maxRecords: 4, align, lookaheadRecords: 1 });
    expect(whole.map((b) => b.rows)).to.deep.equal([
      [
        [1, 3],
        [5, 1],
      ],
      [[6, 4]],
    ]);
    // r4 begins no segment there; resumed after row 4, it does.
    const resumed = await chunk(records, { contentType: 'CSV', maxRecords: 4, align, lookaheadRecords: 1, resume: { seq: 1, afterRow: 4 } });
    expect(resumed.map((b) => b.rows)).to.deep.equal([[[5, 2]], [[7, 3]]]);
    expect((await readFile(resumed[0]?.path as string, 'utf8')).split('\n').slice(1).join('\n')).to.equal('r4,"a\n""4"""\nr5,"a\n""5"""\n');
    // Another content type writes records that depend on their place: never aligned.
    expect((await chunk(records, { contentType: 'JSON', maxRecords: 4, align, lookaheadRecords: 1, resume: { seq: 1, afterRow: 4 } })).map((b) => b.rows)).to.deep.equal([
      [[5, 4]],
      [[9, 1]],
    ]);
  });

  it('cuts a segment after each row of `cuts` whatever its size (a resume cuts again where a stop cut short), then goes on by the batch size', async () => {
    const records = Array.from({ length: 9 }, (_, i) => record(i + 1, i === 3 ? { Name: `r${i}`, Bogus: 'x' } : { Name: `r${i}` }));
    const cut = await chunk(records, { contentType: 'CSV', maxRecords: 3, cuts: [2, 4], lookaheadRecords: 1 });
    expect(cut.map((b) => [b.seq, b.rows, b.rejected, b.end?.row])).to.deep.equal([
      [0, [[1, 2]], 0, 2],
      [1, [[3, 1]], 1, 4],
      [2, [[5, 3]], 0, 7],
      [3, [[8, 2]], 0, 9],
    ]);
    // Resumed after the first segment, with the cut after row 4 still to come: the same segments.
    const resumed = await chunk(records, { contentType: 'CSV', maxRecords: 3, resume: { seq: 1, afterRow: 2 }, cuts: [4], lookaheadRecords: 1 });
    expect(resumed.map((b) => [b.seq, b.rows, b.end?.row])).to.deep.equal(cut.slice(1).map((b) => [b.seq, b.rows, b.end?.row]));
  });

  it('ends with a segment of rejected records only, which has nothing to upload', async () => {
    const input = [record(1, { Name: 'a' }), record(2, { Name: 'b' }), record(3, { Name: 'c', Bad: 'x' }), record(4, { Name: 'd', Bad: 'y' })];
    const items = await chunk(input, { columns: ['Name'], maxRecords: 2 });
    expect(items.map((b) => [b.seq, b.records, b.rejected, b.path === null])).to.deep.equal([
      [0, 2, 0, false],
      [1, 0, 2, true],
    ]);
    const json = await chunk([record(1, { Name: 'a', Bad: 'x' })], { columns: ['Name'], contentType: 'JSON' });
    expect(json.map((b) => [b.records, b.rejected])).to.deep.equal([[0, 1]]);
    expect((await collect(readRejects(await spool.path(0, 'rejects'))))[0]?.fields).to.deep.equal({ Name: 'a', Bad: 'x' });
  });

  it('never writes a blank record line: a lone empty value is written as ""', async () => {
    const [batch] = await chunk([record(1, { Name: '' }), record(2, { Name: 'b' }), record(3, {})], { columns: ['Name'] });
    expect(await readFile(batch?.path as string, 'utf8')).to.equal('Name\n""\nb\n""\n');
    expect(batch?.records).to.equal(3);
  });

  it('leaves out bulkpipe result columns, and uploads sf__Id as the Id of an update or a delete', async () => {
    const errorFile = [record(1, { Name: 'a', sf__Error: 'REQUIRED_FIELD_MISSING:x:--', sf__Row: '7' })];
    const plans: ColumnPlan[] = [];
    const chunker = batchChunker({ contentType: 'CSV', spool });
    chunker.on('columns', (plan: ColumnPlan) => plans.push(plan));
    const sink = collector<SpooledBatch>();
    await pipeline(Readable.from(errorFile), chunker, sink);
    expect(sink.items[0]?.columns).to.deep.equal(['Name']);
    expect(await readFile(sink.items[0]?.path as string, 'utf8')).to.equal('Name\na\n');
    expect(plans[0]).to.include({ reload: 'errors', identity: false });
    expect(plans[0]?.dropped).to.deep.equal(['sf__Error', 'sf__Row']);
    const successFile = [record(1, { Name: 'a', sf__Id: '001000000000001AAA', sf__Created: 'true', sf__Row: '1' })];
    const [update] = await chunk(successFile, { operation: 'update' });
    expect(await readFile(update?.path as string, 'utf8')).to.equal('Name,Id\na,001000000000001AAA\n');
    const [remove] = await chunk(successFile, { operation: 'delete', contentType: 'JSON' });
    expect(JSON.parse(await readFile(remove?.path as string, 'utf8'))).to.deep.equal([{ Id: '001000000000001AAA' }]);
    const [insert] = await chunk(successFile, { operation: 'insert' });
    expect(insert?.columns).to.deep.equal(['Name']);
  });

  it('holds back: with a slow consumer at most a couple of batches (and the columns look-ahead) are ahead', async () => {
    // Declared columns hold nothing back; without them the look-ahead holds its records once, at the start.
    for (const [options, bound] of [
      [{ columns: ['Name'] }, 450],
      [{ lookaheadRecords: 500 }, 500 + 450],
    ] as const) {
      let produced = 0;
      let maxAhead = 0;
      function* source() {
        for (let i = 1; i <= 2000; i++) {
          produced++;
          yield record(i, { Name: `N${i}` });
        }
      }
      const sink = slowSink<SpooledBatch>(5, () => {
        maxAhead = Math.max(maxAhead, produced - sink.items.length * 100);
      });
      await pipeline(Readable.from(source()), batchChunker({ contentType: 'CSV', spool, maxRecords: 100, ...options }), sink);
      expect(sink.items).to.have.length(20);
      expect(maxAhead, JSON.stringify(options)).to.be.below(bound);
    }
  });

  it('propagates errors and emits no partial batch when destroyed', async () => {
    const failing = new Readable({
      objectMode: true,
      read() {
        this.push(record(1, { Name: 'a' }));
        this.destroy(new Error('upstream failed'));
      },
    });
    const err = await rejection(pipeline(failing, batchChunker({ contentType: 'CSV', spool }), collector()));
    expect(err.message).to.equal('upstream failed');
    expect(await readdir(tmp.path)).to.deep.equal([]);
    await writeFile(join(tmp.path, 'file'), 'x');
    spool = new LoadSpool({ dir: join(tmp.path, 'file', 'below') }); // a file where the folder should be
    const unwritable = await rejection(chunk([record(1, { Name: 'a' })]));
    expect(unwritable).to.have.property('code', 'ENOTDIR');
  });
  describe('attachments (zip batches)', () => {
    /** A record attaching files of the given sizes (the files need not exist: only the zip writes them). */
    const withFiles = (row: number, ...files: Array<[string, number]>): InputRecord => ({
      row,
      line: row + 1,
      fields: { Name: `r${row}`, Body: files.map(([e]) => `#${e}`).join('') },
      attachments: files.map(([entry, size]) => ({ entry, path: join(tmp.path, 'files', entry), size })),
    });
    async function writeFiles(records: InputRecord[]): Promise<void> {
      await mkdir(join(tmp.path, 'files'), { recursive: true });
      for (const r of records) for (const f of r.attachments ?? []) await writeFile(f.path, Buffer.alloc(f.size, 7));
    }

    it('cuts by files per zip and by zip size, each batch a zip (upload) of its manifest (path) for a ZIP_ job', async () => {
      const records = [
        withFiles(1, ['a', 10]),
        withFiles(2, ['b', 10]),
        withFiles(3, ['a', 10]),
        withFiles(4, ['c', 10]),
        withFiles(5, ['d', 40_000]),
        withFiles(6, ['e', 40_000]),
      ];
      await writeFiles(records);
      const batches = await chunk(records, { attachments: true, maxFiles: 2, maxZipBytes: 50_000 });
      // a, b (and a again: the same file once); c, d; e alone (d and e do not fit in 50 KB together).
      expect(batches.map((b) => b.rows)).to.deep.equal([[[1, 3]], [[4, 2]], [[6, 1]]]);
      expect(batches.every((b) => b.contentType === 'ZIP_CSV' && b.upload?.endsWith('.zip') && b.path?.endsWith('.csv'))).to.equal(true);
      const zip = await readZipBatch(await readFile(batches[0]?.upload as string));
      expect([...zip.files.keys()]).to.deep.equal(['a', 'b']);
      expect(zip.manifest).to.equal(await readFile(batches[0]?.path as string, 'utf8'));
      expect(batches[0]?.bytes).to.equal((await readFile(batches[0]?.upload as string)).length);
    });

    it('rejects a record whose files alone break a zip limit, to its segment', async () => {
      const records = [withFiles(1, ['a', 10]), withFiles(2, ['big', 60_000]), withFiles(3, ['x', 1], ['y', 1], ['z', 1])];
      await writeFiles(records);
      const batches = await chunk(records, { attachments: true, maxFiles: 2, maxZipBytes: 50_000, contentType: 'JSON' });
      expect(batches.map((b) => [b.records, b.rejected, b.contentType])).to.deep.equal([[1, 2, 'ZIP_JSON']]);
      const rejects = await collect(readRejects(await spool.path(0, 'rejects')));
      expect(rejects.map((r) => [r.row, r.error])).to.deep.equal([
        [2, 'BULKPIPE_RECORD_TOO_LARGE:the record alone is larger than a batch may be (50000 bytes zipped, with its file):--'],
        [3, 'BULKPIPE_RECORD_TOO_LARGE:the record alone is larger than a batch may be (2 files):--'],
      ]);
    });

    it('rejects bad zip limits', () => {
      for (const bad of [{ maxFiles: 1001 }, { maxFiles: 0 }, { maxZipBytes: 10_000_001 }]) {
        expect(() => batchChunker({ contentType: 'CSV', spool, attachments: true, ...bad }), JSON.stringify(bad)).to.throw(/Invalid option/);
      }
    });
  });

  it('stops before any batch when the first record, which sets the columns, names a field twice regardless of case', async () => {
    const err = await rejection(chunk([record(1, { Name: 'a', Phone: '1', PHONE: '2' }), record(2, { Name: 'b' })], { source: 'in.json' }));
    expect(err).to.include({ code: 'BULK_COLUMNS', source: 'in.json', line: 2 });
    expect(err).to.have.deep.property('columns', ['Phone', 'PHONE']);
    expect(err.message).to.include('in.json, line 2: record 1, which sets the columns, names the field Phone twice (column 2 Phone and column 3 PHONE');
  });
});
