import { expect } from 'chai';
import { bestSettingLine } from '../../bench/best-setting.js';
import { benchRun } from '../helpers/bench-run.js';

describe('bench/best-setting', () => {
  it('no runs: no line', () => {
    expect(bestSettingLine([])).to.equal('');
  });

  it('names the fastest setting by the flags the sweep varied, how many times the slowest it is (named by what differs), and its CPU per 100k records', () => {
    const line = bestSettingLine([
      benchRun({ batchSize: 2000, concurrency: 1 }, { recordsPerSecond: 74_500, cpuSeconds: 0.5 }),
      benchRun({ batchSize: 5000, concurrency: 1 }, { recordsPerSecond: 90_000, cpuSeconds: 0.3 }),
      benchRun({ batchSize: 5000, concurrency: 8 }, { recordsPerSecond: 142_000, cpuSeconds: 0.16 }),
      benchRun({ batchSize: 2000, concurrency: 8 }, { recordsPerSecond: 120_000, cpuSeconds: 0.4 }),
    ]);
    // 142,000 / 74,500 = 1.906; 0.16 CPU-s over 20,000 records = 0.8 per 100,000.
    expect(line).to.equal('Best: --batch-size 5000 --concurrency 8: 142k records/s, 1.9× the slowest (--batch-size 2000 --concurrency 1), 0.8 CPU-s per 100k records.');
  });

  it('the slowest is named by the flags where it differs from the best only', () => {
    const line = bestSettingLine([
      benchRun({ batchSize: 5000, concurrency: 1 }, { recordsPerSecond: 40_000 }),
      benchRun({ batchSize: 5000, concurrency: 8 }, { recordsPerSecond: 80_000 }),
      benchRun({ batchSize: 2000, concurrency: 8 }, { recordsPerSecond: 60_000 }),
    ]);
    expect(line).to.match(/^Best: --batch-size 5000 --concurrency 8: 80k records\/s, 2\.0× the slowest \(--concurrency 1\), /);
  });

  it('a setting run several times: the mean of its runs, said so', () => {
    const line = bestSettingLine([
      benchRun({ concurrency: 1 }, { run: 1, recordsPerSecond: 30_000 }),
      benchRun({ concurrency: 1 }, { run: 2, recordsPerSecond: 34_000 }),
      benchRun({ concurrency: 4 }, { run: 1, recordsPerSecond: 50_000, cpuSeconds: 0.2 }),
      benchRun({ concurrency: 4 }, { run: 2, recordsPerSecond: 46_000, cpuSeconds: 0.4 }),
    ]);
    // (50,000 + 46,000) / 2 = 48,000 against 32,000: 1.5×; 0.6 CPU-s over 40,000 records = 1.5 per 100,000;
    // 34,000 / 30,000 = 1.13, 50,000 / 46,000 = 1.09: runs differed by up to 13%.
    expect(line).to.equal(
      'Best: --concurrency 4: 48k records/s (mean of 2 runs), 1.5× the slowest (--concurrency 1), 1.5 CPU-s per 100k records. Runs of one setting differed by up to 13%.',
    );
  });

  it('a tie at the top (the same rate as shown): both named, each with its CPU', () => {
    const line = bestSettingLine([
      benchRun({ concurrency: 4 }, { recordsPerSecond: 142_100, cpuSeconds: 0.2 }),
      benchRun({ concurrency: 8 }, { recordsPerSecond: 141_950, cpuSeconds: 0.3 }),
      benchRun({ concurrency: 1 }, { recordsPerSecond: 71_000 }),
    ]);
    expect(line).to.equal(
      'Best, tied at 142k records/s: --concurrency 4 (1 CPU-s per 100k records) and --concurrency 8 (1.5 CPU-s per 100k records); 2.0× the slowest (--concurrency 1).',
    );
  });

  it('every setting tied: no best, and the one that used the least client CPU', () => {
    const line = bestSettingLine([
      benchRun({ gzip: false }, { recordsPerSecond: 50_040, cpuSeconds: 0.4 }),
      benchRun({ gzip: true }, { recordsPerSecond: 49_990, cpuSeconds: 0.3 }),
    ]);
    expect(line).to.equal('No best setting: all 2 ran at 50k records/s; the least client CPU: --gzip on, 1.5 CPU-s per 100k records.');
  });

  it('a single setting: its figures, and how to compare', () => {
    const line = bestSettingLine([benchRun({ batchSize: 10_000, concurrency: 4 }, { recordsPerSecond: 17_663, cpuSeconds: 0.31 })]);
    expect(line).to.equal(
      'One setting: --batch-size 10000 --concurrency 4: 17.7k records/s, 1.6 CPU-s per 100k records. Give lists (e.g. --concurrency 1,4,8) to compare settings.',
    );
  });

  it('settings with failed records are no candidates, and are said to be left out', () => {
    const runs = [
      benchRun({ contentType: 'XML' }, { recordsPerSecond: 90_000, failed: 20 }),
      benchRun({ contentType: 'CSV' }, { recordsPerSecond: 60_000 }),
      benchRun({ contentType: 'JSON' }, { recordsPerSecond: 30_000 }),
    ];
    expect(bestSettingLine(runs)).to.equal(
      'Best: --content-type CSV: 60k records/s, 2.0× the slowest (--content-type JSON), 1.5 CPU-s per 100k records. Left out, with failed records: --content-type XML.',
    );
    expect(bestSettingLine(runs.slice(0, 2))).to.match(
      /^Best: --content-type CSV: 60k records\/s, 1.5 CPU-s per 100k records\. Left out, with failed records: --content-type XML\.$/,
    );
    expect(bestSettingLine(runs.slice(0, 1))).to.equal('No best setting: every setting had failed records (see the table).');
  });

  it('Bulk API 2.0 settings are named without the content type, gzip and serial it fixes', () => {
    const line = bestSettingLine([benchRun({ bulkApi: 1, gzip: false }, { recordsPerSecond: 40_000 }), benchRun({ bulkApi: 2, gzip: true }, { recordsPerSecond: 60_000 })]);
    expect(line).to.match(/^Best: --bulk-api 2: 60k records\/s, 1\.5× the slowest \(--bulk-api 1 --gzip off\), /);
  });
});
