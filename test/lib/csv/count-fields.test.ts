import { expect } from 'chai';
import { countCsvFields, countDelimiters, withoutLineEnd } from '../../../lib/csv/count-fields.js';

describe('lib/csv/count-fields', () => {
  const count = (text: string, delimiter = 44) => {
    const b = Buffer.from(text);
    return countCsvFields(b, 0, withoutLineEnd(b, 0, b.length), delimiter);
  };

  it('counts the fields of a record in its bytes, quoted delimiters and doubled quotes included', () => {
    expect(count('a,b,c\n')).to.equal(3);
    expect(count('"a,1","b ""x"", y",\r\n')).to.equal(3);
    expect(count('""\n')).to.equal(1);
    expect(count('a;"b;c";d', 59)).to.equal(3);
    expect(countDelimiters(Buffer.from('x,y,,z'), 0, 6, 44)).to.equal(3);
  });

  it('says -1 for broken quoting: text after a closing quote, a quote never closed', () => {
    expect(count('"a"x,b\n')).to.equal(-1);
    expect(count('a,"open\n')).to.equal(-1);
  });
});
