import { expect } from 'chai';
import { batchLimits } from '../../../lib/cut/batch-limits.js';

describe('lib/cut/batch-limits', () => {
  it('defaults to the Bulk API limits', () => {
    expect(batchLimits({})).to.deep.equal({ maxRecords: 10_000, maxBytes: 10_000_000, maxCharacters: 10_000_000 });
  });

  for (const [name, value] of [
    ['maxRecords', 0],
    ['maxRecords', 10_001],
    ['maxBytes', 1.5],
    ['maxBytes', -1],
    ['maxCharacters', Number.NaN],
    ['maxCharacters', '10'],
  ] as const) {
    it(`refuses ${name} ${String(value)} under its own name`, () => {
      expect(() => batchLimits({ [name]: value } as never))
        .to.throw()
        .with.property('code', 'BULK_INVALID_OPTION');
      expect(() => batchLimits({ [name]: value } as never))
        .to.throw()
        .with.property('option', name);
    });
  }
});
