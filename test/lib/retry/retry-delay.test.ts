import { expect } from 'chai';
import { retryDelay } from '../../../lib/retry/retry-delay.js';

describe('lib/retry/retry-delay', () => {
  it('doubles from the base with each attempt, half of it jitter, and never passes the bound', () => {
    expect([2, 3, 4, 5].map((a) => retryDelay(a, 1000, 60_000, () => 0))).to.deep.equal([500, 1000, 2000, 4000]);
    expect([2, 3, 4, 5].map((a) => retryDelay(a, 1000, 60_000, () => 0.999999))).to.deep.equal([1000, 2000, 4000, 8000]);
    for (let attempt = 2; attempt < 40; attempt++) {
      const delay = retryDelay(attempt, 1000, 60_000);
      expect(delay).to.be.at.least(Math.min(60_000, 1000 * 2 ** (attempt - 2)) / 2);
      expect(delay).to.be.at.most(60_000);
    }
    expect(retryDelay(3, 0, 60_000)).to.equal(0);
  });
});
