/** jsforce 1.x, unchanged, on the local org's REST API: records, collections, COUNT() and limits (server/http/rest-*.ts). */
import { expect } from 'chai';
import jsforce from 'jsforce';
import { startServer, type LocalOrg } from '../../server/index.js';

describe('server/http/rest: jsforce 1.x', () => {
  let org: LocalOrg;
  before(async () => {
    org = await startServer({ schema: { objects: [{ name: 'Account', fields: [{ name: 'Ext_Id__c', type: 'string', length: 20, externalId: true, unique: true }] }] } });
  });
  after(async () => {
    await org.close();
  });

  // 42.0 and later: jsforce sends arrays as sObject Collections; before, one request per record.
  for (const version of ['42.0', '66.0', '41.0']) {
    it(`v${version}: create, retrieve, update, upsert, destroy one record and several, count()`, async () => {
      const conn = new jsforce.Connection({ loginUrl: org.loginUrl, version });
      await conn.login(org.username, org.password);
      const accounts = conn.sobject('Account');
      const tag = `JS${version.replace('.', '')}`;

      const one = await accounts.create({ Name: `${tag} one`, NumberOfEmployees: 12, Ext_Id__c: `${tag}-1` });
      expect(one).to.include({ success: true });
      expect(one.id).to.match(/^001/);
      const read = await accounts.retrieve(one.id as string);
      expect(read).to.include({ Id: one.id, Name: `${tag} one`, NumberOfEmployees: 12, Ext_Id__c: `${tag}-1` });
      expect(read.attributes).to.deep.equal({ type: 'Account', url: `/services/data/v${version}/sobjects/Account/${one.id as string}` });

      // Before 42.0 jsforce 1.11 cannot report a failed record of an array (`this._toRecordResult` of undefined): only good ones there.
      const collections = Number(version) >= 42;
      const many = await accounts.create([{ Name: `${tag} two` }, ...(collections ? [{ Name: null }, { Name: `${tag} three`, NumberOfEmployees: 'many' }] : [])]);
      expect(many.map((r) => r.success)).to.deep.equal(collections ? [true, false, false] : [true]);
      if (collections) {
        expect(many[1]?.errors[0]).to.include({ statusCode: 'REQUIRED_FIELD_MISSING' });
        expect(many[2]?.errors[0]).to.deep.include({ statusCode: 'INVALID_FIELD', fields: ['NumberOfEmployees'] });
      }

      expect(await accounts.update({ Id: one.id, Name: `${tag} one renamed` })).to.deep.equal({ id: one.id, success: true, errors: [] });
      const updated = await accounts.update([{ Id: many[0]?.id, Name: `${tag} two renamed` }]);
      expect(updated[0]).to.include({ id: many[0]?.id, success: true });
      const both = await accounts.retrieve([one.id as string, many[0]?.id as string], { fields: ['Name'] });
      expect(both.map((r) => r?.Name)).to.deep.equal([`${tag} one renamed`, `${tag} two renamed`]);

      const upserted = await accounts.upsert({ Ext_Id__c: `${tag}-1`, Name: `${tag} one upserted` }, 'Ext_Id__c');
      expect(upserted.success).to.equal(true);
      const created = await accounts.upsert({ Ext_Id__c: `${tag}-9`, Name: `${tag} nine` }, 'Ext_Id__c');
      expect(created.id).to.match(/^001/);

      expect(await accounts.count({ Name: { $like: `${tag} %` } })).to.equal(3);
      const counted = await conn.query(`SELECT COUNT() FROM Account WHERE Name LIKE '${tag} %'`);
      expect(counted).to.deep.equal({ totalSize: 3, done: true, records: [] });

      expect(await accounts.destroy(one.id as string)).to.include({ success: true });
      const destroyed = await accounts.destroy([many[0]?.id as string, created.id as string]);
      expect(destroyed.every((r) => r.success)).to.equal(true);
      expect(await accounts.count({ Name: { $like: `${tag} %` } })).to.equal(0);
    });
  }

  it('conn.limits(): the daily counters, counting the requests it made', async () => {
    const conn = new jsforce.Connection({ loginUrl: org.loginUrl, version: '66.0' });
    await conn.login(org.username, org.password);
    const before = await conn.limits();
    expect(before.DailyApiRequests?.Max).to.equal(15_000);
    expect(before.DailyBulkApiBatches).to.include({ Max: 15_000 });
    const after = await conn.limits();
    expect((before.DailyApiRequests?.Remaining ?? 0) - (after.DailyApiRequests?.Remaining ?? 0)).to.equal(1);
    // The Sforce-Limit-Info header of each answer, which jsforce keeps.
    expect(conn.limitInfo.apiUsage).to.deep.equal({ used: 15_000 - (after.DailyApiRequests?.Remaining ?? 0), limit: 15_000 });
  });
});
