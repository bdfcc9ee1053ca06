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
