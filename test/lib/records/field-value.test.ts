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
    });
    expect(plainRecordFields({ Name: 'x', Account: { Ext__c: [1] } })).to.deep.equal({
      reason: 'a value must be a string, a number, a boolean, a Date, null or a parent reference object, got an array',
      field: 'Account.Ext__c',
    });
  });
});
