import { expect } from 'chai';
import { CsvRow, ROW_CUT, readRow } from '../../../lib/join/csv-row.js';

/** Row fields read by readRow, as text. */
function fieldsOf(text: string, last = true): string[] | number {
  const row = new CsvRow();
  row.buf = Buffer.from(text);
  const end = readRow(row.buf, 0, row, last);
  if (end < 0) return end;
  return Array.from({ length: row.count }, (_, i) => row.text(i));
}

describe('lib/join/csv-row', () => {
  it('finds a quoted field’s closing quote at every distance, short (a loop) or long (indexOf), doubled quotes anywhere', () => {
    for (let length = 0; length <= 130; length++) {
      const plain = 'x'.repeat(length);
      expect(fieldsOf(`"${plain}","b"\n`)).to.deep.equal([plain, 'b']);
      if (length > 0) {
        const doubled = `${plain.slice(0, length - 1)}""`;
        expect(fieldsOf(`"${doubled}",""\n`)).to.deep.equal([`${plain.slice(0, length - 1)}"`, '']);
      }
      // A quote that does not close within the buffer: the row goes on in the next chunk.
      expect(fieldsOf(`"${plain}`, false)).to.equal(ROW_CUT);
      expect(fieldsOf(`"${plain}`, true)).to.equal(ROW_CUT);
      expect(fieldsOf(`"${plain}"`, false)).to.equal(ROW_CUT);
      expect(fieldsOf(`"${plain}"`, true)).to.deep.equal([plain]);
    }
  });
});
