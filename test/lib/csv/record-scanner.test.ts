import { expect } from 'chai';
import { CsvRecordScanner } from '../../../lib/csv/record-scanner.js';

/** The records' texts and their [quoted, stray] facts, the input cut at `cuts`. */
function scan(text: string, cuts: number[] = []): Array<[string, boolean, boolean]> {
  const bytes = Buffer.from(text);
  const scanner = new CsvRecordScanner();
  const out: Array<[string, boolean, boolean]> = [];
  let carry = Buffer.alloc(0);
  const bounds = [0, ...cuts, bytes.length];
  for (let k = 0; k + 1 < bounds.length; k++) {
    const chunk = bytes.subarray(bounds[k], bounds[k + 1]);
    let pos = 0;
    for (let end = scanner.next(chunk, 0); end >= 0; end = scanner.next(chunk, end)) {
      out.push([Buffer.concat([carry, chunk.subarray(pos, end)]).toString('utf8'), scanner.quoted, scanner.stray]);
      carry = Buffer.alloc(0);
      pos = end;
    }
    carry = Buffer.concat([carry, chunk.subarray(pos)]);
  }
  return out;
}

describe('lib/csv/record-scanner', () => {
  const TEXT = 'a,"b\n""c"""\nO"Brien,x\n"q"x,"y"\n,"z"\n\uFEFF\n';
  const EXPECTED: Array<[string, boolean, boolean]> = [
    ['a,"b\n""c"""\n', true, false],
    ['O"Brien,x\n', true, true],
    ['"q"x,"y"\n', true, false], // text after a closing quote is no stray quote: the field count finds it
    [',"z"\n', true, false],
    ['\uFEFF\n', false, false],
  ];

  it('opens a quote only where a field starts: a stray quote stays in its record and is flagged', () => {
    expect(scan(TEXT)).to.deep.equal(EXPECTED);
  });

  it('gives the same records and facts at every split', () => {
    for (let cut = 1; cut < Buffer.byteLength(TEXT); cut++) expect(scan(TEXT, [cut]), `cut ${cut}`).to.deep.equal(EXPECTED);
  });

  it('takes a quote right after a BOM as a field start', () => {
    expect(scan('\uFEFF"Name",x\n"a",1\n').map(([t, , stray]) => [t, stray])).to.deep.equal([
      ['\uFEFF"Name",x\n', false],
      ['"a",1\n', false],
    ]);
  });

  it('splits on another delimiter', () => {
    const scanner = new CsvRecordScanner(0x3b);
    const b = Buffer.from('a;"x\ny";b\n');
    expect(scanner.next(b, 0)).to.equal(b.length);
    expect(scanner.stray).to.equal(false);
  });
});

describe('lib/csv/record-scanner: line ends', () => {
  // LF, CRLF and a CR alone, mixed; quoted line ends of each kind stay inside their records.
  const TEXT = 'h1,h2\na,1\r\nb,2\rc,3\n"d\rx",4\r"e\r\ny",5\r\nf,"6\n"\r\r\ng,7\r';
  const EXPECTED = ['h1,h2\n', 'a,1\r\n', 'b,2\r', 'c,3\n', '"d\rx",4\r', '"e\r\ny",5\r\n', 'f,"6\n"\r', '\r\n', 'g,7\r'];

  /** The records of TEXT cut into the given chunk sizes, the last one ended by the input's end. */
  function records(sizes: () => number): string[] {
    const bytes = Buffer.from(TEXT);
    const cuts: number[] = [];
    for (let at = sizes(); at < bytes.length; at += sizes()) cuts.push(at);
    const out = scan(TEXT, cuts).map(([t]) => t);
    const whole = out.join('');
    if (whole.length < TEXT.length) out.push(TEXT.slice(whole.length)); // the carry at the end
    return out;
  }

  it('ends a record at LF, CRLF or a CR alone, mixed in one input', () => {
    expect(records(() => TEXT.length)).to.deep.equal(EXPECTED);
  });

  it('gives the same records fed a byte at a time, at every split, and in random chunks (a CRLF cut between chunks is one line end)', () => {
    expect(records(() => 1)).to.deep.equal(EXPECTED);
    for (let cut = 1; cut < TEXT.length; cut++)
      expect(
        scan(TEXT, [cut]).map(([t]) => t),
        `cut ${cut}`,
      ).to.deep.equal(EXPECTED.slice(0, -1));
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return 1 + (seed % 5);
    };
    for (let round = 0; round < 50; round++) expect(records(random), `round ${round}`).to.deep.equal(EXPECTED);
  });

  it('opens a quote right after a CR alone', () => {
    expect(scan('a\r"b\rc"\rd\n').map(([t, , stray]) => [t, stray])).to.deep.equal([
      ['a\r', false],
      ['"b\rc"\r', false],
      ['d\n', false],
    ]);
  });
});
