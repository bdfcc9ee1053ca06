import { expect } from 'chai';
import { fieldValue } from '../../../lib/records/field-value.js';
import { flattenRecord } from '../../../lib/records/json-object-fields.js';
import { plainRecordFields } from '../../../lib/records/plain-record.js';

describe('lib/records/field-value', () => {
  it('converts each kind of value as the Bulk API takes it', () => {
    expect([['text'], [''], [12.5], [-0], [10n], [true], [false], [null], [undefined]].map(([v]) => fieldValue(v))).to.deep.equal([
      'text',
      '',
      '12.5',
      '0',
      '10',
      'true',
      'false',
      null,
      undefined,
    ]);
    for (const v of [Number.NaN, Number.POSITIVE_INFINITY, [1], () => 1, new Date(Number.NaN), Symbol('s'), new Map()]) expect(fieldValue(v), String(v)).to.equal(false);
  });

  it('writes a Date as its field takes it: a date field its day, a date-time field (or one not known) its instant in UTC', () => {
    const midnight = new Date(Date.UTC(1990, 4, 1));
    const afternoon = new Date(Date.UTC(2024, 0, 31, 14, 5, 7, 9));
    expect(fieldValue(midnight, 'date')).to.equal('1990-05-01');
    expect(fieldValue(midnight, 'datetime')).to.equal('1990-05-01T00:00:00.000Z');
    expect(fieldValue(midnight)).to.equal('1990-05-01T00:00:00.000Z');
    // A time of day is no day: left whole, for the org to refuse in its words rather than a day guessed.
    expect(fieldValue(afternoon, 'date')).to.equal('2024-01-31T14:05:07.009Z');
    expect(fieldValue(afternoon, 'datetime')).to.equal('2024-01-31T14:05:07.009Z');
    // A Date made at local midnight (new Date(y, m, d)) is that local day, whatever the zone.
    expect(fieldValue(new Date(1990, 4, 1), 'date')).to.equal('1990-05-01');
  });

  it("takes a date field's ISO 8601 text at midnight UTC (a Date through JSON.stringify) as its day, and no other text", () => {
    expect(fieldValue(JSON.parse(JSON.stringify(new Date(Date.UTC(1990, 4, 1)))), 'date')).to.equal('1990-05-01');
    expect(fieldValue('1990-05-01T00:00:00Z', 'date')).to.equal('1990-05-01');
    expect(fieldValue('1990-05-01T00:00:00.000Z', 'datetime')).to.equal('1990-05-01T00:00:00.000Z');
    expect(fieldValue('1990-05-01T00:00:00.000Z')).to.equal('1990-05-01T00:00:00.000Z');
    for (const v of ['1990-05-01T00:00:01.000Z', '1990-05-01T00:00:00.000+02:00', '01/05/1990']) expect(fieldValue(v, 'date')).to.equal(v);
    expect(plainRecordFields({ Birthdate: '1990-05-01T00:00:00.000Z', Name: '1990-05-01T00:00:00.000Z' }, (f) => (f === 'Birthdate' ? 'date' : undefined))).to.deep.equal({
      fields: { Birthdate: '1990-05-01', Name: '1990-05-01T00:00:00.000Z' },
    });
  });

  it("takes a Date as its local day when it is its local day's first instant, where clocks skip midnight too", () => {
    const zone = process.env.TZ;
    try {
      process.env.TZ = 'America/Sao_Paulo';
      // 2018-11-04 had no midnight in Sao Paulo (the clocks went from 00:00 to 01:00): the day begins at 01:00.
      const skipped = new Date(2018, 10, 4);
      expect(skipped.getHours()).to.equal(1);
      expect(fieldValue(skipped, 'date')).to.equal('2018-11-04');
      expect(fieldValue(new Date(2018, 10, 4, 1, 0, 0, 1), 'date')).to.equal('2018-11-04T03:00:00.001Z');
      process.env.TZ = 'Asia/Tokyo';
      expect(fieldValue(new Date(1990, 4, 1), 'date')).to.equal('1990-05-01');
      expect(fieldValue(new Date(Date.UTC(1990, 4, 1)), 'date')).to.equal('1990-05-01');
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });

  it('is the conversion of both records from code and JSON records: the same text for the same value', () => {
    const values = { Name: 'n', Count: 3, Ratio: 0.25, Big: 1e21, Flag: false, Gone: null };
    const fromCode = plainRecordFields({ ...values });
    const fromJson = flattenRecord(JSON.parse(JSON.stringify(values)), { source: 'x.ndjson', line: 1, record: 1 });
    expect(fromCode).to.deep.equal({ fields: fromJson });
    expect(fromJson).to.deep.equal({ Name: 'n', Count: '3', Ratio: '0.25', Big: '1e+21', Flag: 'false', Gone: null });
  });

  it('a record from code: Dates by the types given, undefined left out, a parent reference flattened, a value with no meaning named', () => {
    const dateType = (field: string) => (field === 'Birthdate' ? 'date' : field === 'Seen__c' ? 'datetime' : undefined);
    const day = new Date(Date.UTC(1990, 4, 1));
    expect(plainRecordFields({ Birthdate: day, Seen__c: day, Other: day, Gone: undefined, Account: { attributes: {}, Ext__c: 7, Left: undefined } }, dateType)).to.deep.equal({
      fields: { Birthdate: '1990-05-01', Seen__c: '1990-05-01T00:00:00.000Z', Other: '1990-05-01T00:00:00.000Z', 'Account.Ext__c': '7' },
      unset: ['Gone'],
    });
    // A relationship key set to null (a lookup a query left empty) is left out, when the caller knows it for one.
    expect(plainRecordFields({ Name: 'n', Account: null, Phone: null }, undefined, (key) => key === 'Account')).to.deep.equal({ fields: { Name: 'n', Phone: null } });
    expect(plainRecordFields({ Name: 'x', Account: { Ext__c: [1] } })).to.deep.equal({
      reason: 'a value must be a string, a number, a boolean, a Date, null or a parent reference object, got an array',
      field: 'Account.Ext__c',
    });
  });
});
