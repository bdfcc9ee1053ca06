import { expect } from 'chai';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { RunLockedError } from '../../lib/errors.js';
import { LoadLedger } from '../../lib/load/load-ledger.js';
import { RunLock } from '../../lib/load/run-lock.js';
import { findRun, listRuns, newRunId, refuseRunning, removeRunDir, runsDir, type LoadRun } from '../../bin/load-runs.js';
import { UsageError } from '../../bin/usage-error.js';
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
      await ledger.start({
        runId: id,
        org,
        shape: { input: null, source: 'stdin', format: 'csv', contentType: 'CSV', object: 'Account', operation: 'insert', batchSize: 10_000, serial: false },
        inputFile: null,
      });
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

  it('lists runs newest first; tells a live owner (by its lock) from a dead one; finds a run by run id, job id (15 or 18), or the newest abandoned on the org', async () => {
    // Written by a process that is alive (the parent) but holds no lock: a pid proves nothing, the run is abandoned.
    await run('20261201T100000Z-1', 'org-a', ['750A00000000001AAA'], false, process.ppid);
    await run('20261201T110000Z-2', 'org-a', ['750A00000000002AAA']);
    await run('20261201T120000Z-3', 'org-b', ['750A00000000003AAA']);
    await run('20261201T130000Z-4', 'org-a', ['750A00000000004AAA'], true);
    const lock = await RunLock.acquire(join(runsDir(env()), '20261201T110000Z-2'));
    try {
      const runs = await listRuns(env());
      expect(runs.map((r) => [r.id, r.running])).to.deep.equal([
        ['20261201T130000Z-4', false],
        ['20261201T120000Z-3', false],
        ['20261201T110000Z-2', true],
        ['20261201T100000Z-1', false],
      ]);
      expect(runs[2]?.holder).to.include({ pid: process.pid, host: hostname() });
      expect((await findRun(env(), undefined, 'org-a'))?.id).to.equal('20261201T100000Z-1'); // the running one and the finished one are not taken
      expect((await findRun(env(), '750A00000000003', 'org-a'))?.id).to.equal('20261201T120000Z-3');
      const held = await findRun(env(), '20261201T110000Z-2', 'org-a');
      expect(held?.running).to.equal(true);
      expect(() => refuseRunning(held as LoadRun, 'load'))
        .to.throw(RunLockedError)
        .with.property('holder')
        .that.includes({ pid: process.pid });
      expect(await findRun(env(), '750A00000000004AAA', 'org-a')).to.equal(undefined);
      // Held, its folder is not removed; let go, it is.
      const err = await removeRunDir(held?.dir as string).catch((e: unknown) => e);
      expect(err).to.include({ code: 'BULK_LOCKED' });
      expect(await readdir(runsDir(env()))).to.include('20261201T110000Z-2');
    } finally {
      await lock.release();
    }
    await removeRunDir(join(runsDir(env()), '20261201T110000Z-2'));
    expect(await readdir(runsDir(env()))).not.to.include('20261201T110000Z-2');
    await removeRunDir(join(runsDir(env()), 'gone')); // nothing to remove
  });

  it('counts a ledger written on another host as running: its lock cannot be seen from here', async () => {
    await run('20261201T100000Z-1', 'org-a', ['750A00000000001AAA']);
    const file = join(runsDir(env()), '20261201T100000Z-1', 'ledger.ndjson');
    await writeFile(file, (await readFile(file, 'utf8')).replace(`"host":${JSON.stringify(hostname())}`, '"host":"elsewhere.example"'));
    const [only] = await listRuns(env());
    expect(only).to.include({ running: true, locked: false });
    expect(() => refuseRunning(only as LoadRun, 'load')).to.throw(UsageError, /elsewhere\.example, another host/);
    // The only run on the org: found, for the resume to refuse it.
    expect(await findRun(env(), undefined, 'org-a')).to.include({ id: '20261201T100000Z-1', running: true });
  });
});
