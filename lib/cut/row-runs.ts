/** A segment's input rows as runs of consecutive rows (`[first, count]`), grown one row at a time. */
export type OpenRowRuns = Array<[first: number, count: number]>;

/** Adds `row` (above every row in `runs`) to the last run when it follows it, else as a new run. */
export function addRow(runs: OpenRowRuns, row: number): void {
  const last = runs[runs.length - 1];
  if (last && last[0] + last[1] === row) last[1]++;
  else runs.push([row, 1]);
}

/** Adds the `count` rows from `first` on (above every row in `runs`): to the last run when they follow it, else as a new run. */
export function addRows(runs: OpenRowRuns, first: number, count: number): void {
  const last = runs[runs.length - 1];
  if (last && last[0] + last[1] === first) last[1] += count;
  else runs.push([first, count]);
}
