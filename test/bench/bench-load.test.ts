/** benchLoad against a local org per run (in this process here: the test checks the figures' shape and sense, not speed). */
import { expect } from 'chai';
import { join } from 'node:path';
import { BulkClient } from '../../lib/http/client.js';
import { writeSyntheticCsv } from '../../bench/synthetic-records.js';
import { benchLoad, spread, sweepSettings } from '../../bench/bench-load.js';
import { startServer } from '../../server/index.js';
import { useTempDir } from '../helpers/temp-dir.js';

describe('bench/bench-load', function () {
  this.timeout(120_000);
  const tmp = useTempDir('bulkpipe-bench-test-');

  const open = async ({ gzip, onRequest }: { gzip: boolean; onRequest: () => void }) => {
    const org = await startServer({ port: 0, db: ':memory:' });
    const client = await BulkClient.login({ loginUrl: org.loginUrl, username: org.username, password: org.password, gzipUploads: gzip, onRequest });
    return {
      client,
      close: async () => {
        await client.close();
        await org.close();
      },
    };
  };

  it('runs every combination of the sweep, each as often as asked, with its figures', async () => {
    const input = join(tmp.path, 'accounts.csv');
    const org = await open({ gzip: false, onRequest: () => undefined });
    await writeSyntheticCsv(await org.client.describe('Account'), 600, input);
    await org.close();
    const settings = sweepSettings({ batchSize: [100, 600], concurrency: [2], contentType: ['CSV', 'JSON'], gzip: [true], serial: [false] });
    expect(settings).to.have.length(4);
    const seen: number[] = [];
    const report = await benchLoad({ open, object: 'Account', input, format: 'csv', settings, runs: 2, onRun: (r) => seen.push(r.run) });
    expect(seen).to.deep.equal([1, 2, 1, 2, 1, 2, 1, 2]);
    expect(report).to.include({ object: 'Account', operation: 'insert', input });
    for (const run of report.runs) {
      const label = JSON.stringify(run.settings);
      expect(run, label).to.include({ records: 600, succeeded: 600, failed: 0, batches: 600 / run.settings.batchSize });
      expect(run.recordsPerSecond, label).to.be.greaterThan(0);
      expect(run.cpuSeconds, label).to.be.greaterThan(0);
      expect(run.peakRssMb, label).to.be.greaterThan(10);
      expect(run.rssAtStartMb, label).to.be.within(10, run.peakRssMb);
      // A create, each batch's upload and results, the polls, the close: more requests than batches twice over.
      expect(run.apiRequests, label).to.be.greaterThan(2 * run.batches + 1);
      // The daily budget the load spent: its own batches, and no more requests than the run's count.
      expect(run.budget.batches, label).to.equal(run.batches);
      expect(run.budget.requests, label).to.be.within(2 * run.batches + 3, run.apiRequests);
      expect(run.budget.remaining?.DailyBulkApiBatches, label).to.equal(15_000 - run.batches);
      expect(run.timeline.at(-1)?.[1], label).to.equal(600);
      expect(run.batchLatencyMs.upload.max, label).to.be.at.least(run.batchLatencyMs.upload.p50);
      expect(run.stageSeconds.upload, label).to.be.greaterThan(0);
      expect(run.stageSeconds.org, label).to.be.greaterThan(0);
      expect(run.jobId, label).to.match(/^750/);
    }
  });

  it('sweeps the Bulk API: 2.0 runs are CSV, Parallel and gzip, each once', async () => {
    const settings = sweepSettings({ batchSize: [300], concurrency: [2], contentType: ['CSV', 'JSON'], gzip: [false, true], serial: [false], bulkApi: [1, 2] });
    expect(settings.filter((s) => s.bulkApi === 1)).to.have.length(4);
    expect(settings.filter((s) => s.bulkApi === 2)).to.deep.equal([{ batchSize: 300, concurrency: 2, contentType: 'CSV', gzip: true, serial: false, bulkApi: 2 }]);
    const input = join(tmp.path, 'v2.csv');
    const org = await open({ gzip: false, onRequest: () => undefined });
    await writeSyntheticCsv(await org.client.describe('Account'), 600, input);
    await org.close();
    const report = await benchLoad({ open, object: 'Account', input, format: 'csv', settings: settings.filter((s) => s.bulkApi === 2) });
    expect(report.runs[0]).to.include({ records: 600, succeeded: 600, failed: 0 });
    expect(report.runs[0]?.jobId).to.match(/^750/);
  });

  it('spread: nearest-rank p50, p95 and max', () => {
    expect(spread([])).to.deep.equal({ p50: 0, p95: 0, max: 0 });
    expect(spread(Array.from({ length: 100 }, (_, i) => i + 1))).to.deep.equal({ p50: 50, p95: 95, max: 100 });
    expect(spread([7])).to.deep.equal({ p50: 7, p95: 7, max: 7 });
  });
});
