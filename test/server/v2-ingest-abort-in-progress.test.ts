/**
 * A Bulk API 2.0 job aborted while an internal batch is half written: the batch writes no further
 * chunk once the abort has committed, so the result files read right after the abort are final:
 * every row in exactly one of them, the same rows later, and the org holds exactly the successes.
 * Each 200-row transaction is held 100 ms (transactionMs) so that the abort lands mid-batch.
 */
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { ingestCalls } from '../helpers/ingest-v2-calls.js';
import { startTestOrg, type TestOrg } from '../helpers/local-org.js';
import { namesInOrg } from '../helpers/org-query.js';
import { waitFor } from '../helpers/wait-for.js';

const ROWS = 2_000;

describe('server/v2 ingest: a job aborted while a batch is in progress', function () {
  this.timeout(60_000);
  let t: TestOrg;
  before(async () => {
    t = await startTestOrg({ transactionMs: 100 });
  });
  after(() => t?.close());
  const v2 = ingestCalls(() => t);

  const files = async (id: string) => {
    const names = async (kind: string) => (parse((await v2.results(id, kind)).text, { columns: true }) as Array<Record<string, string>>).map((r) => r.Name as string);
    return { ok: await names('successfulResults'), failed: await names('failedResults'), unprocessed: await names('unprocessedrecords') };
  };

  it('the results read right after the abort hold every row once, and stay so', async () => {
    const job = await v2.create({ object: 'Account', operation: 'insert', lineEnding: 'LF' });
    const id = job.id as string;
    const put = await v2.upload(id, `Name\n${Array.from({ length: ROWS }, (_, n) => `abort-mid-${n}`).join('\n')}\n`);
    expect(put.status).to.equal(201);
    expect((await v2.patch(id, 'UploadComplete')).status).to.equal(200);
    await waitFor('a first chunk written', async () => ((await v2.info(id)).numberRecordsProcessed as number) > 0);
    expect((await v2.patch(id, 'Aborted')).status).to.equal(200);
    const first = await files(id);
    expect(first.ok.length, 'part of the batch was written').to.be.greaterThan(0);
    expect(first.unprocessed.length, 'the abort landed mid-batch').to.be.greaterThan(0);
    expect(first.failed).to.deep.equal([]);
    expect(new Set([...first.ok, ...first.unprocessed]).size).to.equal(ROWS);
    expect(first.ok.length + first.unprocessed.length).to.equal(ROWS);
    await t.org.whenIdle();
    const later = await files(id);
    expect(later.ok.sort()).to.deep.equal(first.ok.sort());
    expect(later.unprocessed.sort()).to.deep.equal(first.unprocessed.sort());
    expect((await namesInOrg(t.client, 'abort-mid-')).sort()).to.deep.equal(first.ok.sort());
  });
});
