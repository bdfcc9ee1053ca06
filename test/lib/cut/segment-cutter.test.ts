import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { type CutEvents, SegmentCutter, type SegmentCutterOptions } from '../../../lib/cut/segment-cutter.js';
import { BatchAlignment } from '../../../lib/load/batch-alignment.js';
import { recordDigest } from '../../../lib/load/csv-payload-records.js';
import { LoadSpool } from '../../../lib/load/load-spool.js';
import { type RejectEntry, readRejects } from '../../../lib/load/reject-file.js';
import type { SpooledBatch } from '../../../lib/load-types.js';
import { useTempDir } from '../../helpers/temp-dir.js';

describe('lib/cut/segment-cutter', () => {
  const tmp = useTempDir('bulkpipe-segment-cutter-');

  /** A cutter and what it reported. */
  function cutter(options: Partial<SegmentCutterOptions> = {}) {
    const seen = { rejected: [] as RejectEntry[], batches: [] as SpooledBatch[] };
    const events: CutEvents = { columns: () => undefined, rejected: (e) => seen.rejected.push(e), batch: (b) => seen.batches.push(b) };
    const spool = new LoadSpool({ dir: tmp.path });
    return { spool, seen, cutter: new SegmentCutter({ spool, maxRecords: 3, events, ...options }) };
  }

  const shape = { bytes: 0, contentType: 'CSV', columns: ['Name'], end: { offset: null } } as const;

  it('counts rows into runs up to the record limit, and closes a segment into the next number', () => {
    const { cutter: c } = cutter({ seq: 4, row: 10 });
    expect(c.open).to.equal(false);
    expect(c.close()).to.equal(undefined); // nothing to cut: no number used
    for (const row of [11, 12, 14]) c.take(row);
    expect([c.records, c.row, c.full, c.open]).to.deep.equal([3, 14, true, true]);
    const closed = c.close();
    expect(closed).to.deep.include({ seq: 4, records: 3, row: 14, rejects: undefined });
    expect(closed?.rows).to.deep.equal([
      [11, 2],
      [14, 1],
    ]);
    expect([c.records, c.full, c.open, c.row]).to.deep.equal([0, false, false, 14]);
    c.take(15);
    expect(c.close()?.seq).to.equal(5);
  });

  it('tells a resumed run where its cuts are due, by the next row', () => {
    const { cutter: c } = cutter({ cuts: [2, 5] });
    expect(c.cutDue(2)).to.equal(false);
    expect(c.cutDue(3)).to.equal(true);
    expect(c.cutDue(4)).to.equal(false);
    expect(c.cutDue(6)).to.equal(true);
  });

  it('ends a segment that begins with an org batch first record after that batch count, then goes back to the batch size', () => {
    const align = new BatchAlignment();
    align.add(recordDigest(Buffer.from('a,1\n')), 2);
    const { cutter: c } = cutter({ align, maxRecords: 5 });
    expect(c.aligning).to.equal(true);
    c.alignTo([Buffer.from('a,'), Buffer.from('1\n')]); // in pieces, as the fast path slices it
    c.take(1);
    expect(c.aligning).to.equal(false); // only a segment's first record is hashed
    c.take(2);
    expect(c.full).to.equal(true);
    c.close();
    c.alignTo([Buffer.from('b,2\n')]); // no org batch begins with it
    for (const row of [3, 4, 5, 6]) c.take(row);
    expect(c.full).to.equal(false);
    c.take(7);
    expect(c.full).to.equal(true);
  });

  it('aligns nothing without an alignment, or with an empty one', () => {
    expect(cutter().cutter.aligning).to.equal(false);
    expect(cutter({ align: new BatchAlignment() }).cutter.aligning).to.equal(false);
  });

  it('keeps rejected records in their segment reject file, in input order, reported as they come', async () => {
    const { cutter: c, seen, spool } = cutter();
    const opening = c.reject({ row: 1, error: 'E:one:--', fields: { Name: 'x' } });
    expect(opening).to.be.instanceOf(Promise); // the file is opened: the caller waits
    await opening;
    expect(c.reject({ row: 2, error: 'E:two:--' })).to.equal(undefined); // buffered: no wait
    c.take(3);
    await c.reject({ row: 4, error: 'E:four:--', line: 'y' });
    expect(c.row).to.equal(4);
    expect(seen.rejected.map((e) => e.row)).to.deep.equal([1, 2, 4]);
    const closed = c.close();
    if (!closed) throw new Error('a segment');
    const path = await c.writePayload(closed, 'csv', [Buffer.from('Name\n'), Buffer.from('x\n')]);
    const batch = await c.finish(closed, { ...shape, path, bytes: 7, end: { offset: 42, line: 5 } });
    expect(batch).to.deep.equal({
      kind: 'batch',
      seq: 0,
      path,
      contentType: 'CSV',
      records: 1,
      rejected: 3,
      bytes: 7,
      rows: [[3, 1]],
      columns: ['Name'],
      end: { row: 4, offset: 42, line: 5 },
    });
    expect(await readFile(path, 'utf8')).to.equal('Name\nx\n');
    const rejects: number[] = [];
    for await (const entry of readRejects(await spool.path(0, 'rejects'))) rejects.push(entry.row);
    expect(rejects).to.deep.equal([1, 2, 4]);
    expect(spool.pending().map((s) => [s.seq, s.records, s.rejected, s.rows])).to.deep.equal([[0, 1, 3, [[3, 1]]]]);
  });

  it('cuts a segment of rejected records alone, with no payload', async () => {
    const { cutter: c } = cutter();
    await c.reject({ row: 1, error: 'E:x:--' });
    expect(c.open).to.equal(true);
    const closed = c.close();
    if (!closed) throw new Error('a segment');
    const batch = await c.finish(closed, { ...shape, path: null });
    expect(batch).to.deep.include({ path: null, records: 0, rejected: 1, bytes: 0, rows: [], end: { row: 1, offset: null } });
  });

  it('reports a zip upload as the bytes uploaded', async () => {
    const { cutter: c } = cutter();
    c.take(1);
    const closed = c.close();
    if (!closed) throw new Error('a segment');
    const batch = await c.finish(closed, { ...shape, path: '/p/manifest', bytes: 10, upload: { path: '/p/zip', bytes: 99 } });
    expect(batch).to.deep.include({ path: '/p/manifest', upload: '/p/zip', bytes: 99 });
  });

  it('drops an aborted run open records: nothing is left to cut', () => {
    const { cutter: c } = cutter();
    c.take(1);
    c.drop();
    expect(c.open).to.equal(false);
  });
});
