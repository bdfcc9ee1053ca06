/** The load's summary line: the concurrency adaptive concurrency took the uploads to, named only when it lowered them. */
import { expect } from 'chai';
import { summaryText } from '../../bin/load-summary.js';
import type { LoadSummary } from '../../pipelines/bulk-load.js';

const summary = (concurrency: number, lowest: number, final: number) =>
  ({
    recordsRead: 10,
    recordsSucceeded: 10,
    recordsFailed: 0,
    elapsedMs: 1000,
    recordsPerSecond: 10,
    batches: 1,
    jobId: '750000000000001AAA',
    reload: undefined,
    droppedColumns: [],
    dateFormatHints: [],
    concurrency,
    lowestConcurrency: lowest,
    finalConcurrency: final,
  }) as unknown as LoadSummary;

describe('bin/load-summary', () => {
  it('names the lowest and final concurrency when adaptive concurrency lowered it, and nothing otherwise', () => {
    expect(summaryText(summary(8, 2, 6), 'Contact', 'insert', '')).to.match(/; job 750000000000001AAA; concurrency lowest 2, final 6$/);
    expect(summaryText(summary(8, 8, 8), 'Contact', 'insert', '')).to.not.contain('concurrency');
  });

  it('ends with the --date-format hints, when there are any (issue 27)', () => {
    const hint = 'Birthdate: values like 31/12/2024 look like dd/MM/yyyy: --date-format dd/MM/yyyy';
    expect(summaryText({ ...summary(8, 8, 8), dateFormatHints: [hint] }, 'Contact', 'insert', '')).to.match(
      /; job 750000000000001AAA; dates: Birthdate: values like 31\/12\/2024 look like dd\/MM\/yyyy: --date-format dd\/MM\/yyyy$/,
    );
  });
});
