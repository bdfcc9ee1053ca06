/**
 * The local org's `lockFail` fault (issue 26): a seeded share of DML rows, chosen by their values,
 * fails its first `lockFailTimes` attempts with UNABLE_TO_LOCK_ROW in Salesforce's words and writes
 * nothing; the same rows go through after. Deterministic: the same values are chosen in any batch.
 */
import { expect } from 'chai';
import { Faults } from '../../server/faults.js';
import { insertAccount, runJob, startTestOrg, type TestOrg } from '../helpers/local-org.js';
import { namesInOrg } from '../helpers/org-query.js';

describe('server/faults lockFail', () => {
  let t: TestOrg;
  before(async () => {
    t = await startTestOrg({ faults: 'seed=2,lockFail=0.25,lockFailTimes=1' });
  });
  after(async () => {
    await t.close();
  });

  it('parses and checks its options', () => {
    expect(Faults.parse('lockFail=0.5,lockFailTimes=2').options).to.include({ lockFailRate: 0.5, lockFailTimes: 2 });
    expect(() => Faults.parse('lockFail=2'))
      .to.throw()
      .with.property('code', 'BULK_INVALID_OPTION');
    expect(new Faults({}).lockFailure(['a'])).to.equal(undefined);
  });

  it('fails a share of rows once, naming the record it could not lock, writing nothing of them; they go through the next time', async () => {
    const names = Array.from({ length: 200 }, (_, i) => `LF-${i}`);
    const parent = await insertAccount(t, 'Parent');
    const body = `Name,ParentId\n${names.map((name) => `${name},${parent}`).join('\n')}\n`;
    const request = { object: 'Account', operation: 'insert', contentType: 'CSV' } as const;
    const first = await runJob(t, request, [body]);
    const failed: string[] = [];
    let i = 0;
    for await (const r of t.client.batchResults(first.job.id, first.batches[0]?.id as string)) {
      if (!r.success) {
        expect(r.errors).to.deep.equal([{ statusCode: 'UNABLE_TO_LOCK_ROW', message: `unable to obtain exclusive access to this record or 1 records: ${parent}`, fields: [] }]);
        failed.push(names[i] as string);
      }
      i++;
    }
    expect(failed.length).to.be.within(25, 75);
    expect((await namesInOrg(t.client, 'LF-')).length).to.equal(200 - failed.length);
    // Sent again, the same rows go through: each fails once only.
    const again = await runJob(t, request, [`Name,ParentId\n${failed.map((name) => `${name},${parent}`).join('\n')}\n`]);
    expect(again.batches[0]?.numberRecordsFailed).to.equal(0);
    expect((await namesInOrg(t.client, 'LF-')).sort()).to.deep.equal([...names].sort());
  });
});
