/** GroupWindow: validation, window bounds (records, bytes), stable grouping, renumbering, determinism, rejects, a record without the field, the column check. */
import { expect } from 'chai';
import { GroupWindow } from '../../../lib/cut/group-window.js';
import type { InputRecord } from '../../../lib/load-types.js';

const rec = (row: number, parent: string | null | undefined, extra: Record<string, string> = {}): InputRecord => ({
  row,
  fields: { Name: `n${row}`, ...(parent === undefined ? {} : { AccountId: parent }), ...extra },
});

/** Feeds every record; returns what was given out, window by window. */
function run(window: GroupWindow, records: readonly InputRecord[]): InputRecord[][] {
  const out: InputRecord[][] = [];
  for (const r of records) {
    const full = window.add(r);
    if (full) out.push(full);
  }
  const rest = window.end();
  if (rest.length > 0) out.push(rest);
  return out;
}

describe('lib/cut/group-window', () => {
  it('validates its options', () => {
    for (const options of [{ field: '' }, { field: 'A', maxRecords: 0 }, { field: 'A', maxRecords: 1.5 }, { field: 'A', maxBytes: 0 }])
      expect(() => new GroupWindow(options))
        .to.throw()
        .with.property('code', 'BULK_INVALID_OPTION');
  });

  it('gives out a full window sorted by the value, equal values in input order, renumbered with their input row kept', () => {
    const parents = ['b', 'a', 'b', 'c', 'a', 'a'];
    const windows = run(
      new GroupWindow({ field: 'AccountId', maxRecords: 6 }),
      parents.map((p, i) => rec(i + 1, p)),
    );
    expect(windows).to.have.length(1);
    expect(windows[0]?.map((r) => [r.row, r.sourceRow, r.fields.AccountId])).to.deep.equal([
      [1, 2, 'a'],
      [2, 5, 'a'],
      [3, 6, 'a'],
      [4, 1, 'b'],
      [5, 3, 'b'],
      [6, 4, 'c'],
    ]);
  });

  it('holds at most maxRecords: windows are consecutive stretches of the input, numbered on across them', () => {
    const records = Array.from({ length: 10 }, (_, i) => rec(i + 1, String.fromCharCode(122 - i)));
    const windows = run(new GroupWindow({ field: 'AccountId', maxRecords: 4 }), records);
    expect(windows.map((w) => w.map((r) => r.sourceRow))).to.deep.equal([
      [4, 3, 2, 1],
      [8, 7, 6, 5],
      [10, 9],
    ]);
    expect(windows.flat().map((r) => r.row)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('closes a window at about maxBytes too', () => {
    const big = 'x'.repeat(1000);
    const records = Array.from({ length: 10 }, (_, i) => rec(i + 1, 'p', { Description: big }));
    const windows = run(new GroupWindow({ field: 'AccountId', maxBytes: 5000 }), records);
    // Each record is about 2 KB in memory: a window closes at its third.
    expect(windows.map((w) => w.length)).to.deep.equal([3, 3, 3, 1]);
  });

  it('is deterministic: the same input and bounds give the same order and numbers', () => {
    const records = Array.from({ length: 500 }, (_, i) => rec(i + 1, `p${(i * 7919) % 13}`));
    const once = run(new GroupWindow({ field: 'AccountId', maxRecords: 64 }), records).flat();
    const again = run(new GroupWindow({ field: 'AccountId', maxRecords: 64 }), records).flat();
    expect(once).to.deep.equal(again);
  });

  it('puts rejected records first in their window, in input order, and a record without the field (or null) with the empty value', () => {
    const records = [
      rec(1, 'b'),
      { row: 2, fields: { Name: 'broken' }, error: 'BULKPIPE_MALFORMED:x: --' },
      rec(3, undefined),
      rec(4, null),
      rec(5, 'a'),
      { row: 6, fields: {}, error: 'E:y: --' },
    ];
    const [window] = run(new GroupWindow({ field: 'AccountId', maxRecords: 100 }), records);
    expect(window?.map((r) => [r.row, r.sourceRow, r.error !== undefined])).to.deep.equal([
      [1, 2, true],
      [2, 6, true],
      [3, 3, false],
      [4, 4, false],
      [5, 5, false],
      [6, 1, false],
    ]);
  });

  it('refuses a field that is not a column of the first record (or of the declared columns), with a did-you-mean', () => {
    const window = new GroupWindow({ field: 'AcountId', object: 'Contact' });
    // A rejected first record sets no columns.
    expect(window.add({ row: 1, fields: {}, error: 'E:x: --' })).to.equal(undefined);
    expect(() => window.add(rec(2, 'a')))
      .to.throw(/the group-by field AcountId is not an input column \(Name, AccountId\) \(did you mean AccountId\?\)/)
      .with.property('code', 'BULK_COLUMNS');
    expect(() => new GroupWindow({ field: 'Parent', columns: ['Name', 'AccountId'] }))
      .to.throw()
      .with.property('code', 'BULK_COLUMNS');
    expect(new GroupWindow({ field: 'AccountId', columns: ['Name', 'AccountId'] }).add(rec(1, undefined))).to.equal(undefined);
  });

  it('drop: a stop gives nothing of the open window', () => {
    const window = new GroupWindow({ field: 'AccountId', maxRecords: 3 });
    const given = [1, 2, 3, 4, 5].flatMap((row) => window.add(rec(row, 'p')) ?? []);
    expect(given.map((r) => r.sourceRow)).to.deep.equal([1, 2, 3]);
    expect(window.drop()).to.equal(2);
    expect(window.end()).to.deep.equal([]);
  });
});
