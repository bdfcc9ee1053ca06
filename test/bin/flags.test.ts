import { expect } from 'chai';
import { bulkApiFlag, byteSize, choice, pollOptions, wholeNumber } from '../../bin/flags.js';
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

  it('byteSize: bytes, k and M (decimal, as Salesforce counts), within range; a UsageError naming the flag otherwise', () => {
    expect(byteSize('job-size', undefined, 100_000_000, 1_000, 112_500_000)).to.equal(100_000_000);
    expect(byteSize('job-size', '20k', 0, 1_000, 112_500_000)).to.equal(20_000);
    expect(byteSize('job-size', '2.5M', 0, 1_000, 112_500_000)).to.equal(2_500_000);
    expect(byteSize('job-size', '5000', 0, 1_000, 112_500_000)).to.equal(5_000);
    for (const bad of ['200M', '10', '1G', 'x', '', '-5k']) {
      expect(() => byteSize('job-size', bad, 0, 1_000, 112_500_000), bad).to.throw(UsageError, /--job-size expects a size from 1000 to 112500000 bytes/);
    }
  });

  it('bulkApiFlag: 1 by default, 1 or 2, a UsageError otherwise', () => {
    expect(bulkApiFlag(undefined)).to.equal(1);
    expect(bulkApiFlag('2')).to.equal(2);
    expect(() => bulkApiFlag('3')).to.throw(UsageError, /--bulk-api expects 1 or 2/);
  });

  it('pollOptions: defaults, and a back-off cap never below the first interval', () => {
    expect(pollOptions({})).to.deep.equal({ minPollIntervalMs: 500, maxPollIntervalMs: 10_000, pollTimeoutMs: 21_600_000 });
    expect(pollOptions({ 'poll-interval': '20000', timeout: '60' })).to.deep.equal({ minPollIntervalMs: 20_000, maxPollIntervalMs: 20_000, pollTimeoutMs: 60_000 });
  });
});
