import { expect } from 'chai';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SpoolRowsMismatchError } from '../../../lib/errors.js';
import { joinSegment, type SegmentSources } from '../../../lib/join/join-segment.js';
import type { JoinedRows } from '../../../lib/join/joined-rows.js';
import { readResultBlocks } from '../../../lib/join/read-results.js';
import { RejectWriter } from '../../../lib/load/reject-file.js';
import type { DmlResult } from '../../../lib/types.js';
import { serializeDmlResults } from '../../../lib/wire/dml-results.js';
import { chunksOf, collect, rejection } from '../../helpers/fixtures.js';
import { useTempDir } from '../../helpers/temp-dir.js';

const ok = (n: number): DmlResult => ({ id: `001000000000${String(n).padStart(3, '0')}AAA`, success: true, created: true, errors: [] });
const results = (rows: DmlResult[]) => readResultBlocks(chunksOf([...serializeDmlResults(rows, 'csv')].join(''), 64), 'csv', 'results');
const plain = (blocks: JoinedRows[]) => blocks.flatMap((b) => b.rows.map((r) => [r.row, r.success, r.id, r.error, r.batchId, r.line?.toString() ?? r.fields]));

describe('lib/join/join-segment', () => {
  const tmp = useTempDir('bulkpipe-join-');

  async function segment(lines: string[], rows: SegmentSources['rows'], extra: Partial<SegmentSources> = {}): Promise<SegmentSources> {
    const payloadPath = join(tmp.path, 'p.csv');
    await writeFile(payloadPath, `Name\n${lines.join('\n')}\n`);
    return {
      seq: 0,
      jobId: '750000000000001AAA',
      batchId: '751000000000001AAA',
      contentType: 'CSV',
      columns: ['Name'],
      rows,
      records: lines.length,
      payloadPath,
      rejectsPath: null,
      results: undefined,
      failure: 'InvalidBatch : nope',
      ...extra,
    };
  }

  it('a grouped segment: merged by grouped row, each row given its input row (sources, sourceRow); a sources count that is not the records is a spool mismatch', async () => {
    const rejectsPath = join(tmp.path, 'grouped-r.ndjson');
    const writer = new RejectWriter(rejectsPath);
    writer.add({ row: 2, sourceRow: 40, error: 'R:rejected:--', line: 'rejected' });
    await writer.flush();
    const sources = Uint32Array.from([17, 3]);
    const s = await segment(
      ['a', 'b'],
      [
        [1, 1],
        [3, 1],
      ],
      { rejectsPath, sources, results: results([ok(1), ok(2)]) },
    );
    expect(plain(await collect(joinSegment(s))).map(([row, success, , , , line]) => [row, success, line])).to.deep.equal([
      [17, true, 'a'],
      [40, false, 'rejected'],
      [3, true, 'b'],
    ]);
    const short = await segment(['a', 'b'], [[1, 2]], { sources: Uint32Array.from([5]), results: results([ok(1), ok(2)]) });
    expect(await rejection(collect(joinSegment(short))))
      .to.be.instanceOf(SpoolRowsMismatchError)
      .with.property('message')
      .that.contains('fewer records');
  });

  it('zips each record with its result, row numbers from the runs, rejected records merged in by row', async () => {
    const rejectsPath = join(tmp.path, 'r.ndjson');
    const writer = new RejectWriter(rejectsPath);
    writer.add({ row: 1, error: 'R1:first:--', line: 'rejected first' });
    writer.add({ row: 3, error: 'R3:middle:--', line: 'rejected middle' });
    writer.add({ row: 6, error: 'R6:last:--', line: 'rejected last' });
    await writer.flush();
    const s = await segment(
      ['a', '"b, quoted"', 'c'],
      [
        [2, 1],
        [4, 2],
      ],
      { rejectsPath, results: results([ok(1), { id: null, success: false, created: false, errors: [{ statusCode: 'E', message: 'm', fields: [] }] }, ok(3)]) },
    );
    expect(plain(await collect(joinSegment(s)))).to.deep.equal([
      [1, false, null, 'R1:first:--', null, 'rejected first'],
      [2, true, '001000000000001AAA', '', '751000000000001AAA', 'a'],
      [3, false, null, 'R3:middle:--', null, 'rejected middle'],
      [4, false, null, 'E:m:--', '751000000000001AAA', '"b, quoted"'],
      [5, true, '001000000000003AAA', '', '751000000000001AAA', 'c'],
      [6, false, null, 'R6:last:--', null, 'rejected last'],
    ]);
  });

  it('a long segment: every record once, in row order, rejected ones merged before, between (more in a row than a block has room for) and after', async () => {
    const rejected = [1, 2, 500, ...Array.from({ length: 40 }, (_, i) => 1000 + i), 2999, 4001];
    const rejectsPath = join(tmp.path, 'long-r.ndjson');
    const writer = new RejectWriter(rejectsPath);
    for (const row of rejected) writer.add({ row, error: `R${row}:r:--`, line: `rejected ${row}` });
    await writer.flush();
    const uploaded = Array.from({ length: 4001 }, (_, i) => i + 1).filter((row) => !rejected.includes(row));
    // Runs of consecutive uploaded rows.
    const runs: Array<[number, number]> = [];
    for (const row of uploaded) {
      const last = runs.at(-1);
      if (last && last[0] + last[1] === row) last[1]++;
      else runs.push([row, 1]);
    }
    const s = await segment(
      uploaded.map((row) => `line ${row}`),
      runs,
      { rejectsPath, results: results(uploaded.map((_, k) => ok(k % 1000))) },
    );
    const got = plain(await collect(joinSegment(s)));
    expect(got.map((r) => r[0])).to.deep.equal(Array.from({ length: 4001 }, (_, i) => i + 1));
    for (const [row, success, id, , , line] of got) {
      const k = uploaded.indexOf(row as number);
      expect([success, id, line]).to.deep.equal(k < 0 ? [false, null, `rejected ${row}`] : [true, ok(k % 1000).id, `line ${row}`]);
    }
  });

  it('gives every record the failure when there are no results to join', async () => {
    const s = await segment(['a', 'b'], [[10, 2]]);
    expect(plain(await collect(joinSegment(s))).map((r) => [r[0], r[1], r[3]])).to.deep.equal([
      [10, false, 'InvalidBatch : nope'],
      [11, false, 'InvalidBatch : nope'],
    ]);
  });

  it('ends with a JoinMismatchError naming both counts when the results are fewer or more than the records', async () => {
    const fewer = await rejection(collect(joinSegment(await segment(['a', 'b', 'c'], [[1, 3]], { results: results([ok(1), ok(2)]) }))));
    expect(fewer).to.include({ code: 'BULK_JOIN_MISMATCH', expected: 3, actual: 2, batchId: '751000000000001AAA' });
    const more = await rejection(collect(joinSegment(await segment(['a'], [[1, 1]], { results: results([ok(1), ok(2), ok(3)]) }))));
    expect(more).to.include({ code: 'BULK_JOIN_MISMATCH', expected: 1, actual: 3 });
  });

  it('reads XML and JSON payloads back as fields', async () => {
    for (const [contentType, body] of [
      [
        'XML',
        '<?xml version="1.0"?><sObjects xmlns="http://www.force.com/2009/06/asyncapi/dataload" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><sObject><Name>A &amp; B</Name><Phone xsi:nil="true"/></sObject><sObject><Name></Name><Account><Ext__c>X</Ext__c></Account></sObject></sObjects>',
      ],
      ['JSON', '[{"Name":"A & B","Phone":null},{"Name":"","Account":{"Ext__c":"X"}}]'],
    ] as const) {
      const payloadPath = join(tmp.path, `p.${contentType}`);
      await writeFile(payloadPath, body);
      const blocks = await collect(
        joinSegment({
          seq: 0,
          jobId: null,
          batchId: 'B',
          contentType,
          columns: ['Name', 'Phone', 'Account.Ext__c'],
          rows: [[1, 2]],
          records: 2,
          payloadPath,
          rejectsPath: null,
          results: results([ok(1), ok(2)]),
          failure: '',
        }),
      );
      expect(
        blocks.flatMap((b) => b.rows.map((r) => [r.fields, r.line])),
        contentType,
      ).to.deep.equal([
        [{ Name: 'A & B', Phone: null }, undefined],
        [{ Name: '', 'Account.Ext__c': 'X' }, undefined],
      ]);
    }
  });
});
