import { expect } from 'chai';
import { ColumnLookahead, DEFAULT_LOOKAHEAD_RECORDS } from '../../../lib/cut/column-lookahead.js';
import type { InputRecord } from '../../../lib/load-types.js';

describe('lib/cut/column-lookahead', () => {
  const rec = (row: number, fields: Record<string, string | null>, error?: string): InputRecord => ({ row, fields, ...(error ? { error } : {}) });

  it('validates its bounds under the option names a chunker takes', () => {
    for (const [option, value] of [
      ['lookaheadRecords', 0],
      ['lookaheadCharacters', 1.5],
    ] as const) {
      const options = option === 'lookaheadRecords' ? { maxRecords: value } : { maxCharacters: value };
      expect(() => new ColumnLookahead(options))
        .to.throw()
        .with.property('option', option);
    }
  });

  it('is the union of the fields, the first record first and in its order, the others as first seen', () => {
    const lookahead = new ColumnLookahead({ maxRecords: 10 });
    lookahead.add(rec(1, { LastName: 'a', Email: 'e' }));
    lookahead.add(rec(2, { Phone: '1', LastName: 'b' }));
    lookahead.add(rec(3, { Birthdate: null, Email: 'f', Phone: '2' }));
    expect(lookahead.columns()).to.deep.equal(['LastName', 'Email', 'Phone', 'Birthdate']);
    expect(lookahead.take().map((r) => r.row)).to.deep.equal([1, 2, 3]);
    expect(lookahead.held).to.equal(0);
  });

  it('counts no field of a rejected record, and is never full on rejected records alone', () => {
    const lookahead = new ColumnLookahead({ maxRecords: 2 });
    expect(lookahead.add(rec(1, { Junk: 'x' }, 'BULKPIPE_MALFORMED_RECORD:x:--'))).to.equal(false);
    expect(lookahead.add(rec(2, { Junk: 'y' }, 'BULKPIPE_MALFORMED_RECORD:x:--'))).to.equal(false);
    expect(lookahead.first).to.equal(undefined);
    expect(lookahead.add(rec(3, { Name: 'n' }))).to.equal(true);
    expect(lookahead.columns()).to.deep.equal(['Name']);
    expect(lookahead.first?.row).to.equal(3);
    expect(lookahead.take().map((r) => r.row)).to.deep.equal([1, 2, 3]);
  });

  it("counts a rejected record's characters once it holds it, so that it is full at its bound", () => {
    const lookahead = new ColumnLookahead({ maxRecords: 100, maxCharacters: 25 });
    expect(lookahead.add(rec(1, { Name: 'a' }))).to.equal(false);
    expect(lookahead.add(rec(2, { Name: 'x'.repeat(30) }, 'BULKPIPE_FIELD_COUNT:x:--'))).to.equal(true);
    expect(lookahead.columns()).to.deep.equal(['Name']);
  });

  it('counts a key given undefined as a column; a record that sets no key opens nothing', () => {
    const lookahead = new ColumnLookahead();
    lookahead.add({ row: 1, fields: {} });
    lookahead.add({ row: 2, fields: { LastName: 'a' }, unset: ['Phone'] });
    lookahead.add(rec(3, { LastName: 'b' }));
    expect(lookahead.first?.row).to.equal(2);
    expect(lookahead.columns()).to.deep.equal(['LastName', 'Phone']);
  });

  it('takes at most 5,000 columns, and says it left keys out', () => {
    const lookahead = new ColumnLookahead();
    lookahead.add(rec(1, { Name: 'a' }));
    expect(lookahead.overflowed).to.equal(false);
    lookahead.add(rec(2, Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`F${i}`, 'x']))));
    expect(lookahead.columns()).to.have.length(5_000);
    expect(lookahead.overflowed).to.equal(true);
  });

  it('is full at its record count, or at its characters (one record larger than the bound alone fills it)', () => {
    const byCount = new ColumnLookahead({ maxRecords: 3 });
    expect([1, 2, 3].map((row) => byCount.add(rec(row, { Name: 'n' })))).to.deep.equal([false, false, true]);
    // 'Name' + 6 characters is 10 a record.
    const byCharacters = new ColumnLookahead({ maxRecords: 100, maxCharacters: 25 });
    expect([1, 2, 3].map((row) => byCharacters.add(rec(row, { Name: 'nnnnnn' })))).to.deep.equal([false, false, true]);
    const large = new ColumnLookahead({ maxRecords: 100, maxCharacters: 25 });
    expect(large.add(rec(1, { Name: 'x'.repeat(100) }))).to.equal(true);
    const byDefault = new ColumnLookahead();
    const full = Array.from({ length: DEFAULT_LOOKAHEAD_RECORDS }, (_, i) => byDefault.add(rec(i + 1, { Name: 'n' })));
    expect(full.indexOf(true)).to.equal(DEFAULT_LOOKAHEAD_RECORDS - 1);
  });

  it('keeps the first spelling of a name across records; the first record keeps both of its own (the cutter refuses them)', () => {
    const lookahead = new ColumnLookahead();
    lookahead.add(rec(1, { Phone: '1', Name: 'a' }));
    lookahead.add(rec(2, { PHONE: '2', name: 'b', Fax: '3' }));
    expect(lookahead.columns()).to.deep.equal(['Phone', 'Name', 'Fax']);
    const twice = new ColumnLookahead();
    twice.add(rec(1, { Phone: '1', PHONE: '2' }));
    expect(twice.columns()).to.deep.equal(['Phone', 'PHONE']);
  });

  it("opens with another first record's fields when given one (a grouped load's first input record)", () => {
    const lookahead = new ColumnLookahead();
    lookahead.add(rec(5, { AccountId: 'b', Name: 'x', Phone: '1' }));
    lookahead.add(rec(1, { Name: 'y', AccountId: 'a' }));
    expect(lookahead.columns(rec(1, { Name: 'y', AccountId: 'a' }))).to.deep.equal(['Name', 'AccountId', 'Phone']);
  });
});
