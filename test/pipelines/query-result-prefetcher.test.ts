/** QueryResultPrefetcher through the local org: prefetched files equal direct downloads, and close() leaves no spool. */
import { expect } from 'chai';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { text } from 'node:stream/consumers';
import type { BatchInfo } from '../../lib/types.js';
import { QueryResultPrefetcher } from '../../pipelines/query-result-prefetcher.js';
import { startTestOrg, type TestOrg } from '../helpers/local-org.js';

describe('pipelines/query-result-prefetcher', () => {
  let t: TestOrg;
  let jobId = '';
  let chunks: BatchInfo[] = [];
  before(async () => {
    t = await startTestOrg({ resultFileBytes: 400 });
    const load = await t.client.createJob({ operation: 'insert', object: 'Account', contentType: 'CSV' });
    await t.client.addBatch(load.id, `Name\n${Array.from({ length: 90 }, (_, i) => `P${i}`).join('\n')}\n`);
    await t.client.closeJob(load.id);
    await t.org.whenIdle();
    const job = await t.client.createJob({ operation: 'query', object: 'Account', contentType: 'CSV' }, { pkChunking: { chunkSize: 30 } });
    jobId = job.id;
    await t.client.addBatch(job.id, 'SELECT Id, Name FROM Account');
    await t.client.closeJob(job.id);
    await t.org.whenIdle();
    chunks = (await t.client.listBatches(job.id)).filter((b) => b.state === 'Completed');
  });
  after(async () => {
    await t.close();
  });

  const spools = async () => (await readdir(tmpdir())).filter((f) => f.startsWith('bulkpipe-query-')).length;

  async function read(prefetcher: QueryResultPrefetcher, batch: BatchInfo): Promise<string[]> {
    const files: string[] = [];
    for await (const file of prefetcher.files(batch)) files.push(await text(file));
    return files;
  }

  it('hands out the same result files, prefetched or not, and removes its spool on close', async () => {
    expect(chunks).to.have.length(3);
    const direct = new QueryResultPrefetcher(t.client, jobId, 0);
    const expected = [];
    for (const batch of chunks) expected.push(await read(direct, batch));
    await direct.close();
    expect(expected.flat().length).to.be.above(3); // several files per batch

    const before = await spools();
    const ahead = new QueryResultPrefetcher(t.client, jobId, 2);
    for (const batch of chunks.slice(1)) ahead.offer(batch);
    expect(await spools()).to.be.at.most(before + 1);
    const got = [];
    for (const batch of chunks) got.push(await read(ahead, batch));
    await ahead.close();
    expect(got).to.deep.equal(expected);
    expect(await spools()).to.equal(before);
  });

  it('close() stops downloads in flight and leaves nothing behind', async () => {
    const before = await spools();
    const ahead = new QueryResultPrefetcher(t.client, jobId, 3);
    for (const batch of chunks) ahead.offer(batch);
    await ahead.close();
    expect(await spools()).to.equal(before);
  });
});
