import { expect } from 'chai';
import { describeBatches, OrgBatches } from '../../../lib/load/org-batches.js';

describe('lib/load/org-batches', () => {
  it('gives each batch to one segment of the same bytes (identical payloads take one each), and names those no segment took', () => {
    const org = new OrgBatches();
    expect(org.matching).to.equal(false);
    org.addUnplaced('h1', { jobId: 'J1', batchId: 'B1' });
    org.addUnplaced('h1', { jobId: 'J1', batchId: 'B2' });
    org.addUnplaced('h2', { jobId: 'J1', batchId: 'B3' });
    expect(org.matching).to.equal(true);
    expect(org.takeHash('h1')).to.deep.equal({ jobId: 'J1', batchId: 'B1' });
    expect(org.takeHash('h1')).to.deep.equal({ jobId: 'J1', batchId: 'B2' });
    expect(org.takeHash('h1')).to.equal(undefined);
    expect(org.takeHash('h3')).to.equal(undefined);
    expect(org.unplaced()).to.deep.equal([{ jobId: 'J1', batchId: 'B3' }]);
    expect(describeBatches(org.unplaced())).to.equal('job J1: batch B3');
    expect(describeBatches([...org.unplaced(), { jobId: 'J1', batchId: 'B4' }, { jobId: 'J2', batchId: 'B5' }])).to.equal('job J1: batches B3, B4; job J2: batch B5');
  });

  const found = (ids: string, prefix = 'B') => [...ids].map((h) => ({ batchId: `${prefix}${h}`, sha256: `h${h}` }));

  it("a job found by its likeness is the run's only once every one of its batches was taken; one partly taken is named, one untouched is left alone", () => {
    const org = new OrgBatches();
    org.addFound('J9', found('12'));
    org.addFound('J8', found('7', 'C'));
    expect(org.matching).to.equal(true);
    expect(org.unplaced()).to.deep.equal([]);
    expect(org.foundJobs()).to.deep.equal([]);
    expect(org.takeHash('h1')).to.deep.equal({ jobId: 'J9', batchId: 'B1' });
    // Partly taken: not proven.
    expect(org.foundJobs()).to.deep.equal([]);
    expect(org.unproven()).to.deep.equal([{ jobId: 'J9', batchId: 'B1' }]);
    expect(org.takeHash('h2')).to.deep.equal({ jobId: 'J9', batchId: 'B2' });
    expect(org.foundJobs()).to.deep.equal([{ jobId: 'J9', batches: 2 }]);
    // J8, never taken from, is neither proven, nor named, nor unplaced.
    expect(org.unproven()).to.deep.equal([]);
    expect(org.unplaced()).to.deep.equal([]);
  });

  it("takes a found job's batches only in the org's order, give or take the window: a job whose first batches no segment has never fits", () => {
    const org = new OrgBatches(4);
    // Another load of the same file, begun 4 segments before the run's gap: its first 4 batches are of segments the ledger places.
    org.addFound('JX', found('0123456789', 'X'));
    expect(org.takeHash('h4')).to.equal(undefined);
    expect(org.takeHash('h5')).to.equal(undefined);
    expect(org.unproven()).to.deep.equal([]);
    // Segments whose batches the org made out of order (a few uploads at once) are taken in any order within the window.
    const own = new OrgBatches(4);
    own.addFound('J2', found('5467'));
    expect(['h4', 'h5', 'h6', 'h7'].map((h) => own.takeHash(h)?.batchId)).to.deep.equal(['B4', 'B5', 'B6', 'B7']);
    expect(own.foundJobs()).to.deep.equal([{ jobId: 'J2', batches: 4 }]);
  });

  it('a found job that fits for a few batches stops fitting once one of its earlier batches stays untaken past the window', () => {
    const org = new OrgBatches(4);
    org.addFound('JX', found('0123456789', 'X'));
    // Begun 3 segments before the gap: batch 3 lies within the window of its untaken batch 0, batch 4 does not.
    expect(org.takeHash('h3')).to.deep.equal({ jobId: 'JX', batchId: 'X3' });
    expect(org.takeHash('h4')).to.equal(undefined);
    expect(org.foundJobs()).to.deep.equal([]);
    expect(org.unproven()).to.deep.equal([{ jobId: 'JX', batchId: 'X3' }]);
  });

  it("prefers the run's lost job, which begins at the gap, to another load's that fits less well; refuses when two fit alike", () => {
    const org = new OrgBatches(4);
    org.addFound('JX', found('0123456789', 'X'));
    org.addFound('J2', found('3456', 'B'));
    expect(['h3', 'h4', 'h5', 'h6'].map((h) => org.takeHash(h))).to.deep.equal(['3', '4', '5', '6'].map((h) => ({ jobId: 'J2', batchId: `B${h}` })));
    expect(org.foundJobs()).to.deep.equal([{ jobId: 'J2', batches: 4 }]);
    expect(org.unproven()).to.deep.equal([]);
    // The batches of the run's own jobs come first.
    org.addUnplaced('h7', { jobId: 'J1', batchId: 'K7' });
    expect(org.takeHash('h7')).to.deep.equal({ jobId: 'J1', batchId: 'K7' });
    const twice = new OrgBatches(4);
    twice.addFound('JA', found('34', 'A'));
    twice.addFound('JB', found('34', 'B'));
    expect(() => twice.takeHash('h3'))
      .to.throw(/JA and JB/)
      .with.property('code', 'BULK_LEDGER');
  });
});
