/** A real third-party client, unchanged, against the local org: jsforce 1.x (Bulk API v1). */
import { expect } from 'chai';
import jsforce from 'jsforce';
import { startServer, type LocalOrg } from '../../server/index.js';

describe('server: third-party clients', () => {
  let org: LocalOrg;
  before(async () => {
    org = await startServer({ schema: { objects: [{ name: 'Account', fields: [{ name: 'Ext_Id__c', type: 'string', length: 20, externalId: true, unique: true }] }] } });
  });
  after(async () => {
    await org.close();
  });

  it('jsforce 1.x: SOAP login, bulk load with good and bad rows, upsert, bulk query', async () => {
    const conn = new jsforce.Connection({ loginUrl: org.loginUrl, version: '42.0' });
    await conn.login(org.username, org.password);
    expect(conn.instanceUrl).to.equal(org.instanceUrl);

    // jsforce takes the CSV header from the first record: every record carries the same keys.
    const inserted = await conn.bulk.load('Account', 'insert', [
      { Name: 'J1', Ext_Id__c: 'J-1', NumberOfEmployees: 5 },
      { Name: null, Ext_Id__c: 'J-x', NumberOfEmployees: 1 },
      { Name: 'J3', Ext_Id__c: 'J-3', NumberOfEmployees: 'many' },
    ]);
    expect(inserted.map((r) => r.success)).to.deep.equal([true, false, false]);
    expect(inserted[0]?.id).to.match(/^0015g/);
    expect(inserted[1]?.errors).to.deep.equal(['REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --']);

    const upserted = await conn.bulk.load('Account', 'upsert', { extIdField: 'Ext_Id__c' }, [
      { Ext_Id__c: 'J-1', Name: 'J1 renamed' },
      { Ext_Id__c: 'J-2', Name: 'J2' },
    ]);
    expect(upserted.every((r) => r.success)).to.equal(true);
    expect(upserted[0]?.id).to.equal(inserted[0]?.id);

    const rows: Array<Record<string, string>> = [];
    await new Promise((resolve, reject) => {
      conn.bulk
        .query('SELECT Id, Name FROM Account ORDER BY Name')
        .on('record', (r: Record<string, string>) => rows.push(r))
        .on('error', reject)
        .on('end', resolve);
    });
    expect(rows.map((r) => r.Name)).to.deep.equal(['J1 renamed', 'J2']);
  });
});
