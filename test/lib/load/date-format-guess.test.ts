import { expect } from 'chai';
import { datePattern } from '../../../lib/text/date-format.js';
import { DateFormatGuess, refusedDate } from '../../../lib/load/date-format-guess.js';
import { dateValueReader } from '../../../lib/text/date-value-reader.js';

/** `Due` is a date-time field; every other, a date field. */
const typed = (fields: readonly string[]) => fields.map((name) => [name, name === 'Due' ? 'datetime' : 'date'] as const);
const hintsOf = (values: Record<string, string[]>, fields = Object.keys(values)) => {
  const guess = new DateFormatGuess(typed(fields));
  for (const [column, list] of Object.entries(values)) for (const value of list) guess.add(column, value);
  return guess.hints();
};

describe('lib/load/date-format-guess (issue 27)', () => {
  it('names the format a day over 12 decides, with that value, in what --date-format takes', () => {
    const [hint] = hintsOf({ Birthdate: ['01/02/2024', '31/12/2024', '05/06/1990'] });
    expect(hint).to.deep.equal({
      field: 'Birthdate',
      example: '31/12/2024',
      formats: ['dd/MM/yyyy'],
      text: 'Birthdate: values like 31/12/2024 look like dd/MM/yyyy: --date-format dd/MM/yyyy',
    });
    expect(hintsOf({ Birthdate: ['12/31/2024', '1/2/2024'] })[0]?.formats).to.deep.equal(['M/d/yyyy']);
    expect(hintsOf({ Due: ['31.12.2024 14:05'] })[0]?.formats).to.deep.equal(['dd.MM.yyyy']);
    expect(hintsOf({ Birthdate: ['2024/12/31'] })[0]?.formats).to.deep.equal(['yyyy/MM/dd']);
    // Each format named reads the value it was named for.
    for (const [value, format] of [
      ['31/12/2024', 'dd/MM/yyyy'],
      ['1/2/2024', 'M/d/yyyy'],
      ['2024/12/31', 'yyyy/MM/dd'],
      ['31-12-2024', 'dd-MM-yyyy'],
    ])
      expect(datePattern(format as string).read(value as string), `${value} ${format}`).to.not.equal(undefined);
  });

  it('names both orders when no value tells day and month apart, and none when the values fit no one format', () => {
    const [hint] = hintsOf({ Birthdate: ['01/02/2024', '03/04/2024'] });
    expect(hint?.formats).to.deep.equal(['dd/MM/yyyy', 'MM/dd/yyyy']);
    expect(hint?.text).to.equal(
      'Birthdate: values like 01/02/2024 may be dd/MM/yyyy or MM/dd/yyyy (no day over 12 among the 2 read to tell): --date-format dd/MM/yyyy or --date-format MM/dd/yyyy',
    );
    expect(hintsOf({ Birthdate: ['31/12/2024', '12/31/2024'] })).to.deep.equal([]);
  });

  it('names a format only for the shapes the converter reads for the field type: a date without a time, a date-time with one after a space', () => {
    expect(hintsOf({ Birthdate: ['31/12/2024 14:30', '01/02/2024 09:00'] })).to.deep.equal([]);
    expect(hintsOf({ Due: ['31/12/2024', '01/02/2024'] })).to.deep.equal([]);
    expect(hintsOf({ Due: ['31/12/2024T14:30'] })).to.deep.equal([]);
    expect(hintsOf({ Due: ['31/12/2024 14:30:15', '01/02/2024 9:00'] })[0]?.formats).to.deep.equal(['dd/MM/yyyy']);
    // Each format named is read by the converter's own reader for its field type.
    const reader = dateValueReader('dd/MM/yyyy');
    expect(reader.read('datetime', '01/02/2024 9:00')).to.not.equal(undefined);
    expect(reader.read('date', '31/12/2024 14:30')).to.equal(undefined);
  });

  it('says nothing of ISO 8601 values, empty ones, other fields, or columns that are no date field; matches field names regardless of case', () => {
    expect(hintsOf({ Birthdate: ['2024-12-31', '', '2024-01-01T10:00:00Z'] })).to.deep.equal([]);
    expect(hintsOf({ Name: ['31/12/2024'] }, ['Birthdate'])).to.deep.equal([]);
    expect(hintsOf({ birthdate: ['31/12/2024'] }, ['Birthdate'])[0]?.field).to.equal('Birthdate');
  });

  it('looks at a bounded sample of each field: values past it change nothing', () => {
    const guess = new DateFormatGuess(typed(['Birthdate']));
    for (let i = 0; i < 1000; i++) guess.add('Birthdate', '01/02/2024');
    guess.add('Birthdate', '31/12/2024');
    expect(guess.hints()[0]?.formats).to.deep.equal(['dd/MM/yyyy', 'MM/dd/yyyy']);
  });

  it("reads the org's refusal of a date or date-time value from a row error", () => {
    expect(refusedDate("INVALID_FIELD:Failed to deserialize field at col 2. Due to, '31/12/2024' is not a valid value for the type xsd:date:Birthdate --")).to.deep.equal({
      value: '31/12/2024',
      field: 'Birthdate',
      type: 'date',
    });
    expect(refusedDate("INVALID_FIELD:Failed to deserialize field at col 1. Due to, 'x' is not a valid value for the type xsd:double:Amount --")).to.equal(undefined);
  });
});
