import { expect } from 'chai';
import { choice, pollOptions, wholeNumber } from '../../bin/flags.js';
import { UsageError } from '../../bin/usage-error.js';

describe('bin/flags', () => {
  it('wholeNumber: the fallback when absent, the number within range, a UsageError naming the flag otherwise', () => {
    expect(wholeNumber('batch-size', undefined, 10, 1, 100)).to.equal(10);
    expect(wholeNumber('batch-size', '42', 10, 1, 100)).to.equal(42);
    for (const bad of ['0', '101', '1.5', '-3', 'x', '']) {
      expect(() => wholeNumber('batch-size', bad, 10, 1, 100), bad).to.throw(UsageError, /--batch-size expects a whole number from 1 to 100/);
    }
  });

  it('choice: case-insensitive, gives the canonical spelling', () => {
    expect(choice('content-type', 'json', ['CSV', 'XML', 'JSON'] as const, 'CSV')).to.equal('JSON');
    expect(choice('content-type', undefined, ['CSV', 'XML', 'JSON'] as const, 'CSV')).to.equal('CSV');
    expect(() => choice('format', 'yaml', ['csv', 'json'] as const)).to.throw(UsageError, /--format expects one of csv, json/);
  });

  it('pollOptions: defaults, and a back-off cap never below the first interval', () => {
    expect(pollOptions({})).to.deep.equal({ minPollIntervalMs: 500, maxPollIntervalMs: 10_000, pollTimeoutMs: 21_600_000 });
    expect(pollOptions({ 'poll-interval': '20000', timeout: '60' })).to.deep.equal({ minPollIntervalMs: 20_000, maxPollIntervalMs: 20_000, pollTimeoutMs: 60_000 });
  });
});
