import { expect } from 'chai';
import { readCsvResults } from '../../../lib/join/csv-results.js';
import type { ResultBlock } from '../../../lib/join/result-block.js';
import { CSV_RESULT_HEADER, dmlResultCsvRow } from '../../../lib/wire/dml-results.js';
import { chunksOf, collect, rejection } from '../../helpers/fixtures.js';
import { splitAt } from '../../helpers/streams.js';

interface Row {
  id: string | null;
  success: boolean;
  created: boolean;
  error: string;
}

function rowsOf(blocks: ResultBlock[]): Row[] {
  return blocks.flatMap((b) => Array.from({ length: b.count }, (_, i) => ({ id: b.id(i), success: b.success[i] === 1, created: b.created[i] === 1, error: b.errors[i] ?? '' })));
}

const read = async (chunks: AsyncIterable<Buffer> | Iterable<Buffer>) =>
  rowsOf(
    await collect(
      readCsvResults(
        (async function* () {
          yield* chunks;
        })(),
      ),
    ),
  );

describe('lib/join/csv-results', () => {
  const results = [
    { id: '001000000000001AAA', success: true, created: true, errors: [] },
    { id: null, success: false, created: false, errors: [{ statusCode: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [Name]', fields: ['Name'] }] },
    {
      id: null,
      success: false,
      created: false,
      errors: [
        { statusCode: 'X', message: 'say "hi", Zoë', fields: [] },
        { statusCode: 'Y', message: 'second', fields: ['A', 'B'] },
      ],
    },
    { id: '001000000000002AAA', success: true, created: false, errors: [] },
  ];
  const body = CSV_RESULT_HEADER + results.map(dmlResultCsvRow).join('');
  const expected: Row[] = [
    { id: '001000000000001AAA', success: true, created: true, error: '' },
    { id: null, success: false, created: false, error: 'REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --' },
    { id: null, success: false, created: false, error: 'X:say "hi", Zoë:--\nY:second:A,B --' },
    { id: '001000000000002AAA', success: true, created: false, error: '' },
  ];

  it('reads the wire form: quoted values, doubled quotes, several errors on lines of one value, UTF-8', async () => {
    expect(await read([Buffer.from(body)])).to.deep.equal(expected);
  });

  it('gives the same rows for the body cut at every byte offset and in one-byte chunks', async () => {
    const bytes = Buffer.from(body);
    for (let cut = 1; cut < bytes.length; cut++) expect(await read(splitAt(bytes, [cut])), `cut ${cut}`).to.deep.equal(expected);
    expect(await read(chunksOf(bytes, 1))).to.deep.equal(expected);
  });

  it('finds the columns by name, takes unquoted values, CRLF and no final line end, and skips empty lines', async () => {
    const text = 'Error,Created,Success,Id\r\n,true,true,001000000000003AAA\r\n\r\n"E:m:--",false,false,\r\n,false,TRUE,001000000000004AAA';
    expect(await read([Buffer.from(text)])).to.deep.equal([
      { id: '001000000000003AAA', success: true, created: true, error: '' },
      { id: null, success: false, created: false, error: 'E:m:--' },
      { id: '001000000000004AAA', success: true, created: false, error: '' },
    ]);
  });

  it('fails clearly on a body that is not a result', async () => {
    expect(await rejection(read([Buffer.from('"Name"\n"x"\n')]))).to.include({ code: 'BULK_PARSE' });
    expect(await rejection(read([Buffer.from(`${CSV_RESULT_HEADER}"a","true"\n`)]))).to.include({ code: 'BULK_PARSE' });
    expect(await rejection(read([Buffer.from(`${CSV_RESULT_HEADER}"a","true","true","open\n`)]))).to.include({ code: 'BULK_PARSE' });
    expect(await rejection(read([Buffer.from(`${CSV_RESULT_HEADER}"a"x,"true","true",""\n`)]))).to.include({ code: 'BULK_PARSE' });
  });
});
