import { expect } from 'chai';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { InputRecord } from '../../lib/load-types.js';
import { INPUT_FORMATS, RecordParser, recordParser, type InputFormat, type RecordParserOptions } from '../../transforms/record-parser.js';
import { rejection } from '../helpers/fixtures.js';
import { chunked, mixedCsv, randomSizes } from '../helpers/mixed-lines.js';
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
          expect(
            records.map((r) => r.fields),
            `cut at ${cut}`,
          ).to.deep.equal(fields);
        }
      });

      it('gives the same records for one-byte chunks and seeded random cuts', async () => {
        const bytes = Buffer.from(text);
        expect(
          (
            await parse(
              format,
              splitAt(
                bytes,
                Array.from({ length: bytes.length }, (_, i) => i),
              ),
            )
          ).map((r) => r.fields),
        ).to.deep.equal(fields);
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
      expect(
        records.map((r) => r.fields),
        `cut at ${cut}`,
      ).to.deep.equal(expected);
      expect(records.map((r) => r.line)).to.deep.equal([1, 2]);
    }
  });

  describe('a bad record costs itself only, with an error that names the file, line, record and field', () => {
    // [format, input, the rejected record's row, error text parts, the good records' fields]
    const cases: Array<[InputFormat, string, number, string[], Array<Record<string, string | null>>]> = [
      [
        'csv',
        'A,B\n1,2\n3,4,5\n6,7\n',
        2,
        ['BULKPIPE_FIELD_COUNT:', '3 fields, the header 2', 'test.in, line 3, record 2'],
        [
          { A: '1', B: '2' },
          { A: '6', B: '7' },
        ],
      ],
      [
        'csv',
        'A,B\n1,2\n   \n6,7\n',
        2,
        ['BULKPIPE_FIELD_COUNT:a line of white space only', 'line 3, record 2'],
        [
          { A: '1', B: '2' },
          { A: '6', B: '7' },
        ],
      ],
      [
        'csv',
        'A,B\n1,2\n3,O"Brien\n6,7\n',
        2,
        ['BULKPIPE_MALFORMED_RECORD:a stray quote', 'line 3, column 4, record 2, field B'],
        [
          { A: '1', B: '2' },
          { A: '6', B: '7' },
        ],
      ],
      [
        'csv',
        'A,B\n1,2\n"a"x,4\n6,7\n',
        2,
        ['BULKPIPE_MALFORMED_RECORD:text after a closing quote', 'line 3, column 4, record 2, field A'],
        [
          { A: '1', B: '2' },
          { A: '6', B: '7' },
        ],
      ],
      [
        'csv',
        'A,B\n1,2\n6,7\n3,"unterminated\n8,9\n',
        3,
        ['BULKPIPE_MALFORMED_RECORD:an unterminated quoted field', 'line 4, column 3, record 3, field B'],
        [
          { A: '1', B: '2' },
          { A: '6', B: '7' },
        ],
      ],
      ['ndjson', '{"A":"1"}\n{"A":\n{"A":"3"}\n', 2, ['BULKPIPE_MALFORMED_RECORD:malformed JSON', 'test.in, line 2'], [{ A: '1' }, { A: '3' }]],
      ['ndjson', '{"A":"1"}\n[1,2]\n{"A":"3"}\n', 2, ['expected a JSON object', 'line 2'], [{ A: '1' }, { A: '3' }]],
      ['ndjson', '{"A":"1"}\n{"A":[1]}\n{"A":"3"}\n', 2, ['field A'], [{ A: '1' }, { A: '3' }]],
      ['ndjson', '{"A":"1"}\n{"A":"x","A":"y"}\n{"A":"3"}\n', 2, ['BULKPIPE_DUPLICATE_FIELD:the key "A" appears twice', 'line 2, record 2, field A'], [{ A: '1' }, { A: '3' }]],
      ['json', '[{"A":"1"},\n{"A":},\n{"A":"3"}]', 2, ['BULKPIPE_MALFORMED_RECORD:malformed JSON', 'line 2'], [{ A: '1' }, { A: '3' }]],
      [
        'json',
        '[{"A":"1"},\n{"A":"x","B":{"C":"1","C":"2"}},\n{"A":"3"}]',
        2,
        ['BULKPIPE_DUPLICATE_FIELD:the key "C" appears twice', 'line 2, record 2'],
        [{ A: '1' }, { A: '3' }],
      ],
      ['json', '[{"A":"1"},\n{"A":"2"} x,\n{"A":"3"}]', 2, ['BULKPIPE_MALFORMED_RECORD:malformed JSON', 'line 2, column 11, record 2'], [{ A: '1' }, { A: '3' }]],
      ['json', '[{"A":"1"}, {"A":"2"} x, {"A":"3"}]', 2, ['malformed JSON', 'line 1, column 23, record 2'], [{ A: '1' }, { A: '3' }]],
      ['json', '[{"A":"1"},\n{"A":"unclosed},\n{"A":"3"}]', 2, ['BULKPIPE_MALFORMED_RECORD:an unterminated string', 'line 2, column 6, record 2'], [{ A: '1' }, { A: '3' }]],
      [
        'xml',
        '<sObjects>\n<sObject><A>1</A></sObject>\n<sObject><A>2</B></sObject>\n<sObject><A>3</A></sObject></sObjects>',
        2,
        ['BULKPIPE_MALFORMED_RECORD:malformed XML', 'line 3'],
        [{ A: '1' }, { A: '3' }],
      ],
      [
        'xml',
        '<sObjects>\n<sObject><A>1</A></sObject>\n<sObject><A>2</A><A>x</A></sObject>\n<sObject><A>3</A></sObject></sObjects>',
        2,
        ['BULKPIPE_DUPLICATE_FIELD:the field <A> appears twice', 'line 3, record 2, field A'],
        [{ A: '1' }, { A: '3' }],
      ],
      [
        'xml',
        '<sObjects>\n<sObject><A>1</A></sObject>\n<sObject><A>a & b</A></sObject>\n<sObject><A>3</A></sObject></sObjects>',
        2,
        ['BULKPIPE_MALFORMED_RECORD:malformed XML', 'line 3'],
        [{ A: '1' }, { A: '3' }],
      ],
    ];
    for (const [format, text, row, parts, good] of cases) {
      it(`${format}: ${JSON.stringify(text).slice(0, 60)}, split at every byte`, async () => {
        const bytes = Buffer.from(text);
        for (let cut = 0; cut <= bytes.length; cut++) {
          const records = await parse(format, splitAt(bytes, [cut]));
          const bad = records.filter((r) => r.error !== undefined);
          expect(
            bad.map((r) => r.row),
            `cut at ${cut}`,
          ).to.deep.equal([row]);
          for (const part of parts) expect(bad[0]?.error, `cut at ${cut}`).to.include(part);
          expect(
            records.filter((r) => r.error === undefined).map((r) => r.fields),
            `cut at ${cut}`,
          ).to.deep.equal(good);
          expect(records.map((r) => r.row)).to.deep.equal(records.map((_, i) => i + 1));
        }
      });
    }

    it('rejects invalid UTF-8 with its record and field, or loads it replaced when told', async () => {
      const bytes = Buffer.concat([Buffer.from('A,B\n1,2\n3,'), Buffer.from([0xff, 0x41]), Buffer.from('\n5,6\n')]);
      for (const format of ['csv'] as const) {
        const records = await parse(format, [bytes]);
        expect(records.map((r) => r.error === undefined)).to.deep.equal([true, false, true]);
        expect(records[1]?.error).to.include('BULKPIPE_INVALID_UTF8:').and.include('line 3, record 2, field B');
      }
      const ndjson = Buffer.concat([Buffer.from('{"A":"1"}\n{"A":"'), Buffer.from([0xc3]), Buffer.from('"}\n{"A":"3"}\n')]);
      const records = await parse('ndjson', [ndjson]);
      expect(records.map((r) => r.error === undefined)).to.deep.equal([true, false, true]);
      const sink = collector<InputRecord>();
      await pipeline(fromChunks([bytes]), recordParser({ format: 'csv', replaceInvalidUtf8: true }), sink);
      expect(sink.items.map((r) => r.fields.B)).to.deep.equal(['2', '\uFFFDA', '6']);
    });

    it('passes over a record larger than maxRecordBytes without keeping it, in every format', async () => {
      const big = 'x'.repeat(5000);
      const inputs: Record<InputFormat, string> = {
        csv: `A\n1\n${big}\n3\n`,
        ndjson: `{"A":"1"}\n{"A":"${big}"}\n{"A":"3"}\n`,
        json: `[{"A":"1"},\n{"A":"${big}"},\n{"A":"3"}]`,
        xml: `<sObjects><sObject><A>1</A></sObject>\n<sObject><A>${big}</A></sObject>\n<sObject><A>3</A></sObject></sObjects>`,
      };
      for (const format of INPUT_FORMATS) {
        const sink = collector<InputRecord>();
        const chunks = splitAt(Buffer.from(inputs[format]), [100, 1100, 2100, 3100, 4100]);
        await pipeline(fromChunks(chunks), new RecordParser({ format, source: 'big.in', maxRecordBytes: 1000 }), sink);
        expect(
          sink.items.map((r) => r.row),
          format,
        ).to.deep.equal([1, 2, 3]);
        expect(sink.items[1]?.error, format).to.include('BULKPIPE_RECORD_TOO_LARGE:').and.include('record 2');
        expect(sink.items[2]?.fields, format).to.deep.equal({ A: '3' });
      }
    });
  });

  describe('input that ends the records fails, after every complete record before it', () => {
    const cases: Array<[InputFormat, string, number, Record<string, unknown>]> = [
      ['csv', 'A,a\n1,2\n', 0, { code: 'BULK_COLUMNS', source: 'test.in', line: 1 }],
      ['json', '[{"A":1},\n{"A":2}', 2, { source: 'test.in', line: 2 }],
      ['json', '[{"A":1},\n{"A":2', 1, { source: 'test.in', line: 2 }],
      ['json', '{"A":1}', 0, { source: 'test.in', line: 1 }],
      ['xml', '<sObjects>\n<sObject><A>1</A></sObject>\n<sObject><A>2</A></sObject>\n<sObject><A>3', 2, { source: 'test.in', line: 4 }],
      ['xml', '<records><sObject/></records>', 0, { source: 'test.in', line: 1 }],
    ];
    for (const [format, text, kept, context] of cases) {
      it(`${format}: ${JSON.stringify(text).slice(0, 50)}`, async () => {
        const sink = collector<InputRecord>();
        const err = await rejection(pipeline(fromChunks([text]), recordParser({ format, source: 'test.in' }), sink));
        expect(err).to.include({ code: 'BULK_PARSE', ...context }); // a field named twice by the header: BULK_COLUMNS, as other misfits of the columns
        expect(sink.items.filter((r) => r.error === undefined)).to.have.length(kept);
      });
    }
  });

  it('drops the columns a CSV header leaves without a name (told once), and rejects a record with a value in one, naming its column (issue 27)', async () => {
    const parser = recordParser({ format: 'csv', source: 'excel.csv', delimiter: ';' });
    const told: number[][] = [];
    parser.on('unnamedColumns', (numbers: number[]) => told.push(numbers));
    const sink = collector<InputRecord>();
    await pipeline(fromChunks(['Name;;Phone;\nA;;1;\nB;x;2;\n', 'C;;3;\n']), parser, sink);
    expect(told).to.deep.equal([[2, 4]]);
    expect(sink.items.map((r) => [r.row, r.fields, r.error?.split(':')[0]])).to.deep.equal([
      [1, { Name: 'A', Phone: '1' }, undefined],
      [2, { Name: 'B', Phone: '2', 'column 2': 'x' }, 'BULKPIPE_UNNAMED_COLUMN'], // the value kept for the error file
      [3, { Name: 'C', Phone: '3' }, undefined],
    ]);
    expect(sink.items[1]?.error)
      .to.include('a value ("x") in column 2')
      .and.match(/\(excel\.csv, line 3, record 2, field #2\):#2 --$/);
  });

  it('reads no records, and no error, from an empty input in every format', async () => {
    for (const format of INPUT_FORMATS) {
      for (const empty of ['', '\uFEFF', ' \n\n']) expect(await parse(format, [empty]), `${format} ${JSON.stringify(empty)}`).to.deep.equal([]);
    }
    expect(await parse('csv', ['Name,Phone\n'])).to.deep.equal([]);
    expect(await parse('xml', ['<?xml version="1.0"?>\n<!-- none -->\n'])).to.deep.equal([]);
    expect(await parse('xml', ['<sObjects/>'])).to.deep.equal([]);
    expect(await parse('json', ['[]'])).to.deep.equal([]);
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

describe('transforms/record-parser: line ends, NUL, repeated columns, a cut input (issue 22)', () => {
  const { text, rows } = mixedCsv(300);
  const bytes = Buffer.from(text);

  async function parseChunks(chunks: Buffer[], options: Partial<RecordParserOptions> = {}): Promise<InputRecord[]> {
    const sink = collector<InputRecord>();
    await pipeline(fromChunks(chunks), recordParser({ format: 'csv', source: 'mixed.csv', ...options }), sink);
    return sink.items;
  }

  it('reads every row of a file that mixes LF, CRLF and CR line ends, with the right lines, in any chunks', async () => {
    const expected = rows.map((r) => ({ row: r.row, line: r.line, fields: r.fields }));
    expect(await parseChunks([bytes])).to.deep.equal(expected);
    expect(await parseChunks(chunked(bytes, () => 1))).to.deep.equal(expected);
    for (const seed of [1, 2, 3]) expect(await parseChunks(chunked(bytes, randomSizes(seed, 40))), `seed ${seed}`).to.deep.equal(expected);
  });

  it('keeps the values of a bad record and names its line after CR-only lines', async () => {
    const input = 'A,B\r1,2\r3,"x\ry"\r4,5,6\r7,8\r';
    for (const chunks of [[Buffer.from(input)], chunked(Buffer.from(input), () => 1)]) {
      const records = await parseChunks(chunks);
      expect(records.map((r) => [r.row, r.line])).to.deep.equal([
        [1, 2],
        [2, 3],
        [3, 5],
        [4, 6],
      ]);
      expect(records[2]?.error).to.match(/^BULKPIPE_FIELD_COUNT:the record has 3 fields, the header 2.*\(mixed\.csv, line 5, record 3, field #3\):#3 --$/);
      expect(records[2]?.fields).to.deep.equal({ A: '4', B: '5' });
    }
  });

  it('passes over a record larger than maxRecordBytes in a file of CR and CRLF line ends, the lines after it right, in any chunks', async () => {
    const input = Buffer.from(`A,B\r1,2\r\n"${'x\r'.repeat(40)}",big\r\n3,4,x\r5,"6\r"\r`);
    // In chunks smaller than the record: maxRecordBytes bounds what is carried from one chunk to the next.
    for (const chunks of [chunked(input, () => 1), chunked(input, randomSizes(12, 30))]) {
      const records = await parseChunks(chunks, { maxRecordBytes: 60 });
      expect(records.map((r) => [r.row, r.line, r.error?.split(':')[0]])).to.deep.equal([
        [1, 2, undefined],
        [2, 3, 'BULKPIPE_RECORD_TOO_LARGE'],
        [3, 44, 'BULKPIPE_FIELD_COUNT'],
        [4, 45, undefined],
      ]);
      expect(records[3]?.fields).to.deep.equal({ A: '5', B: '6\r' });
    }
  });

  it('rejects a record with a NUL byte, naming its line, record and field, its values kept; the others load', async () => {
    const input = Buffer.from('Name,Note\nok,1\nbad,"two\nli\0nes"\nalso,3\n');
    for (const chunks of [[input], chunked(input, () => 1), chunked(input, randomSizes(9, 7))]) {
      const records = await parseChunks(chunks);
      expect(records.map((r) => r.error === undefined)).to.deep.equal([true, false, true]);
      expect(records[1]?.error).to.equal(
        'BULKPIPE_NUL_CHARACTER:a NUL character (byte 0) in the value, which is no text: a damaged or binary file? (remove it) (mixed.csv, line 4, record 2, field Note):Note --',
      );
      expect(records[1]?.fields).to.deep.equal({ Name: 'bad', Note: 'two\nli\0nes' });
    }
    const json = await parse('json', ['[{"A":"x"},\n{"A":"y\\u0000"}]']);
    expect(json[1]?.error).to.include('BULKPIPE_NUL_CHARACTER').and.include('(test.in, line 2, record 2, field A)');
    const xml = await parse('xml', ['<sObjects><sObject><A>x</A></sObject>\n<sObject><A>y\u0000</A></sObject></sObjects>']);
    expect(xml.map((r) => r.error?.split(':')[0])).to.deep.equal([undefined, 'BULKPIPE_NUL_CHARACTER']);
    expect(xml[1]?.error).to.include('(test.in, line 2, record 2, field A)');
  });

  it('stops at a header that names a field twice, regardless of case or through the map, naming both columns', async () => {
    const err = await rejection(parseChunks([Buffer.from('Name,Phone,PHONE\na,1,2\n')]));
    expect(err).to.include({ code: 'BULK_COLUMNS', source: 'mixed.csv', line: 1 });
    expect(err).to.have.deep.property('columns', ['Phone', 'PHONE']);
    expect(err.message).to.include('column 2 Phone and column 3 PHONE');
    const mapped = await rejection(parseChunks([Buffer.from('Name,Tel,phone\na,1,2\n')], { columnMap: new Map([['Tel', 'Phone']]) }));
    expect(mapped).to.include({ code: 'BULK_COLUMNS', line: 1 });
    expect(mapped).to.have.deep.property('columns', ['Tel (mapped to Phone)', 'phone']);
    // Two keys of a JSON record mapped to one name cost that record: never "last one wins".
    const sink = collector<InputRecord>();
    await pipeline(fromChunks(['{"Tel":"1","Phone":"2"}\n{"Tel":"3"}\n']), recordParser({ format: 'ndjson', source: 'in.ndjson', columnMap: new Map([['Tel', 'Phone']]) }), sink);
    expect(sink.items.map((r) => [r.fields, r.error?.slice(r.error.indexOf('('))])).to.deep.equal([
      [{ Tel: '1', Phone: '2' }, '(in.ndjson, line 1, record 1, field Phone):Phone --'],
      [{ Phone: '3' }, undefined],
    ]);
    expect(sink.items[0]?.error).to.match(/^BULKPIPE_DUPLICATE_FIELD:two fields are mapped to Phone/);
    // The map renames a CSV header once; its records carry the mapped names.
    expect((await parseChunks([Buffer.from('Name,Tel\na,1\n')], { columnMap: new Map([['Tel', 'Phone']]) }))[0]?.fields).to.deep.equal({ Name: 'a', Phone: '1' });
  });

  it('at a cut input, reads every whole record before it and drops the partial one', async () => {
    for (const [format, input, kept] of [
      ['csv', 'A,B\n1,2\r\n3,4\r5,6', 2],
      ['ndjson', '{"A":1}\n{"A":2}\n{"A":', 2],
      ['json', '[{"A":1},{"A":2},{"A"', 2],
    ] as const) {
      const parser = recordParser({ format, source: 'cut.gz' });
      parser.endsCut();
      const sink = collector<InputRecord>();
      await pipeline(fromChunks([input]), parser, sink);
      expect(
        sink.items.map((r) => r.error),
        format,
      ).to.deep.equal(Array.from({ length: kept }, () => undefined));
    }
  });
});
