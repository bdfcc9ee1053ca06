import { expect } from 'chai';
import { JoinedRows } from '../../../lib/join/joined-rows.js';
import { ResultBlock } from '../../../lib/join/result-block.js';
import type { JoinedBlock } from '../../../lib/load-types.js';

describe('lib/join/joined-rows', () => {
  const segment = { seq: 4, jobId: '750000000000001AAA', batchId: '751000000000001AAA', columns: ['Name', 'Note'] };

  it('holds rows in columns and makes JoinedRow objects only when asked, with fields parsed from the line', () => {
    const chunk = Buffer.from('xx"Zoë, x",#N/A\nA,\n');
    const results = new ResultBlock(2);
    results.addBytes(true, true, Buffer.from('"001000000000001AAA"'), 1, 19, '');
    results.addText(false, false, null, 'E:m:--');
    const block = new JoinedRows(segment, 3);
    block.takeResult(block.add(7, true, chunk, 2, 16), results, 0);
    block.takeResult(block.add(8, true, chunk, 17, 19), results, 1);
    block.fail(block.add(9, false, { Name: 'n', Note: null }), 'R:rejected:--');
    expect(block.full).to.equal(true);
    const rows = block.rows;
    expect(rows).to.equal(block.rows); // made once
    expect(rows.map((r) => [r.row, r.success, r.created, r.id, r.error, r.batchId, r.line?.toString()])).to.deep.equal([
      [7, true, true, '001000000000001AAA', '', '751000000000001AAA', '"Zoë, x",#N/A'],
      [8, false, false, null, 'E:m:--', '751000000000001AAA', 'A,'],
      [9, false, false, null, 'R:rejected:--', null, undefined],
    ]);
    expect(rows.map((r) => r.fields)).to.deep.equal([
      { Name: 'Zoë, x', Note: null },
      { Name: 'A', Note: '' },
      { Name: 'n', Note: null },
    ]);
    expect(JSON.parse(JSON.stringify(rows[0]))).to.deep.equal({
      row: 7,
      success: true,
      id: '001000000000001AAA',
      created: true,
      error: '',
      attempts: 1,
      batchId: '751000000000001AAA',
      columns: ['Name', 'Note'],
      fields: { Name: 'Zoë, x', Note: null },
    });
  });

  it('gives each row its own error, the failed ones far apart or all of them, and none to the others', () => {
    const chunk = Buffer.from('a\n');
    for (const failing of [[4500], [0, 1, 4999], Array.from({ length: 5000 }, (_, i) => i)]) {
      const results = new ResultBlock(5000);
      for (let j = 0; j < 5000; j++) results.addText(!failing.includes(j), false, null, failing.includes(j) ? `E${j}:m:--` : '');
      const block = new JoinedRows(segment, 5001);
      for (let j = 0; j < 5000; j++) block.takeResult(block.add(j + 1, true, chunk, 0, 1), results, j);
      block.fail(block.add(6000, false, {}), 'R:rejected:--');
      const errors = block.rows.map((r) => r.error);
      expect(errors.slice(0, 5000)).to.deep.equal(Array.from({ length: 5000 }, (_, j) => (failing.includes(j) ? `E${j}:m:--` : '')));
      expect(errors[5000]).to.equal('R:rejected:--');
    }
  });

  it('takes a block of plain rows from code of the user\u2019s', () => {
    const given: JoinedBlock = {
      kind: 'joined',
      seq: 0,
      jobId: null,
      batchId: 'B',
      columns: ['Name'],
      last: true,
      restart: false,
      rows: [{ row: 1, success: true, id: '001000000000001AAA', created: false, error: '', batchId: 'B', columns: ['Name'], line: Buffer.from('a'), fields: { Name: 'a' } }],
    };
    const block = JoinedRows.of(given);
    expect(block.last).to.equal(true);
    expect(block.rows.map((r) => [r.row, r.success, r.created, r.id, r.line?.toString()])).to.deep.equal([[1, true, false, '001000000000001AAA', 'a']]);
  });
});
