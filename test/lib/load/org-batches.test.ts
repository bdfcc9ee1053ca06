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

  it("a job found by its likeness is the run's only once a segment takes one of its batches", () => {
    const org = new OrgBatches();
    org.maybeOurs('J9');
    org.addUnplaced('h1', { jobId: 'J9', batchId: 'B1' });
    org.addUnplaced('h2', { jobId: 'J9', batchId: 'B2' });
    // Another load's job: none of its batches taken, nothing to say.
    expect(org.unplaced()).to.deep.equal([]);
    expect(org.foundJobs()).to.deep.equal([]);
    org.takeHash('h1');
    expect(org.foundJobs()).to.deep.equal(['J9']);
    expect(org.unplaced()).to.deep.equal([{ jobId: 'J9', batchId: 'B2' }]);
  });
});
