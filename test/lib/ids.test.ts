import { expect } from 'chai';
import { caseSafeSuffix, isValidId, sameId, toId15, toId18 } from '../../lib/ids.js';
import { InvalidIdError } from '../../lib/errors.js';

describe('lib/ids', () => {
  // Pairs seen on the wire: the 18-character ids of the fixtures and their 15-character prefixes.
  const recorded = ['750Kf00000R1wzRIAR', '751Kf000018uaV7IAI', '0056g000004tCpaAAE', '750D0000000002jIAA', '005D0000002b3SPIAY'];

  it('computes the case-safe suffix of recorded ids', () => {
    for (const id of recorded) expect(caseSafeSuffix(id.slice(0, 15)), id).to.equal(id.slice(15));
  });

  it('converts 15 to 18 and back', () => {
    for (const id of recorded) {
      expect(toId18(id.slice(0, 15))).to.equal(id);
      expect(toId18(id)).to.equal(id);
      expect(toId15(id)).to.equal(id.slice(0, 15));
    }
  });

  it('accepts a lower-case suffix and normalises it', () => {
    expect(toId18('750Kf00000R1wzRiar')).to.equal('750Kf00000R1wzRIAR');
  });

  it('rejects bad ids with BULK_INVALID_ID', () => {
    for (const bad of ['', '001', '001D000000ISUr3IAHX', '001D000000ISUr3IAB', '001D00000-ISUr3', '001D000000ISUr3 AH']) {
      expect(isValidId(bad), bad).to.equal(false);
      expect(() => toId18(bad))
        .to.throw(InvalidIdError)
        .with.property('code', 'BULK_INVALID_ID');
    }
  });

  it('compares ids across lengths, case-sensitively in the first 15', () => {
    expect(sameId('750Kf00000R1wzR', '750Kf00000R1wzRIAR')).to.equal(true);
    expect(sameId('750kf00000R1wzR', '750Kf00000R1wzRIAR')).to.equal(false);
  });
});
