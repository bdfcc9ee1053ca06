import { expect } from 'chai';
import { apiVersion, duration, httpUrl, nonNegativeInteger, oneOf, positiveInteger } from '../../lib/options.js';

describe('lib/options', () => {
  const table: Array<[string, () => unknown]> = [
    ['positiveInteger 0', () => positiveInteger('n', 0)],
    ['positiveInteger 1.5', () => positiveInteger('n', 1.5)],
    ['positiveInteger over max', () => positiveInteger('n', 11, 10)],
    ['positiveInteger string', () => positiveInteger('n', '3')],
    ['nonNegativeInteger -1', () => nonNegativeInteger('n', -1)],
    ['duration NaN', () => duration('ms', Number.NaN)],
    ['duration Infinity', () => duration('ms', Infinity)],
    ['oneOf unknown', () => oneOf('mode', 'Fast', ['Parallel', 'Serial'])],
    ['httpUrl ftp', () => httpUrl('u', 'ftp://example.com')],
    ['httpUrl credentials', () => httpUrl('u', 'https://user:pw@example.com')],
    ['httpUrl garbage', () => httpUrl('u', 'not a url')],
    ['apiVersion v-prefixed', () => apiVersion('v', 'v35.0')],
    ['apiVersion too old', () => apiVersion('v', '19.0')],
  ];
  for (const [name, call] of table) {
    it(`rejects ${name} with BULK_INVALID_OPTION`, () => {
      expect(call).to.throw().with.property('code', 'BULK_INVALID_OPTION');
    });
  }

  it('names the option and the value in the message', () => {
    expect(() => positiveInteger('concurrency', -2)).to.throw(/concurrency.*-2/);
  });

  it('returns good values unchanged', () => {
    expect(positiveInteger('n', 10)).to.equal(10);
    expect(apiVersion('v', '35.0')).to.equal('35.0');
    expect(httpUrl('u', 'http://127.0.0.1:8080/x').origin).to.equal('http://127.0.0.1:8080');
  });
});
