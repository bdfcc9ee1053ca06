import { expect } from 'chai';
import { delimiterOption, detectDelimiter } from '../../../lib/csv/delimiter.js';

describe('lib/csv/delimiter', () => {
  it('takes one character or a name, never a quote, a letter or a line end', () => {
    expect([',', ';', 'tab', '\\t', '|', 'semicolon', 'PIPE', '^'].map(delimiterOption)).to.deep.equal([44, 59, 9, 9, 124, 59, 124, 94]);
    for (const bad of ['"', 'a', '7', '\n', ';;', ''])
      expect(() => delimiterOption(bad), JSON.stringify(bad))
        .to.throw()
        .with.property('code', 'BULK_INVALID_OPTION');
  });

  it('detects the delimiter of a header line, outside quotes', () => {
    const d = (text: string) => String.fromCharCode(detectDelimiter(Buffer.from(text)));
    expect(d('Name,Phone\n')).to.equal(',');
    expect(d('Name;Phone;Email\na,b,c,d,e\n')).to.equal(';');
    expect(d('"A,B";C;D\n')).to.equal(';');
    expect(d('Name\tPhone\n')).to.equal('\t');
    expect(d('Name|Phone\n')).to.equal('|');
    expect(d('Name\n')).to.equal(',');
  });
});
