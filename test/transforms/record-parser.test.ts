import { expect } from 'chai';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { InputRecord } from '../../lib/load-types.js';
import { RecordParser, recordParser, type InputFormat } from '../../transforms/record-parser.js';
import { rejection } from '../helpers/fixtures.js';
import { collector, fromChunks, slowSink, splitAt } from '../helpers/streams.js';

async function parse(format: InputFormat, chunks: ReadonlyArray<string | Buffer>): Promise<InputRecord[]> {
  const sink = collector<InputRecord>();
  await pipeline(fromChunks(chunks), recordParser({ format, source: 'test.in' }), sink);
  return sink.items;
}

const SAMPLES: Record<InputFormat, { text: string; fields: Array<Record<string, string | null>> }> = {
  csv: {
    text: '\uFEFFName,Note,Account.Ext__c\r\nZoë,"multi\r\nline, ""quoted""",A-1\r\n日本,,#N/A\r\n',
    fields: [
      { Name: 'Zoë', Note: 'multi\r\nline, "quoted"', 'Account.Ext__c': 'A-1' },
      { Name: '日本', Note: '', 'Account.Ext__c': '#N/A' },
    ],
  },
  ndjson: {
    text: '\uFEFF{"Name":"Zoë","Note":"multi\\nline","Account":{"Ext__c":"A-1"}}\r\n\n{"Name":"日本","Count":3,"Ok":true,"Gone":null}\n',
    fields: [
      { Name: 'Zoë', Note: 'multi\nline', 'Account.Ext__c': 'A-1' },
      { Name: '日本', Count: '3', Ok: 'true', Gone: null },
    ],
  },
  json: {
    text: '\uFEFF[ {"Name":"Zoë","Note":"a ] } , [ \\" tricky","Account":{"Ext__c":"A-1"}},\n {"Name":"日本","Count":3,"Ok":true,"Gone":null} ]\n',
    fields: [
      { Name: 'Zoë', Note: 'a ] } , [ " tricky', 'Account.Ext__c': 'A-1' },
      { Name: '日本', Count: '3', Ok: 'true', Gone: null },
    ],
  },
  xml: {
    text: '<?xml version="1.0" encoding="UTF-8"?>\r\n<sObjects xmlns="http://www.force.com/2009/06/asyncapi/dataload" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\r\n<sObject><Name>Zoë</Name><Note>multi\nline &amp; &lt;tags&gt;</Note><Account><Ext__c>A-1</Ext__c></Account></sObject>\r\n<sObject><Name>日本</Name><Gone xsi:nil="true"/></sObject></sObjects>',
    fields: [
      { Name: 'Zoë', Note: 'multi\nline & <tags>', 'Account.Ext__c': 'A-1' },
      { Name: '日本', Gone: null },
    ],
  },
};

describe('transforms/record-parser', () => {
  describe('validation', () => {
    const bad: Array<[string, () => unknown]> = [
      ['format', () => new RecordParser({ format: 'yaml' as InputFormat })],
      ['source', () => new RecordParser({ format: 'csv', source: '' })],
      ['maxRecordBytes', () => new RecordParser({ format: 'csv', maxRecordBytes: 0 })],
    ];
    for (const [name, make] of bad) it(`rejects a bad ${name}`, () => expect(make).to.throw().with.property('code', 'BULK_INVALID_OPTION'));
  });

  for (const format of ['csv', 'ndjson', 'json', 'xml'] as const) {
    describe(format, () => {
      const { text, fields } = SAMPLES[format];

      it('reads records with their row numbers (BOM, CRLF, multi-byte, quoted newlines, parents, nulls)', async () => {
        const records = await parse(format, [text]);
        expect(records.map((r) => r.fields)).to.deep.equal(fields);
        expect(records.map((r) => r.row)).to.deep.equal([1, 2]);
      });

      it('gives the same records for the input split at every byte offset', async () => {
        const bytes = Buffer.from(text);
        for (let cut = 1; cut < bytes.length; cut++) {
          const records = await parse(format, splitAt(bytes, [cut]));
          expect(records.map((r) => r.fields), `cut at ${cut}`).to.deep.equal(fields);
        }
      });

      it('gives the same records for one-byte chunks and seeded random cuts', async () => {
        const bytes = Buffer.from(text);
        expect((await parse(format, splitAt(bytes, Array.from({ length: bytes.length }, (_, i) => i)))).map((r) => r.fields)).to.deep.equal(fields);
        let seed = 7;
        const rand = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
        for (let round = 0; round < 20; round++) {
          const cuts = Array.from({ length: 5 }, () => Math.floor(rand() * bytes.length));
          expect((await parse(format, splitAt(bytes, cuts))).map((r) => r.fields)).to.deep.equal(fields);
        }
      });
    });
  }

  it('json: an escaped backslash before a closing quote, at every split', async () => {
    const bytes = Buffer.from('[{"A":"x\\\\","B":"]\\"}"},\n{"A":"\\\\\\""}]');
    const expected = [{ A: 'x\\', B: ']"}' }, { A: '\\"' }];
    for (let cut = 0; cut <= bytes.length; cut++) {
      const records = await parse('json', splitAt(bytes, [cut]));
      expect(records.map((r) => r.fields), `cut at ${cut}`).to.deep.equal(expected);
      expect(records.map((r) => r.line)).to.deep.equal([1, 2]);
    }
  });

  describe('malformed input names the source, line and field', () => {
    const cases: Array<[InputFormat, string, Record<string, unknown>]> = [
      ['csv', 'A,B\n1,2\n3,"unterminated\n', { source: 'test.in' }],
      ['csv', 'A,B\n1,2\n3,4,5\n', { source: 'test.in', line: 3 }],
      ['csv', 'A,A\n1,2\n', { source: 'test.in', line: 1 }],
      ['csv', 'A,B\n1,2\n3,x"y\n', { source: 'test.in', line: 3, field: 'B' }],
      ['csv', 'A,B\n1,2\n"3"x,4\n', { source: 'test.in', line: 3, field: 'A' }],
      ['ndjson', '{"A":1}\n{"A":\n', { source: 'test.in', line: 2 }],
      ['ndjson', '{"A":1}\n[1,2]\n', { source: 'test.in', line: 2 }],
      ['ndjson', '{"A":[1]}\n', { source: 'test.in', line: 1, field: 'A' }],
      ['json', '[{"A":1},\n{"A":}]', { source: 'test.in', line: 2 }],
      ['json', '[{"A":1}', { source: 'test.in' }],
      ['json', '[{"A":1} "x"]', { source: 'test.in', line: 1 }],
      ['json', '[{"A":1},\n{"A":2} x]', { source: 'test.in', line: 2 }],
      ['json', '{"A":1}', { source: 'test.in', line: 1 }],
      ['xml', '<sObjects><sObject><A>1</A></sObject><sObject><A>2</B></sObject></sObjects>', { source: 'test.in' }],
      ['xml', '<records><sObject/></records>', { source: 'test.in' }],
    ];
    for (const [format, text, context] of cases) {
      it(`${format}: ${JSON.stringify(text).slice(0, 40)}`, async () => {
        const err = await rejection(parse(format, [text]));
        expect(err).to.include({ code: 'BULK_PARSE', ...context });
      });
    }

    it('bounds the carry: a line longer than maxRecordBytes fails', async () => {
      const sink = collector<InputRecord>();
      const err = await rejection(pipeline(fromChunks([`{"A":"${'x'.repeat(5000)}`]), new RecordParser({ format: 'ndjson', maxRecordBytes: 1000 }), sink));
      expect(err).to.include({ code: 'BULK_PARSE' });
    });
  });

  it('honours backpressure: a slow consumer bounds how far parsing runs ahead', async () => {
    const rows = 5000;
    let produced = 0;
    let maxAhead = 0;
    async function* source() {
      for (let i = 0; i < rows; i += 100) {
        produced += 100;
        // ~100-byte records: the parser's writable side buffers 16 KiB, about 160 of them.
        yield Buffer.from(`${i === 0 ? 'Name\n' : ''}${Array.from({ length: 100 }, (_, k) => `N${i + k}-${'p'.repeat(96)}`).join('\n')}\n`);
      }
    }
    const sink = slowSink<InputRecord>(0, () => {
      maxAhead = Math.max(maxAhead, produced - sink.items.length);
    });
    // A source that reads ahead one chunk at most, so that what runs ahead is the parser's doing.
    await pipeline(Readable.from(source(), { objectMode: false, highWaterMark: 1 }), recordParser({ format: 'csv' }), sink);
    expect(sink.items).to.have.length(rows);
    expect(maxAhead).to.be.below(600);
  });

  it('propagates an upstream error and can be destroyed mid-flight', async () => {
    const failing = new Readable({
      read() {
        this.push('Name\nA\n');
        this.destroy(new Error('disk gone'));
      },
    });
    const err = await rejection(pipeline(failing, recordParser({ format: 'csv' }), collector()));
    expect(err.message).to.equal('disk gone');
    const parser = recordParser({ format: 'json' });
    parser.write('[{"A":1},');
    parser.destroy();
    expect(parser.destroyed).to.equal(true);
  });
});
