/**
 * `bulkpipe/bench`: measuring loads from code, as `bulkpipe bench` does. `benchLoad` runs a sweep of
 * settings against the orgs that `open` gives, `benchTable` and `renderBenchReport` show its report
 * (a terminal table, one self-contained HTML file), and `writeSyntheticCsv` makes an input shaped by
 * an object's describe.
 */
export {
  benchLoad,
  sweepSettings,
  spread,
  type BenchLoadOptions,
  type BenchOrg,
  type BenchReport,
  type BenchRun,
  type BenchSettings,
  type BenchSweep,
  type Spread,
} from './bench-load.js';
export { benchTable, renderBenchReport, settingsLabel } from './bench-report.js';
export { syntheticFields, syntheticValue, writeSyntheticCsv } from './synthetic-records.js';
