import { expect } from 'chai';
import { formatJsonDate, formatXmlDate, parseWireDate } from '../../../lib/wire/dates.js';

describe('lib/wire/dates', () => {
  const date = new Date('2015-12-15T20:45:25.678Z');
  it('formats XML and JSON timestamps as Salesforce does', () => {
    expect(formatXmlDate(date)).to.equal('2015-12-15T20:45:25.000Z');
    expect(formatJsonDate(date)).to.equal('2015-12-15T20:45:25.000+0000');
  });
  it('parses Z, +HHMM and +HH:MM offsets', () => {
    expect(parseWireDate('2015-12-15T20:45:25.000+0000').toISOString()).to.equal('2015-12-15T20:45:25.000Z');
    expect(parseWireDate('2015-11-01T09:00:00.000+09:00').toISOString()).to.equal('2015-11-01T00:00:00.000Z');
    expect(parseWireDate('2015-11-01T09:00:00-0130').toISOString()).to.equal('2015-11-01T10:30:00.000Z');
  });
  it('rejects what is not a dateTime, naming the field', () => {
    for (const bad of ['2015-12-15', 'yesterday', '2015-13-45T99:00:00Z']) {
      expect(() => parseWireDate(bad, 'jobInfo', 'createdDate'))
        .to.throw()
        .with.property('field', 'createdDate');
    }
  });
});
