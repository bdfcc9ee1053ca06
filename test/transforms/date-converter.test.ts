import { expect } from 'chai';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { InputRecord } from '../../lib/load-types.js';
import { DateConverter, dateConverter } from '../../transforms/date-converter.js';
import { collector } from '../helpers/streams.js';

async function convert(records: InputRecord[], options: { dateFormat?: string; timeZone?: string }): Promise<InputRecord[]> {
  const sink = collector<InputRecord>();
  let asked = 0;
  const types = new Map([
    ['birthdate', 'date' as const],
    ['Seen__c', 'datetime' as const],
  ]);
  await pipeline(
    Readable.from(records),
    dateConverter({
      ...options,
      fieldTypes: async () => {
        asked++;
        return types;
      },
    }),
    sink,
  );
  expect(asked).to.equal(1);
  return sink.items;
}

describe('transforms/date-converter', () => {
  it('converts date and date-time fields written in the pattern; leaves other fields and other forms alone', async () => {
    const out = await convert(
      [
        { row: 1, fields: { Name: '01/02/2024', Birthdate: '01/31/2024', Seen__c: '01/31/2024 14:05' } },
        { row: 2, fields: { Name: 'x', Birthdate: '2024-01-31', Seen__c: '2024-07-01T14:05:00' } },
        { row: 3, fields: { Name: 'y', Birthdate: 'soon', Seen__c: '2024-01-31T14:05:00+05:00' } },
        { row: 4, fields: { Name: 'z', Birthdate: '02/31/2024', Seen__c: null } },
      ],
      { dateFormat: 'MM/dd/yyyy', timeZone: 'Europe/Paris' },
    );
    expect(out.map((r) => r.fields)).to.deep.equal([
      { Name: '01/02/2024', Birthdate: '2024-01-31', Seen__c: '2024-01-31T13:05:00.000Z' },
      { Name: 'x', Birthdate: '2024-01-31', Seen__c: '2024-07-01T12:05:00.000Z' },
      { Name: 'y', Birthdate: 'soon', Seen__c: '2024-01-31T14:05:00+05:00' },
      { Name: 'z', Birthdate: '02/31/2024', Seen__c: null },
    ]);
  });

  it('takes a Date from code (midnight UTC, as JSON writes it) for a date field as its day', async () => {
    for (const options of [{}, { dateFormat: 'dd/MM/yyyy' }, { timeZone: 'Europe/Paris' }]) {
      const out = await convert([{ row: 1, fields: { Birthdate: '1990-05-01T00:00:00.000Z', Seen__c: '1990-05-01T00:00:00.000Z' } }], options);
      expect(out[0]?.fields, JSON.stringify(options)).to.deep.equal({ Birthdate: '1990-05-01', Seen__c: '1990-05-01T00:00:00.000Z' });
    }
  });

  it('passes a rejected record on untouched, and checks its options at once', async () => {
    const rejected = { row: 1, fields: { Birthdate: '01/31/2024' }, error: 'BULKPIPE_FIELD_COUNT:x:--' };
    expect(await convert([rejected], { dateFormat: 'MM/dd/yyyy' })).to.deep.equal([rejected]);
    expect(() => new DateConverter({ dateFormat: 'yyyy', fieldTypes: async () => new Map() }))
      .to.throw()
      .with.property('code', 'BULK_INVALID_OPTION');
    expect(() => new DateConverter({ timeZone: 'Nowhere/Else', fieldTypes: async () => new Map() }))
      .to.throw()
      .with.property('code', 'BULK_INVALID_OPTION');
  });
});
