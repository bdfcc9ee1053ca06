import { expect } from 'chai';
import { describeBatches, OrgBatches } from '../../../lib/load/org-batches.js';

describe('lib/load/org-batches', () => {
  it('gives each batch to one segment of the same bytes (identical payloads take one each), and names those no segment took', async () => {
    const org = new OrgBatches(digest);
    expect(org.matching).to.equal(false);
    org.addUnplaced('h1', { jobId: 'J1', batchId: 'B1' });
    org.addUnplaced('h1', { jobId: 'J1', batchId: 'B2' });
    org.addUnplaced('h2', { jobId: 'J1', batchId: 'B3' });
    expect(org.matching).to.equal(true);
    expect(await org.takeHash('h1')).to.deep.equal({ jobId: 'J1', batchId: 'B1' });
    expect(await org.takeHash('h1')).to.deep.equal({ jobId: 'J1', batchId: 'B2' });
    expect(await org.takeHash('h1')).to.equal(undefined);
    expect(await org.takeHash('h3')).to.equal(undefined);
    expect(org.unplaced()).to.deep.equal([{ jobId: 'J1', batchId: 'B3' }]);
    expect(describeBatches(org.unplaced())).to.equal('job J1: batch B3');
    expect(describeBatches([...org.unplaced(), { jobId: 'J1', batchId: 'B4' }, { jobId: 'J2', batchId: 'B5' }])).to.equal('job J1: batches B3, B4; job J2: batch B5');
  });

  /** Batch ids whose hash is `h` and the id's last character: `X3` holds the bytes of segment 3. */
  const found = (ids: string, prefix = 'B') => [...ids].map((h) => `${prefix}${h}`);
  const reads: string[] = [];
  const digest = async (_jobId: string, batchId: string) => {
    reads.push(batchId);
    return `h${batchId.slice(-1)}`;
  };
  beforeEach(() => {
    reads.length = 0;
  });

  it("a job found by its likeness is the run's only once every one of its batches was taken; one partly taken is named, one untouched is left alone", async () => {
    const org = new OrgBatches(digest);
    org.addFound('J9', found('12'));
    org.addFound('J8', found('7', 'C'));
    expect(org.matching).to.equal(true);
    expect(org.unplaced()).to.deep.equal([]);
    expect(org.foundJobs()).to.deep.equal([]);
    expect(await org.takeHash('h1')).to.deep.equal({ jobId: 'J9', batchId: 'B1' });
    // Partly taken: not proven.
    expect(org.foundJobs()).to.deep.equal([]);
    expect(org.unproven()).to.deep.equal([{ jobId: 'J9', batchId: 'B1' }]);
    expect(await org.takeHash('h2')).to.deep.equal({ jobId: 'J9', batchId: 'B2' });
    expect(org.foundJobs()).to.deep.equal([{ jobId: 'J9', batches: 2 }]);
    // J8, never taken from, is neither proven, nor named, nor unplaced.
    expect(org.unproven()).to.deep.equal([]);
    expect(org.unplaced()).to.deep.equal([]);
  });

  it("takes a found job's batches only in the org's order, give or take the window: a job whose first batches no segment has never fits", async () => {
    const org = new OrgBatches(digest, 4);
    // Another load of the same file, begun 4 segments before the run's gap: its first 4 batches are of segments the ledger places.
    org.addFound('JX', found('0123456789', 'X'));
    expect(await org.takeHash('h4')).to.equal(undefined);
    expect(await org.takeHash('h5')).to.equal(undefined);
    expect(org.unproven()).to.deep.equal([]);
    // Segments whose batches the org made out of order (a few uploads at once) are taken in any order within the window.
    const own = new OrgBatches(digest, 4);
    own.addFound('J2', found('5467'));
    // Four segments at once, as the submitter has them in flight.
    const taken = await Promise.all(['h4', 'h5', 'h6', 'h7'].map((h) => own.takeHash(h)));
    expect(taken.map((b) => b?.batchId)).to.deep.equal(['B4', 'B5', 'B6', 'B7']);
    expect(own.foundJobs()).to.deep.equal([{ jobId: 'J2', batches: 4 }]);
  });

  it('a found job that fits for a few batches stops fitting once one of its earlier batches stays untaken past the window', async () => {
    const org = new OrgBatches(digest, 4);
    org.addFound('JX', found('0123456789', 'X'));
    // Begun 3 segments before the gap: batch 3 lies within the window of its untaken batch 0, batch 4 does not.
    expect(await org.takeHash('h3')).to.deep.equal({ jobId: 'JX', batchId: 'X3' });
    expect(await org.takeHash('h4')).to.equal(undefined);
    expect(org.foundJobs()).to.deep.equal([]);
    expect(org.unproven()).to.deep.equal([{ jobId: 'JX', batchId: 'X3' }]);
  });

  it("prefers the run's lost job, which begins at the gap, to another load's that fits less well; refuses when two fit alike", async () => {
    const org = new OrgBatches(digest, 4);
    org.addFound('JX', found('0123456789', 'X'));
    org.addFound('J2', found('3456', 'B'));
    const taken = [];
    for (const h of ['h3', 'h4', 'h5', 'h6']) taken.push(await org.takeHash(h));
    expect(taken).to.deep.equal(['3', '4', '5', '6'].map((h) => ({ jobId: 'J2', batchId: `B${h}` })));
    expect(org.foundJobs()).to.deep.equal([{ jobId: 'J2', batches: 4 }]);
    expect(org.unproven()).to.deep.equal([]);
    // The batches of the run's own jobs come first.
    org.addUnplaced('h7', { jobId: 'J1', batchId: 'K7' });
    expect(await org.takeHash('h7')).to.deep.equal({ jobId: 'J1', batchId: 'K7' });
    const twice = new OrgBatches(digest, 4);
    twice.addFound('JA', found('34', 'A'));
    twice.addFound('JB', found('34', 'B'));
    const err = await twice.takeHash('h3').then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).to.match(/JA and JB/);
    expect(err).to.have.property('code', 'BULK_LEDGER');
  });

  it("reads the hash of a found job's batch only once a segment could take it: another load's big job costs a window of reads", async () => {
    const org = new OrgBatches(digest, 4);
    org.addFound('JX', found('0123456789', 'X'));
    expect(reads).to.deep.equal([]);
    expect(await org.takeHash('h9')).to.equal(undefined);
    expect(reads.sort()).to.deep.equal(['X0', 'X1', 'X2', 'X3']);
    expect(await org.takeHash('h0')).to.deep.equal({ jobId: 'JX', batchId: 'X0' });
    expect(await org.takeHash('h8')).to.equal(undefined);
    expect(reads.sort()).to.deep.equal(['X0', 'X1', 'X2', 'X3', 'X4']);
  });
});
