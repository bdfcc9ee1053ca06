import { expect } from 'chai';
import { CutSchedule } from '../../../lib/cut/cut-schedule.js';
import { addRow, type OpenRowRuns } from '../../../lib/cut/row-runs.js';

describe('lib/cut/cut-schedule', () => {
  it('is due before the row after a cut, once, and passes over every cut behind it', () => {
    const cuts = new CutSchedule([2, 3, 7]);
    expect(cuts.dueBefore(1)).to.equal(false);
    expect(cuts.dueBefore(2)).to.equal(false);
    expect(cuts.dueBefore(5)).to.equal(true); // 2 and 3 both lie behind row 5: one cut
    expect(cuts.dueBefore(6)).to.equal(false);
    expect(cuts.dueBefore(8)).to.equal(true);
    expect(cuts.dueBefore(9)).to.equal(false);
  });

  it('is never due without cuts, and keeps no hold on the array given', () => {
    expect(new CutSchedule().dueBefore(1_000)).to.equal(false);
    const rows = [1];
    const cuts = new CutSchedule(rows);
    expect(cuts.dueBefore(2)).to.equal(true);
    expect(rows).to.deep.equal([1]);
  });
});

describe('lib/cut/row-runs', () => {
  it('grows the last run with the row after it, and starts a run after a gap', () => {
    const runs: OpenRowRuns = [];
    for (const row of [1, 2, 3, 5, 6, 9]) addRow(runs, row);
    expect(runs).to.deep.equal([
      [1, 3],
      [5, 2],
      [9, 1],
    ]);
  });
});
