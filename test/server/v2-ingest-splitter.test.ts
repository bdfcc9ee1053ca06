/**
 * The pure parts of Bulk API 2.0 ingest (server/v2/upload-splitter.ts, result-order.ts): an upload
 * cut into internal batches whatever its chunking, its limits and refusals, and the served order of
 * result rows (a permutation: every row once).
 */
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { chunksOf, rejection } from '../helpers/fixtures.js';
import { permutedRows } from '../../server/v2/result-order.js';
import { splitUpload, UploadRejected, UploadTooLarge } from '../../server/v2/upload-splitter.js';

const TAB_CRLF = { delimiter: '\t', lineEnding: '\r\n' };

async function split(
  text: string,
  chunk: number,
  options: { perBatch?: number; maxCharacters?: number; maxBytes?: number; dialect?: typeof TAB_CRLF; lineEndingName?: string } = {},
) {
  const batches: string[] = [];
  const summary = await splitUpload(chunksOf(text, chunk), {
    dialect: options.dialect ?? { delimiter: ',', lineEnding: '\n' },
    lineEndingName: options.lineEndingName ?? 'LF',
    maxBytes: options.maxBytes ?? 1_000_000,
    recordsPerBatch: options.perBatch ?? 3,
    ...(options.maxCharacters ? { charactersPerBatch: options.maxCharacters } : {}),
    store: (payload) => batches.push(payload.toString('utf8')),
  });
  return { summary, batches };
}

describe('server/v2/upload-splitter', () => {
  it('cuts records into batches of comma CSV, the header first in each, whatever the chunk size', async () => {
    const text = 'Name\tNote\r\nA\t"x, ""y"""\r\nB\t"two\r\nlines"\r\nC\t\r\nD\tplain\r\né\tü\r\n';
    for (const chunk of [1, 2, 3, 7, 64]) {
      const { summary, batches } = await split(text, chunk, { dialect: TAB_CRLF, lineEndingName: 'CRLF' });
      expect(summary).to.deep.equal({ records: 5, batches: 2, header: ['Name', 'Note'] });
      expect(batches[0]).to.equal('Name,Note\nA,"x, ""y"""\nB,"two\r\nlines"\nC,\n');
      expect(batches[1]).to.equal('Name,Note\nD,plain\né,ü\n');
      const rows = batches.flatMap((b) => parse(b) as string[][]);
      expect(rows.filter((r) => r[0] !== 'Name')).to.have.length(5);
    }
  });

  it('cuts a batch early when the next record would take it past its characters', async () => {
    // Header "Name\n" (5) + 3 records of 6: 23 characters; at most 17 a batch, two records each.
    const { batches } = await split('Name\nAAAAA\nBBBBB\nCCCCC\n', 4, { perBatch: 100, maxCharacters: 17 });
    expect(batches).to.deep.equal(['Name\nAAAAA\nBBBBB\n', 'Name\nCCCCC\n']);
    for (const b of batches) expect(b.length).to.be.at.most(17);
  });

  it('stores one header-only batch for a header-only upload; refuses an empty one', async () => {
    expect((await split('Name,Phone\n', 4)).batches).to.deep.equal(['Name,Phone\n']);
    const empty = await rejection(split('', 4));
    expect(empty).to.be.instanceOf(UploadRejected);
    expect(empty.message).to.equal('ClientInputError : Unable to find any data to create batch');
  });

  it("refuses a line ending that is not the job's, also when the CR and LF arrive in two chunks", async () => {
    for (const chunk of [1, 5, 100]) {
      const lf = await rejection(split('Name\r\nA\r\n', chunk));
      expect(lf).to.be.instanceOf(UploadRejected);
      expect(lf.message).to.equal('ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is LF');
      const crlf = await rejection(split('Name\nA\n', chunk, { dialect: TAB_CRLF, lineEndingName: 'CRLF' }));
      expect(crlf.message).to.equal('ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is CRLF');
    }
  });

  it('checks every unquoted line end, not only the first, at any chunk size; line breaks inside quotes are data', async () => {
    for (const chunk of [1, 2, 3, 64]) {
      const lf = await rejection(split('Name\nA\n"q\r\nx"\nB\r\nC\n', chunk));
      expect(lf.message).to.equal('ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is LF');
      const crlf = await rejection(split('Name\r\n"a\nb"\r\nB\nC\r\n', chunk, { dialect: TAB_CRLF, lineEndingName: 'CRLF' }));
      expect(crlf.message).to.equal('ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is CRLF');
      expect((await split('Name\n"a\r\nb"\n"c ""\r\n"" d"\n', chunk)).summary.records).to.equal(2);
      expect((await split('Name\r\n"a\nb"\r\n', chunk, { dialect: TAB_CRLF, lineEndingName: 'CRLF' })).summary.records).to.equal(1);
    }
  });

  it('refuses a record over 400,000 characters naming its record in the upload, and a header over 5,000 fields', async () => {
    const wide = `${'x'.repeat(200_000)},${'y'.repeat(200_001)}`;
    const err = await rejection(split(`A,B\n1,2\n3,4\n5,6\n${wide}\n`, 4096));
    expect(err).to.be.instanceOf(UploadRejected);
    expect(err.message).to.equal('InvalidBatch : Record 4 has 400001 characters, more than the limit of 400000');
    const header = Array.from({ length: 5001 }, (_, i) => `F${i}`).join(',');
    expect((await rejection(split(`${header}\n`, 4096))).message).to.equal('InvalidBatch : The header has 5001 fields, more than the limit of 5000');
  });

  it('refuses malformed CSV (an unterminated quote, a short record) as InvalidBatch', async () => {
    for (const text of ['Name,Phone\n"open,1\n', 'Name,Phone\nA\n']) {
      const err = await rejection(split(text, 8));
      expect(err).to.be.instanceOf(UploadRejected);
      expect(err.message).to.match(/^InvalidBatch : Failed to read the CSV data: /);
    }
  });

  it('names the line of a record of the wrong length as csv-parse did (line breaks inside quotes counted), at any chunk size', async () => {
    for (const chunk of [1, 3, 64]) {
      expect((await rejection(split('h,i\n"a\nb",c\nx\n', chunk))).message).to.equal(
        'InvalidBatch : Failed to read the CSV data: Invalid Record Length: expect 2, got 1 on line 4',
      );
      expect((await rejection(split('h\ti\r\n"a\r\nb"\tc\r\nx', chunk, { dialect: TAB_CRLF, lineEndingName: 'CRLF' }))).message).to.match(/expect 2, got 1 on line 4$/);
    }
  });

  it('carries a record across many chunks whole, long and short records after it; a megabytes-long record of delimiters is refused at its end', async () => {
    const wide = `${'x'.repeat(390_000)}${',é'.repeat(4999)}`;
    const text = `A${',B'.repeat(4999)}\n${wide}\nshort${','.repeat(4999)}\n${wide}\n`;
    for (const chunk of [4096, 65536]) {
      const { summary, batches } = await split(text, chunk, { perBatch: 100, maxCharacters: 10_000_000, maxBytes: 10_000_000 });
      expect(summary.records).to.equal(3);
      expect(batches.join('')).to.equal(text);
    }
    const commas = await rejection(split(`A\nb\n${','.repeat(4_000_000)}\nc\n`, 65536, { maxBytes: 10_000_000 }));
    expect(commas.message).to.equal('InvalidBatch : Failed to read the CSV data: Invalid Record Length: expect 1, got 4000001 on line 3');
  });

  it('refuses a quote inside an unquoted value as InvalidBatch (csv-parse took it for a cut upload), and a CRLF after a quoted value in an LF job as a line-ending fault', async () => {
    for (const chunk of [1, 3, 64]) {
      const stray = await rejection(split('Name,Phone\nO"Brien,1\n', chunk));
      expect(stray).to.be.instanceOf(UploadRejected);
      expect(stray.message).to.match(/^InvalidBatch : Failed to read the CSV data: Invalid Opening Quote/);
      expect((stray as UploadRejected).header).to.deep.equal(['Name', 'Phone']);
      const closing = await rejection(split('Name,Phone\n"A"x,1\n', chunk));
      expect(closing.message).to.match(/^InvalidBatch : Failed to read the CSV data: Invalid Closing Quote/);
      const crlf = await rejection(split('Name,Phone\n"A","1"\r\n', chunk));
      expect(crlf.message).to.equal('ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is LF');
    }
  });

  it('stores a record as it came when its bytes are its comma CSV, and writes the others again: quotes where RFC 4180 needs them, none elsewhere', async () => {
    for (const chunk of [1, 2, 5, 64]) {
      const comma = await split('A,B,C\n"plain",x,"a,b"\n"",y,"q""q"\nc\rr,"",z\n', chunk, { perBatch: 100 });
      expect(comma.batches).to.deep.equal(['A,B,C\nplain,x,"a,b"\n,y,"q""q"\n"c\rr",,z\n']);
      const tab = await split('A\tB\n"a\tb"\tx,y\n"a,b"\t\n', chunk, { perBatch: 100, dialect: { delimiter: '\t', lineEnding: '\n' } });
      expect(tab.batches).to.deep.equal(['A,B\na\tb,"x,y"\n"a,b",\n']);
    }
  });

  it('keeps what the CSV reader before it did: a lone empty value written `""`, a NUL after a closing quote, bytes that are not UTF-8', async () => {
    const single = await split('A\n""\n\nb\n', 2);
    expect(single.batches).to.deep.equal(['A\n""\nb\n']);
    const nul = await split('A,B\n"x"\u0000y,z\n', 3);
    expect(nul.batches).to.deep.equal(['A,B\nx\u0000y,z\n']);
    const bytes = Buffer.concat([Buffer.from('A,B\n'), Buffer.from([0xe2, 0x82]), Buffer.from(',"'), Buffer.from([0xff]), Buffer.from('é"\n')]);
    for (const chunk of [1, 64]) {
      const stored: Buffer[] = [];
      await splitUpload(chunksOf(bytes, chunk), { dialect: { delimiter: ',', lineEnding: '\n' }, lineEndingName: 'LF', maxBytes: 1000, store: (b) => stored.push(b) });
      expect(stored.map(String)).to.deep.equal(['A,B\n\ufffd,\ufffdé\n']);
    }
  });

  it("refuses a record past csv-parse's 400,000 bytes of a value (multi-byte characters count as bytes there) as InvalidBatch", async () => {
    const err = await rejection(split(`A\n${'é'.repeat(200_001)}\n`, 65536));
    expect(err.message).to.match(/^InvalidBatch : Failed to read the CSV data: Max Record Size/);
    expect((await split(`A\n${'é'.repeat(200_000)}\n`, 65536)).summary.records).to.equal(1);
  });

  it('stops at maxBytes of decoded data (UploadTooLarge)', async () => {
    const text = `Name\n${'x\n'.repeat(100)}`;
    expect((await split(text, 16, { maxBytes: text.length, perBatch: 1000 })).summary.records).to.equal(100);
    expect(await rejection(split(text, 16, { maxBytes: text.length - 1, perBatch: 1000 }))).to.be.instanceOf(UploadTooLarge);
  });
});

describe('server/v2/result-order', () => {
  it('serves every row exactly once, and never in input order', () => {
    for (const n of [1, 2, 3, 4, 10, 999, 7919, 10_000]) {
      const order = [...permutedRows(n)];
      expect(
        order.slice().sort((a, b) => a - b),
        `n=${n}`,
      ).to.deep.equal(Array.from({ length: n }, (_, i) => i));
      if (n > 1) expect(order, `n=${n}`).to.not.deep.equal(Array.from({ length: n }, (_, i) => i));
    }
  });
});
