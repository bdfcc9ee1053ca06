/**
 * server/store/jobs-store: which queued batches run next. (Claims over two connections to one file
 * are tested in shared-org-file.test.ts.)
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { IdGenerator } from '../../server/org/id-generator.js';
import { AuthStore } from '../../server/store/auth-store.js';
import { openDatabase } from '../../server/store/database.js';
import { type JobRow, JobsStore } from '../../server/store/jobs-store.js';
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
        const row: JobRow = {
          id: ids.next('750'),
          user_id: user,
          operation: 'insert',
          object: 'Account',
          external_id_field: null,
          concurrency_mode: 'Parallel',
          content_type: 'CSV',
          state: 'Open',
          api_version: '62.0',
          assignment_rule_id: null,
          pk_chunking: null,
          created_date: now,
          modstamp: now,
          schema_id: null,
          job_type: 'Classic',
          line_ending: null,
          column_delimiter: null,
          error_message: null,
        };
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
