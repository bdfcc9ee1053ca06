import { expect } from 'chai';
import { RetryPolicy, failedBeforeSending, isTransientNetworkError, parseRetryAfter } from '../../../lib/http/retry.js';

describe('lib/http/retry', () => {
  it('validates its options', () => {
    for (const options of [{ maxRetries: 1001 }, { maxElapsedMs: -1 }, { minDelayMs: -1 }, { maxDelayMs: Number.NaN }, { maxRetryAfterMs: Infinity }]) {
      expect(() => new RetryPolicy(options))
        .to.throw()
        .with.property('code', 'BULK_INVALID_OPTION');
    }
  });

  it('backs off exponentially up to the cap, with half of each wait random', () => {
    const low = new RetryPolicy({ minDelayMs: 100, maxDelayMs: 1000, random: () => 0 });
    const high = new RetryPolicy({ minDelayMs: 100, maxDelayMs: 1000, random: () => 0.999999 });
    expect([0, 1, 2, 3, 4, 5].map((n) => low.delayMs(n))).to.deep.equal([50, 100, 200, 400, 500, 500]);
    expect([0, 1, 2, 3, 4, 5].map((n) => high.delayMs(n))).to.deep.equal([100, 200, 400, 800, 1000, 1000]);
  });

  it('ends retries by a time budget as well as a count', () => {
    const policy = new RetryPolicy({ maxRetries: 10, maxElapsedMs: 60_000 });
    expect(policy.allows(0, 0, 250)).to.equal(true);
    expect(policy.allows(5, 59_000, 1000)).to.equal(true);
    expect(policy.allows(5, 59_500, 1000)).to.equal(false);
    expect(policy.allows(10, 0, 1)).to.equal(false);
    const defaults = new RetryPolicy();
    // The default budget rides out a server that is away for a minute.
    expect(defaults.allows(20, 90_000, 10_000)).to.equal(true);
  });

  it('lets Retry-After win, capped', () => {
    const policy = new RetryPolicy({ maxRetryAfterMs: 5000 });
    expect(policy.delayMs(0, 2000)).to.equal(2000);
    expect(policy.delayMs(3, 60_000)).to.equal(5000);
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).to.equal(120_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).to.equal(30_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).to.equal(0);
    expect(parseRetryAfter('soon', now)).to.equal(undefined);
    expect(parseRetryAfter(undefined, now)).to.equal(undefined);
  });

  it('knows which statuses and socket errors are transient', () => {
    const policy = new RetryPolicy();
    expect([429, 500, 502, 503, 504].every((s) => policy.isRetryableStatus(s))).to.equal(true);
    expect([400, 401, 404, 405, 415].some((s) => policy.isRetryableStatus(s))).to.equal(false);
    expect(isTransientNetworkError({ code: 'ECONNRESET' })).to.equal(true);
    expect(isTransientNetworkError({ code: 'ENOTFOUND' })).to.equal(false);
    expect(failedBeforeSending({ code: 'ECONNREFUSED' })).to.equal(true);
    expect(failedBeforeSending({ code: 'ECONNRESET' })).to.equal(false);
  });
});
