import { expect } from 'chai';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { InputRecord } from '../../lib/load-types.js';
import type { SObjectDescribe } from '../../lib/wire/describe.js';
import { RecordReader } from '../../transforms/record-reader.js';
import { collector } from '../helpers/streams.js';

describe('transforms/record-reader', () => {
  const described = {
    name: 'Contact',
    fields: [
      { name: 'Birthdate', type: 'date' },
      { name: 'EmailBouncedDate', type: 'datetime' },
      { name: 'LastName', type: 'string' },
    ],
  } as unknown as SObjectDescribe;

  async function read(records: readonly unknown[], reader: RecordReader): Promise<InputRecord[]> {
    const sink = collector<InputRecord>();
    await pipeline(Readable.from(records), reader, sink);
    return sink.items;
  }

  it('checks its options at once', () => {
    for (const [option, value] of [
      ['source', ''],
      ['describe', 'Contact'],
    ] as const) {
      expect(() => new RecordReader({ [option]: value } as never))
        .to.throw()
        .with.property('option', option);
    }
  });

  it("asks the describe once, at the first record, and gives a Date its field's form (names matched regardless of case)", async () => {
    let asked = 0;
    const describe = async () => {
      asked++;
      return described;
    };
    const day = new Date(Date.UTC(1985, 6, 4));
    const out = await read(
      [
        { LastName: 'a', birthdate: day, EmailBouncedDate: day },
        { LastName: 'b', Birthdate: day },
      ],
      new RecordReader({ describe }),
    );
    expect(asked).to.equal(1);
    expect(out).to.deep.equal([
      { row: 1, fields: { LastName: 'a', birthdate: '1985-07-04', EmailBouncedDate: '1985-07-04T00:00:00.000Z' } },
      { row: 2, fields: { LastName: 'b', Birthdate: '1985-07-04' } },
    ]);
    // Without a describe a Date is its instant: what a date-time field takes.
    expect((await read([{ Birthdate: day }], new RecordReader()))[0]?.fields).to.deep.equal({ Birthdate: '1985-07-04T00:00:00.000Z' });
  });

  it('passes a record that cannot be sent on rejected, naming it and its field; a describe that fails fails the stream', async () => {
    const [bad] = await read([{ LastName: Number.NaN }], new RecordReader({ source: 'cursor' }));
    expect(bad).to.deep.include({ row: 1, fields: {} });
    expect(bad?.error).to.match(/^BULKPIPE_MALFORMED_RECORD:a value must be .* got NaN \(cursor, record 1, field LastName\):LastName --$/);
    const failing = new RecordReader({ describe: () => Promise.reject(Object.assign(new Error('no such object'), { code: 'BULK_API' })) });
    let err: unknown;
    await read([{ LastName: 'a' }], failing).catch((e: unknown) => {
      err = e;
    });
    expect(err).to.include({ code: 'BULK_API' });
  });
});
