/** lib/wire/batch-payload: a batch read through once, its rows handed out a range at a time (issue 28). */
import { expect } from 'chai';
import { openBatchPayload, type PayloadRow, readBatchPayload } from '../../../lib/wire/batch-payload.js';
import { BatchLimits } from '../../../server/processing/batch-limits.js';
import { BatchFailure } from '../../../server/processing/payload.js';

const awkward = ['Name,Description,Site', 'a,"x, ""quoted""",#N/A', '', 'b,"two\r\nlines",', 'c,plain,s\r', '"d",,"e"', 'e,"",last'].join('\n');

describe('lib/wire/batch-payload', () => {
  it('hands out any range of CSV rows as a whole read has them: quotes, line breaks in values, CRLF, empty lines, #N/A, empty cells', () => {
    const whole = readBatchPayload(awkward, 'csv');
    expect(whole.rows).to.have.length(5);
    expect(whole.rows[0]).to.deep.equal(['a', 'x, "quoted"', null]);
    expect(whole.rows[1]).to.deep.equal(['b', 'two\r\nlines', undefined]);
    const payload = openBatchPayload(awkward, 'csv');
    expect(payload.count).to.equal(5);
    for (let size = 1; size <= 6; size++) {
      const rows: PayloadRow[] = [];
      for (let start = 0; start < payload.count; start += size) rows.push(...payload.rows(start, start + size));
      expect(rows, `chunks of ${size}`).to.deep.equal(whole.rows);
    }
    expect(payload.rows(3, 3)).to.deep.equal([]);
    expect(payload.rows(4, 99)).to.deep.equal([['e', undefined, 'last']]);
  });

  it('checks each row on the way, with its index and the columns, for every format', () => {
    const seen: string[] = [];
    const check = (row: Readonly<PayloadRow>, i: number, columns: readonly string[]) => seen.push(`${i}:${columns.join('|')}:${row.join('|')}`);
    openBatchPayload('Name,Site\na,b\nc,#N/A\n', 'csv', check);
    openBatchPayload('[{"Name":"j"},{"Site":"k"}]', 'json', check);
    expect(seen).to.deep.equal(['0:Name|Site:a|b', '1:Name|Site:c|', '0:Name|Site:j|', '1:Name|Site:|k']);
  });

  it('fails a batch on its limits in the order they have always had, a read fault first', () => {
    const failure = (text: string) => {
      const limits = new BatchLimits();
      try {
        const payload = openBatchPayload(text, 'csv', limits.row);
        limits.check(payload.count, payload.characters, payload.columns.length);
      } catch (err) {
        return err instanceof BatchFailure ? err.stateMessage : (err as Error).message;
      }
      return 'none';
    };
    const long = 'd'.repeat(32_001);
    expect(failure(`Name,Description\nx,${long}\ny,"unterminated\n`)).to.include('Failed to parse CSV');
    expect(failure(`Name,Description\nx,${long}\ny,${long}\n`)).to.equal('InvalidBatch : Field Description of record 1 has 32001 characters, more than the limit of 32000');
    expect(failure(`Name,Description\nx,y\nx,${long}\n${'z,z\n'.repeat(10_000)}`)).to.match(/^InvalidBatch : Exceeded max records limit of 10000 records per batch: 10002$/);
    expect(failure('Name\nx\n')).to.equal('none');
  });

  it('reads CSV bytes a window at a time as it reads them whole: rows, characters, and the same fault at the same line', () => {
    const cases = [
      awkward,
      `\n\n${awkward}\r\n`,
      'Name,Description\r\né,"ü\n""€"""\r\n\r\n😀,\rx,"a\r\nb"\r',
      'Name,Site\na,b\nc,"d\ne"\nf,g"h\ni,j\n',
      'Name,Site\na,b\nc,"unterminated\nd,e\n',
      'Name,Site\na,b\nc,"x"y\nd,e\n',
      'Name,Site\na,b\nc\nd,e\n',
    ];
    const read = (data: string | Uint8Array, windowBytes: number) => {
      try {
        const payload = openBatchPayload(data, 'csv', undefined, { windowBytes });
        const rows: PayloadRow[] = [];
        for (let start = 0; start < payload.count; start += 2) rows.push(...payload.rows(start, start + 2));
        return { columns: payload.columns, characters: payload.characters, rows };
      } catch (err) {
        return (err as Error).message;
      }
    };
    const bytes = [
      ...cases.map((text) => Buffer.from(text, 'utf8')),
      Buffer.concat([Buffer.from('Name,Site\na,'), Buffer.from([0xe2, 0x82]), Buffer.from('\nb,\xff\n', 'latin1')]),
    ];
    for (const data of bytes) {
      const whole = read(data, 1e9);
      if (typeof whole !== 'string') expect(whole.characters, data.toString()).to.equal(data.toString('utf8').length);
      for (const windowBytes of [1, 2, 3, 5, 8, 13, 21, 64]) expect(read(data, windowBytes), `${windowBytes}: ${data.toString()}`).to.deep.equal(whole);
    }
    expect(read(Buffer.from(cases[3] as string), 4)).to.match(/line 5/);
    expect(read(Buffer.from(cases[1] as string), 1)).to.have.nested.property('rows[0][0]', 'a');
  });

  it('decodes no more than about a window at a time, whatever the line ends (CR alone too)', () => {
    for (const end of ['\n', '\r\n', '\r']) {
      const rows = Array.from({ length: 500 }, (_, i) => `name ${i},"site${end}${i}"`);
      const data = Buffer.from(`Name,Site${end}${rows.join(end)}${end}`, 'utf8');
      const decoded: number[] = [];
      const decode = data.toString.bind(data);
      data.toString = ((...args: Parameters<Buffer['toString']>) => {
        const text = decode(...args);
        decoded.push(text.length);
        return text;
      }) as Buffer['toString'];
      const payload = openBatchPayload(data, 'csv', undefined, { windowBytes: 64 });
      expect(payload.count, JSON.stringify(end)).to.equal(500);
      expect(payload.rows(499, 500)).to.deep.equal([['name 499', `site${end}499`]]);
      // A window ends at the first record end at or after its size: 64 bytes plus at most one record.
      expect(Math.max(...decoded), JSON.stringify(end)).to.be.below(64 + 40);
    }
  });

  it('finds no data in a blank CSV batch (white space, a BOM), from bytes as from text', () => {
    for (const text of ['', ' \n\t\r\n', '\uFEFF\n', ' '.repeat(70_000)]) {
      expect(() => openBatchPayload(Buffer.from(text), 'csv'), JSON.stringify(text.slice(0, 8))).to.throw('Unable to find any data to create batch');
    }
    // The header in a later window than the first (empty lines are no records).
    expect(openBatchPayload(Buffer.from(`${'\n'.repeat(70_000)}Name\nx\n`), 'csv').rows(0, 9)).to.deep.equal([['x']]);
  });
});
