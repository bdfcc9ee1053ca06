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
  recordsProcessedByOrg: 0,
  recordsRejectedBeforeUpload: 0,
  recordsSucceeded: 0,
  recordsFailed: 0,
  bytesRead: undefined,
  inputEnded: false,
  recordsPending: 0,
  ...p,
});

describe('bin/load-progress', () => {
  it('leads with what the org processed, out of the records the input holds, the rows written beside it (issue 27)', () => {
    const text = new LoadProgressText(1000);
    // Half the file read, 2,000 records so far: about 4,000 in all; none processed yet.
    expect(text.fields(progress({ bytesRead: 500, recordsRead: 2000, batchesQueued: 1 }), 0)).to.deep.equal([
      'processed 0 of ~4,000 (0%)',
      'written 0',
      'reading 50% (2,000)',
      'batches 1 queued, 0 in progress, 0 done, 0 failed',
    ]);
    const at = (ms: number, org: number, written: number, failed = 0) =>
      text.fields(
        progress({
          bytesRead: 1000,
          inputEnded: true,
          recordsRead: 4000,
          recordsProcessedByOrg: org,
          recordsProcessed: written,
          recordsSucceeded: written - failed,
          recordsFailed: failed,
          batchesCompleted: Math.floor(org / 10),
        }),
        ms,
      );
    // The whole file read; the first step (the start) sets the origin, then a second at 1,000 records/s.
    at(1000, 1000, 0);
    expect(at(2000, 2000, 0)).to.deep.equal([
      'processed 2,000 of 4,000 (50%)',
      '1.0k rec/s',
      'ETA 2s',
      'written 0',
      'read 4,000',
      'batches 0 queued, 0 in progress, 200 done, 0 failed',
    ]);
    // The org nearly done while the results of the first batches are still being fetched: the line says so.
    expect(at(3960, 3960, 1600, 10).slice(0, 4)).to.deep.equal(['processed 3,960 of 4,000 (99%)', '1.0k rec/s', 'ETA 0s', 'written 1,600 (10 failed)']);
    expect(at(4000, 4000, 4000, 10).slice(0, 3)).to.deep.equal(['processed 4,000 of 4,000 (100%)', '1.0k rec/s', 'written 4,000 (10 failed)']);
  });

  it('counts the rows written when they are more (records rejected before upload never reach the org)', () => {
    const text = new LoadProgressText(100);
    expect(
      text.fields(progress({ bytesRead: 100, inputEnded: true, recordsRead: 10, recordsProcessedByOrg: 7, recordsProcessed: 10, recordsFailed: 3, recordsSucceeded: 7 }), 0)[0],
    ).to.equal('processed 10 of 10 (100%)');
  });

  it('counts the records rejected before upload as they come, before their rows reach the outputs behind held results', () => {
    const text = new LoadProgressText(100);
    // Half the rows rejected at the cut, the org done with the other half, no row written yet: done, no ETA.
    const done = progress({ bytesRead: 100, inputEnded: true, recordsRead: 2000, recordsProcessedByOrg: 1000, recordsRejectedBeforeUpload: 1000 });
    expect(text.fields(done, 0).slice(0, 3)).to.deep.equal(['processed 2,000 of 2,000 (100%)', 'written 0', 'read 2,000']);
    // Never past an estimated total: held at it, and short of 100%.
    const estimated = new LoadProgressText(100);
    expect(estimated.fields(progress({ bytesRead: 50, recordsRead: 1000, recordsProcessedByOrg: 900, recordsRejectedBeforeUpload: 1500 }), 0)[0]).to.equal(
      'processed 2,000 of ~2,000 (99%)',
    );
  });

  it('never past 100%, never backwards: an estimate that grows, a count that outruns the total', () => {
    const text = new LoadProgressText(1000);
    // A quarter of the bytes held 1,000 records, the org did 500: 12% of ~4,000.
    expect(text.fields(progress({ bytesRead: 250, recordsRead: 1000, recordsProcessedByOrg: 500 }), 0)[0]).to.equal('processed 500 of ~4,000 (12%)');
    // Shorter records further on: ~8,000 now, so 600 is 7%, but the percent shown holds.
    expect(text.fields(progress({ bytesRead: 500, recordsRead: 4000, recordsProcessedByOrg: 600 }), 100)[0]).to.equal('processed 600 of ~8,000 (12%)');
    // While the total is an estimate, never 100%.
    expect(text.fields(progress({ bytesRead: 900, recordsRead: 7200, recordsProcessedByOrg: 7200 }), 200)[0]).to.equal('processed 7,200 of ~8,000 (90%)');
    expect(text.fields(progress({ bytesRead: 999, recordsRead: 7992, recordsProcessedByOrg: 7992 }), 300)[0]).to.equal('processed 7,992 of ~8,000 (99%)');
    // A count beyond the total (a retry or a resume must never show it) is held at the total.
    expect(text.fields(progress({ bytesRead: 1000, inputEnded: true, recordsRead: 8000, recordsProcessedByOrg: 8100 }), 400)[0]).to.equal('processed 8,000 of 8,000 (100%)');
  });

  it('the total is counted only once the reading has ended: the file read to its last byte is not yet every record counted', () => {
    const text = new LoadProgressText(1000);
    // The file stream has read every byte; the records in its last buffers are not cut yet.
    expect(text.fields(progress({ bytesRead: 1000, recordsRead: 7900, recordsProcessedByOrg: 7900 }), 0)).to.deep.equal([
      'processed 7,900 of ~7,900 (99%)',
      'written 0',
      'reading 100% (7,900)',
      'batches 0 queued, 0 in progress, 0 done, 0 failed',
    ]);
    expect(text.fields(progress({ bytesRead: 1000, inputEnded: true, recordsRead: 8000, recordsProcessedByOrg: 7900 }), 100).slice(0, 3)).to.deep.equal([
      'processed 7,900 of 8,000 (99%)',
      'written 0',
      'read 8,000',
    ]);
    // stdin: once it has ended, its records are known too.
    expect(new LoadProgressText(undefined).fields(progress({ inputEnded: true, recordsRead: 30, recordsProcessedByOrg: 20 }), 0)[0]).to.equal('processed 20 of 30 (66%)');
  });

  it('stdin: no total before its end, so counts only: no percent, no ETA', () => {
    const text = new LoadProgressText(undefined);
    expect(text.fields(progress({ recordsRead: 30, recordsProcessedByOrg: 1, recordsProcessed: 0 }), 0)).to.deep.equal([
      'processed 1',
      'written 0',
      'read 30',
      'batches 0 queued, 0 in progress, 0 done, 0 failed',
    ]);
    text.fields(progress({ recordsRead: 30, recordsProcessedByOrg: 10 }), 1000);
    expect(text.fields(progress({ recordsRead: 30, recordsProcessedByOrg: 20, recordsProcessed: 10, recordsSucceeded: 10 }), 2000).slice(0, 4)).to.deep.equal([
      'processed 20',
      '10 rec/s',
      'written 10',
      'read 30',
    ]);
  });
});
