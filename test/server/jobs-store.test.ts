/**
 * server/store/jobs-store: which queued batches run next. (Claims over two connections to one file
 * are tested in shared-org-file.test.ts.)
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { IdGenerator } from '../../server/org/id-generator.js';
import { AuthStore } from '../../server/store/auth-store.js';
import { openDatabase } from '../../server/store/database.js';
import { JobsStore } from '../../server/store/jobs-store.js';
import { classicJobRow } from '../helpers/job-row.js';
import { useTempDir } from '../helpers/temp-dir.js';

describe('server/store/jobs-store', () => {
  const tmp = useTempDir('bulkpipe-jobs-store-');

  it('offers queued batches in the order they were queued, across jobs, even within one second (a job ends before the next one queued starts ending; issue 28)', () => {
    const db = openDatabase(join(tmp.path, 'org.db'));
    try {
      const jobs = new JobsStore(db);
      const ids = new IdGenerator(new AuthStore(db));
      const user = ids.next('005');
      // One whole second for every batch: the order within it is what is tested.
      const now = Math.floor(Date.now() / 1000) * 1000;
      const job = (): string => {
        const row = classicJobRow(ids, user, now, '62.0');
        jobs.createJob(row);
        return row.id;
      };
      const [first, second] = [job(), job()];
      const queued: string[] = [];
      // The first job's three batches, then the second's: before, the second's seq 0 came before the first's seq 1.
      for (const jobId of [first, first, first, second, second, second]) queued.push(jobs.addBatch(ids.next('751'), jobId, Buffer.from('Name\nA\n'), now + 500).id);
      expect(jobs.runnable(10)).to.deep.equal(queued);
      // One taken: the rest keep their order.
      jobs.claim(queued[0] as string, 'p1', now + 600);
      expect(jobs.runnable(10)).to.deep.equal(queued.slice(1));
    } finally {
      db.close();
    }
  });
});
