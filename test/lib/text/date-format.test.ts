import { expect } from 'chai';
import { datePattern, isoDate, isoLocalDateTime, timeZoneOption, utcOf } from '../../../lib/text/date-format.js';

describe('lib/text/date-format', () => {
  it('reads dates by a pattern and refuses impossible ones', () => {
    const us = datePattern('MM/dd/yyyy');
    expect(isoDate(us.read('01/31/2024') as never)).to.equal('2024-01-31');
    expect(us.read('02/30/2024')).to.equal(undefined);
    expect(us.read('31/01/2024')).to.equal(undefined);
    const eu = datePattern('d.M.yyyy');
    expect(isoDate(eu.read(' 5.3.2024 ') as never)).to.equal('2024-03-05');
    expect(datePattern('dd/MM/yyyy HH:mm').hasTime).to.equal(true);
    for (const bad of ['MM/yyyy', 'dd/dd/yyyy', 'hello'])
      expect(() => datePattern(bad), bad)
        .to.throw()
        .with.property('code', 'BULK_INVALID_OPTION');
  });

  it('turns local times of a zone into UTC, across daylight saving changes', () => {
    const p = (y: number, M: number, d: number, H: number, m = 0) => ({ y, M, d, H, m, s: 0 });
    expect(utcOf(p(2024, 1, 31, 14, 5), 'UTC')).to.equal('2024-01-31T14:05:00.000Z');
    expect(utcOf(p(2024, 1, 31, 14, 5), 'Europe/Paris')).to.equal('2024-01-31T13:05:00.000Z'); // CET, +1
    expect(utcOf(p(2024, 7, 1, 14, 5), 'Europe/Paris')).to.equal('2024-07-01T12:05:00.000Z'); // CEST, +2
    expect(utcOf(p(2024, 3, 10, 12), 'America/New_York')).to.equal('2024-03-10T16:00:00.000Z'); // the day EDT begins
    expect(utcOf(p(2024, 3, 9, 12), 'America/New_York')).to.equal('2024-03-09T17:00:00.000Z');
    expect(() => timeZoneOption('Mars/Olympus'))
      .to.throw()
      .with.property('code', 'BULK_INVALID_OPTION');
  });

  it('reads ISO 8601 date-times without an offset', () => {
    expect(isoLocalDateTime('2024-01-31T14:05')).to.deep.equal({ y: 2024, M: 1, d: 31, H: 14, m: 5, s: 0 });
    expect(isoLocalDateTime('2024-01-31 14:05:09')).to.deep.include({ s: 9 });
    expect(isoLocalDateTime('2024-01-31T14:05:00Z')).to.equal(undefined);
    expect(isoLocalDateTime('2024-13-01T00:00')).to.equal(undefined);
  });
});
