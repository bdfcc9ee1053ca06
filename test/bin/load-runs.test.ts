import { expect } from 'chai';
import { join } from 'node:path';
import { LoadLedger } from '../../lib/load/load-ledger.js';
import { findRun, listRuns, newRunId, runsDir } from '../../bin/load-runs.js';
import { useTempDir } from '../helpers/temp-dir.js';

describe('bin/load-runs', () => {
  const tmp = useTempDir('bulkpipe-runs-');
  const env = () => ({ BULKPIPE_HOME: tmp.path });

  /** A ledger in the runs folder, as if process `pid` wrote it. */
  async function run(id: string, org: string, jobs: string[], finished = false, pid = 0x3fffff): Promise<void> {
    const ledger = new LoadLedger(join(runsDir(env()), id));
    const realPid = process.pid;
    Object.defineProperty(process, 'pid', { value: pid, configurable: true });
    try {
      await ledger.start({ runId: id, org, input: null, source: 'stdin', format: 'csv', contentType: 'CSV', object: 'Account', operation: 'insert', serial: false });
    } finally {
      Object.defineProperty(process, 'pid', { value: realPid, configurable: true });
    }
    for (const job of jobs) await ledger.job(job);
    if (finished) await ledger.finished();
    await ledger.close();
  }

  it('names runs by start time and process', () => {
    expect(newRunId(new Date('2026-12-01T13:08:43.123Z'))).to.equal(`20261201T130843Z-${process.pid}`);
  });

  it('lists runs newest first; tells a live owner from a dead one; finds a run by run id, job id (15 or 18), or the newest abandoned on the org', async () => {
    await run('20261201T100000Z-1', 'org-a', ['750A00000000001AAA']);
    await run('20261201T110000Z-2', 'org-a', ['750A00000000002AAA'], false, process.ppid);
    await run('20261201T120000Z-3', 'org-b', ['750A00000000003AAA']);
    await run('20261201T130000Z-4', 'org-a', ['750A00000000004AAA'], true);
    const runs = await listRuns(env());
    expect(runs.map((r) => [r.id, r.running])).to.deep.equal([
      ['20261201T130000Z-4', false],
      ['20261201T120000Z-3', false],
      ['20261201T110000Z-2', true],
      ['20261201T100000Z-1', false],
    ]);
    expect((await findRun(env(), undefined, 'org-a'))?.id).to.equal('20261201T100000Z-1'); // the running one and the finished one are not taken
    expect((await findRun(env(), '750A00000000003', 'org-a'))?.id).to.equal('20261201T120000Z-3');
    expect((await findRun(env(), '20261201T110000Z-2', 'org-a'))?.running).to.equal(true);
    expect(await findRun(env(), '750A00000000004AAA', 'org-a')).to.equal(undefined);
  });
});
