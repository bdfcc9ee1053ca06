import { expect } from 'chai';
import { LoadProgressText } from '../../bin/load-progress.js';
import type { LoadProgress } from '../../pipelines/bulk-load.js';

const progress = (p: Partial<LoadProgress>): LoadProgress => ({
  recordsRead: 0,
  batchesSubmitted: 0,
  batchesQueued: 0,
  batchesInProgress: 0,
  batchesCompleted: 0,
  batchesFailed: 0,
  recordsProcessed: 0,
  recordsSucceeded: 0,
  recordsFailed: 0,
  bytesRead: undefined,
  recordsPending: 0,
  ...p,
});

describe('bin/load-progress', () => {
  it('the percent and ETA are of the whole job (outcomes known out of records), the reading apart', () => {
    const text = new LoadProgressText(1000);
    // Half the file read, 2,000 records so far: about 4,000 in all; none done yet.
    expect(text.fields(progress({ bytesRead: 500, recordsRead: 2000, batchesQueued: 1 }), 0)).to.deep.equal([
      '0% done (0 of ~4,000 records)',
      'reading 50% (2,000)',
      'batches 1 queued, 0 in progress, 0 done, 0 failed',
    ]);
    // The whole file read, a quarter done, two seconds later: 500 rec/s now, so 3,000 more take 6 s.
    expect(
      text.fields(progress({ bytesRead: 1000, recordsRead: 4000, recordsProcessed: 1000, recordsSucceeded: 990, recordsFailed: 10, batchesCompleted: 1 }), 2000),
    ).to.deep.equal(['25% done (1,000 of 4,000 records, 10 failed)', 'ETA 6s', 'read 4,000', '500 rec/s', 'batches 0 queued, 0 in progress, 1 done, 0 failed']);
  });

  it('stdin: no total, so counts only', () => {
    const text = new LoadProgressText(undefined);
    expect(text.fields(progress({ recordsRead: 30, recordsProcessed: 1, recordsSucceeded: 1 }), 0)[0]).to.equal('1 record done');
    expect(text.fields(progress({ recordsRead: 30, recordsProcessed: 20, recordsSucceeded: 20 }), 1000).slice(0, 3)).to.deep.equal(['20 records done', 'read 30', '19 rec/s']);
  });
});
