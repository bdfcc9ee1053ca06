import { expect } from 'chai';
import { jobListPath } from '../../../lib/http/endpoints.js';
import { findCreatedJob, parseJobListPage, type JobListPage, type ListedJob } from '../../../lib/http/job-list.js';
import { rejection } from '../../helpers/fixtures.js';

const since = Date.parse('2026-12-01T12:00:00Z');
const job = (id: string, more: Partial<ListedJob> = {}): ListedJob => ({
  id,
  object: 'Account',
  operation: 'insert',
  state: 'Open',
  contentType: 'CSV',
  jobType: 'Classic',
  createdById: '005A00000000001',
  createdDate: since + 1000,
  ...more,
});
const request = { operation: 'insert' as const, object: 'account', contentType: 'CSV' as const };

describe('lib/http/job-list', () => {
  it('parses a page of the REST job list', () => {
    const page = parseJobListPage(
      Buffer.from(
        JSON.stringify({
          done: false,
          nextRecordsUrl: '/services/data/v62.0/jobs/ingest?queryLocator=2',
          records: [
            {
              id: '750X',
              object: 'Account',
              operation: 'insert',
              state: 'Open',
              contentType: 'CSV',
              jobType: 'Classic',
              createdById: '005A',
              createdDate: '2026-12-01T12:00:01.000+0000',
            },
          ],
        }),
      ),
    );
    expect(page.next).to.equal('/services/data/v62.0/jobs/ingest?queryLocator=2');
    expect(page.jobs[0]).to.deep.include({ id: '750X', createdDate: since + 1000, createdById: '005A' });
    expect(() => parseJobListPage(Buffer.from('<xml/>')))
      .to.throw()
      .with.property('code', 'BULK_PARSE');
    expect(() => parseJobListPage(Buffer.from('{}')))
      .to.throw()
      .with.property('code', 'BULK_PARSE');
  });

  it('finds the one Open Classic job like the request, made since it, unknown to the client, of its user, across pages', async () => {
    const pages: Record<string, JobListPage> = {
      [jobListPath('62.0')]: {
        jobs: [job('750OLD', { createdDate: since - 3_600_000 }), job('750CLOSED', { state: 'Closed' }), job('750V2', { jobType: 'V2Ingest' }), job('750KNOWN')],
        next: 'p2',
      },
      p2: {
        jobs: [job('750OTHERUSER', { createdById: '005B00000000002' }), job('750CONTACT', { object: 'Contact' }), job('750XML', { contentType: 'XML' }), job('750LOST')],
        next: undefined,
      },
    };
    const read = async (path: string) => pages[path] as JobListPage;
    const found = await findCreatedJob(read, { request, since, known: (id) => id === '750KNOWN', userId: '005A00000000001AAA', apiVersion: '62.0' });
    expect(found).to.equal('750LOST');
    expect(await findCreatedJob(async () => ({ jobs: [], next: undefined }), { request, since, known: () => false, apiVersion: '62.0' })).to.equal(undefined);
  });

  it('names the candidates rather than guess between two', async () => {
    const err = await rejection(findCreatedJob(async () => ({ jobs: [job('750A'), job('750B')], next: undefined }), { request, since, known: () => false, apiVersion: '62.0' }));
    expect(err).to.include({ code: 'BULK_JOB_UNKNOWN' });
    expect(err.message).to.contain('750A, 750B');
  });
});
