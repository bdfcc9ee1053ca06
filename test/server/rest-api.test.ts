/** The local org's REST surface (server/http/rest-api.ts, rest-describe.ts) in the REST API's shapes, and its auth refusals. */
import { expect } from 'chai';
import { login, startTestOrg, type TestOrg } from '../helpers/local-org.js';
import { raw } from '../helpers/raw-http.js';
import { rejection } from '../helpers/fixtures.js';

describe('server/http/rest-api', () => {
  let t: TestOrg;
  before(async () => {
    t = await startTestOrg({
      schema: {
        objects: [
          {
            name: 'Invoice__c',
            fields: [
              { name: 'Total__c', type: 'currency' },
              { name: 'Number__c', type: 'string', length: 20, externalId: true, unique: true },
              { name: 'Account__c', type: 'reference', referenceTo: 'Account' },
            ],
          },
        ],
      },
    });
  });
  after(async () => {
    await t.close();
  });

  const get = (path: string, session: string | null = t.session, scheme = 'Bearer') =>
    raw(`${t.org.instanceUrl}${path}`, { headers: session ? { authorization: `${scheme} ${session}` } : {} });
  const body = async (path: string) => {
    const res = await get(path);
    expect(res.status, `${path}: ${res.text.slice(0, 200)}`).to.equal(200);
    expect(res.headers['content-type']).to.equal('application/json;charset=UTF-8');
    return JSON.parse(res.text) as Record<string, unknown> & Array<Record<string, unknown>>;
  };

  it("GET /services/data: the versions, without a session, through 66.0 (Spring '26)", async () => {
    const res = await get('/services/data', null);
    const versions = JSON.parse(res.text) as Array<{ label: string; url: string; version: string }>;
    expect(versions.at(-1)).to.deep.equal({ label: "Spring '26", url: '/services/data/v66.0', version: '66.0' });
    expect(versions.find((v) => v.version === '62.0')).to.deep.equal({ label: "Winter '25", url: '/services/data/v62.0', version: '62.0' });
    expect(versions.find((v) => v.version === '64.0')?.label).to.equal("Summer '25");
    expect(versions[0]).to.deep.equal({ label: "Winter '11", url: '/services/data/v20.0', version: '20.0' });
    expect(versions).to.have.length(47);
  });

  it('GET /services/data/vXX.X: the resources, each of which answers; oauth2/userinfo: the user and org ids', async () => {
    const listed = await body('/services/data/v62.0');
    expect(listed).to.include({
      sobjects: '/services/data/v62.0/sobjects',
      query: '/services/data/v62.0/query',
      jobs: '/services/data/v62.0/jobs',
      limits: '/services/data/v62.0/limits',
    });
    // Nothing advertised that is not served (a query resource with its query).
    for (const [name, path] of Object.entries(listed as Record<string, string>)) {
      const res = await get(name === 'query' || name === 'queryAll' ? `${path}?q=SELECT+Id+FROM+Account` : path);
      expect(res.status, `${name}: ${res.text.slice(0, 200)}`).to.be.within(200, 299);
    }
    expect(await body('/services/data/v62.0/jobs')).to.deep.equal({ ingest: '/services/data/v62.0/jobs/ingest', query: '/services/data/v62.0/jobs/query' });
    const info = await body('/services/oauth2/userinfo');
    expect(info).to.include({ preferred_username: t.org.username, organization_id: '00D5g0000000001EAA' });
    expect(info.user_id).to.match(/^005/);
    expect(info.sub).to.equal(`${t.org.instanceUrl}/id/00D5g0000000001EAA/${info.user_id as string}`);
  });

  it('describeGlobal lists the standard and custom objects', async () => {
    const global = (await body('/services/data/v62.0/sobjects')) as unknown as { sobjects: Array<Record<string, unknown>> };
    const names = global.sobjects.map((o) => o.name);
    expect(names).to.include.members(['Account', 'Contact', 'User', 'Invoice__c']);
    expect(global.sobjects.find((o) => o.name === 'Account')).to.deep.include({
      keyPrefix: '001',
      custom: false,
      createable: true,
      urls: {
        sobject: '/services/data/v62.0/sobjects/Account',
        describe: '/services/data/v62.0/sobjects/Account/describe',
        rowTemplate: '/services/data/v62.0/sobjects/Account/{ID}',
      },
    });
    expect(global.sobjects.find((o) => o.name === 'Invoice__c')).to.include({ custom: true, label: 'Invoice' });
  });

  it("describes an object's fields: types, lengths, precision, nillable, createable, externalId, references, and its child relationships", async () => {
    const account = (await body('/services/data/v62.0/sobjects/Account/describe')) as unknown as {
      fields: Array<Record<string, unknown>>;
      childRelationships: Array<Record<string, unknown>>;
      name: string;
    };
    const field = (name: string) => account.fields.find((f) => f.name === name);
    expect(account.name).to.equal('Account');
    expect(field('Id')).to.include({ type: 'id', length: 18, nillable: false, createable: false, updateable: false, idLookup: true, defaultedOnCreate: true });
    expect(field('Name')).to.include({ type: 'string', length: 255, nillable: false, createable: true, updateable: true, soapType: 'xsd:string', label: 'Name' });
    expect(field('NumberOfEmployees')).to.include({ type: 'int', digits: 9, nillable: true, label: 'Number Of Employees' });
    expect(field('AnnualRevenue')).to.include({ type: 'currency', precision: 18, scale: 2 });
    expect(field('ParentId')).to.deep.include({ type: 'reference', referenceTo: ['Account'], relationshipName: 'Parent', label: 'Parent ID' });
    expect(field('CreatedDate')).to.include({ type: 'datetime', createable: false, defaultedOnCreate: true });
    expect(account.childRelationships.map((r) => `${r.childSObject as string}.${r.field as string}`)).to.include.members([
      'Contact.AccountId',
      'Account.ParentId',
      'Invoice__c.Account__c',
    ]);
    // Names a SOQL subquery would use: Salesforce's plurals, never two alike.
    const named = account.childRelationships.map((r) => r.relationshipName).filter((n) => n !== null);
    expect(named).to.include.members(['Contacts', 'Opportunities', 'Cases', 'ChildAccounts', 'Invoices__r']);
    expect(new Set(named).size).to.equal(named.length);
    const invoice = (await body('/services/data/v62.0/sobjects/invoice__c/describe')) as unknown as { fields: Array<Record<string, unknown>> };
    expect(invoice.fields.find((f) => f.name === 'Number__c')).to.include({ externalId: true, unique: true, idLookup: true, custom: true, length: 20 });
    expect(invoice.fields.find((f) => f.name === 'Account__c')).to.include({ relationshipName: 'Account__r' });
    const summary = await body('/services/data/v62.0/sobjects/Account');
    expect((summary.objectDescribe as Record<string, unknown>).name).to.equal('Account');
  });

  it('reads the User and Organization records the tools ask for', async () => {
    const info = await body('/services/oauth2/userinfo');
    const user = await body(`/services/data/v51.0/sobjects/User/${info.user_id as string}`);
    expect(user).to.include({ Id: info.user_id, Username: t.org.username, IsActive: true });
    expect(user.attributes).to.deep.equal({ type: 'User', url: `/services/data/v51.0/sobjects/User/${info.user_id as string}` });
    const org = await body('/services/data/v62.0/sobjects/Organization/00D5g0000000001');
    expect(org).to.include({ Id: '00D5g0000000001EAA', Name: 'bulkpipe local org', IsSandbox: true });
  });

  it('refuses without a live session (401 INVALID_SESSION_ID), takes X-SFDC-Session and OAuth too, and answers 404 NOT_FOUND in the REST shape', async () => {
    const endpoints = [
      '/services/data/v62.0',
      '/services/data/v62.0/sobjects',
      '/services/data/v62.0/sobjects/Account',
      '/services/data/v62.0/sobjects/Account/describe',
      '/services/oauth2/userinfo',
      '/services/data/v62.0/jobs/ingest',
      '/services/data/v62.0/sobjects/User/0055g0000000001',
      '/services/data/v62.0/sobjects/Organization/00D5g0000000001',
      '/services/data/v62.0/query?q=SELECT+Id+FROM+Account',
      '/services/data/v62.0/queryAll?q=SELECT+Id+FROM+Account',
    ];
    for (const path of endpoints) {
      for (const session of [null, 'nope']) {
        const res = await get(path, session);
        expect(res.status, path).to.equal(401);
        expect(JSON.parse(res.text)).to.deep.equal([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
      }
    }
    const other = await login(t.org);
    expect((await get('/services/data/v62.0/sobjects', other, 'OAuth')).status).to.equal(200);
    expect((await raw(`${t.org.instanceUrl}/services/data/v62.0/sobjects`, { headers: { 'x-sfdc-session': other } })).status).to.equal(200);
    for (const path of [
      '/services/data/v62.0/sobjects/Nope__c/describe',
      '/services/data/v62.0/nothing',
      '/services/data/v99.0',
      '/services/data/v62.0/sobjects/User/005000000000000',
    ]) {
      const res = await get(path);
      expect(res.status, path).to.equal(404);
      expect((JSON.parse(res.text) as Array<{ errorCode: string }>)[0]?.errorCode).to.equal('NOT_FOUND');
    }
  });
  it('is what BulkClient.describe and describeGlobal read', async () => {
    const invoice = await t.client.describe('Invoice__c');
    expect(invoice).to.include({ name: 'Invoice__c', custom: true, createable: true });
    expect(invoice.fields.find((f) => f.name === 'Total__c')).to.include({ type: 'currency', precision: 18, scale: 2, nillable: true });
    expect(invoice.fields.find((f) => f.name === 'Account__c')?.referenceTo).to.deep.equal(['Account']);
    expect((await t.client.describeGlobal()).sobjects.map((o) => o.name)).to.include('Invoice__c');
    expect(await rejection(t.client.describe('Nope__c'))).to.include({ exceptionCode: 'NOT_FOUND', statusCode: 404 });
  });
  it("GET query?q=: records with attributes and parents, totalSize, pages of 2,000 with nextRecordsUrl; queryAll; Salesforce's error codes", async () => {
    const accounts = Array.from({ length: 2100 }, (_, i) => `RQ ${String(i).padStart(4, '0')},${i}`);
    const job = await t.client.createJob({ operation: 'insert', object: 'Account', contentType: 'CSV' });
    await t.client.addBatch(job.id, `Name,NumberOfEmployees\n${accounts.join('\n')}\n`);
    await t.client.closeJob(job.id);
    await t.org.whenIdle();
    const q = (soql: string, path = 'query') => get(`/services/data/v62.0/${path}?q=${encodeURIComponent(soql)}`);
    const first = JSON.parse((await q("SELECT Id, Name, NumberOfEmployees FROM Account WHERE Name LIKE 'RQ %' ORDER BY Name")).text) as {
      totalSize: number;
      done: boolean;
      nextRecordsUrl: string;
      records: Array<Record<string, unknown>>;
    };
    expect(first).to.include({ totalSize: 2100, done: false });
    expect(first.records).to.have.length(2000);
    expect(first.records[0]).to.deep.include({ Name: 'RQ 0000', NumberOfEmployees: 0 });
    expect((first.records[0] as { attributes: { type: string } }).attributes.type).to.equal('Account');
    expect(first.nextRecordsUrl).to.match(/^\/services\/data\/v62\.0\/query\/01g[\w-]+-2000$/);
    const second = JSON.parse((await get(first.nextRecordsUrl)).text) as { done: boolean; records: Array<{ Name: string }> };
    expect(second.done).to.equal(true);
    expect(second.records.map((r) => r.Name)).to.deep.equal(accounts.slice(2000).map((a) => a.split(',')[0]));
    const all = JSON.parse((await q("SELECT Id FROM Account WHERE Name = 'RQ 0001'", 'queryAll')).text) as { totalSize: number };
    expect(all.totalSize).to.equal(1);
    for (const [soql, code] of [
      ['SELECT SUM(NumberOfEmployees) FROM Account', 'FUNCTIONALITY_NOT_ENABLED'],
      ['SELEC Name FROM Account', 'MALFORMED_QUERY'],
      ['SELECT Nope__c FROM Account', 'INVALID_FIELD'],
      ['SELECT Id FROM Nope__c', 'INVALID_TYPE'],
      ['', 'MALFORMED_QUERY'],
    ] as const) {
      const res = await q(soql);
      expect(res.status, soql).to.equal(400);
      expect((JSON.parse(res.text) as Array<{ errorCode: string }>)[0]?.errorCode, soql).to.equal(code);
    }
  });

  it('SELECT COUNT() through query and queryAll: totalSize, done, no records; COUNT(field) an AggregateResult; the Bulk query still refuses aggregates', async () => {
    const q = async (soql: string, path = 'query') => {
      const res = await get(`/services/data/v62.0/${path}?q=${encodeURIComponent(soql)}`);
      expect(res.status, `${soql}: ${res.text.slice(0, 200)}`).to.equal(200);
      return JSON.parse(res.text) as Record<string, unknown>;
    };
    const job = await t.client.createJob({ operation: 'insert', object: 'Account', contentType: 'CSV' });
    await t.client.addBatch(job.id, 'Name,Site\nCNT 1,a\nCNT 2,\nCNT 3,c\nCNT 4,d\n');
    await t.client.closeJob(job.id);
    await t.org.whenIdle();
    expect(await q("SELECT COUNT() FROM Account WHERE Name LIKE 'CNT %'")).to.deep.equal({ totalSize: 4, done: true, records: [] });
    expect(await q("select count() from Account where Name like 'CNT %' LIMIT 3")).to.deep.equal({ totalSize: 3, done: true, records: [] });
    expect(await q("SELECT COUNT(Site) FROM Account WHERE Name LIKE 'CNT %'")).to.deep.equal({
      totalSize: 1,
      done: true,
      records: [{ attributes: { type: 'AggregateResult' }, expr0: 3 }],
    });
    expect((await q("SELECT COUNT(Id) n FROM Account WHERE Name LIKE 'CNT %'")).records).to.deep.equal([{ attributes: { type: 'AggregateResult' }, n: 4 }]);
    const [first] = (await q("SELECT Id FROM Account WHERE Name = 'CNT 1'")).records as Array<{ Id: string }>;
    const del = await raw(`${t.org.instanceUrl}/services/data/v62.0/sobjects/Account/${first?.Id as string}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${t.session}` },
    });
    expect(del.status).to.equal(204);
    expect((await q("SELECT COUNT() FROM Account WHERE Name LIKE 'CNT %'")).totalSize).to.equal(3);
    expect((await q("SELECT COUNT() FROM Account WHERE Name LIKE 'CNT %'", 'queryAll')).totalSize).to.equal(4);

    const bulk = await t.client.createJob({ operation: 'query', object: 'Account', contentType: 'CSV' });
    const batch = await t.client.addBatch(bulk.id, 'SELECT COUNT() FROM Account');
    await t.client.closeJob(bulk.id);
    await t.org.whenIdle();
    const info = await t.client.getBatch(bulk.id, batch.id);
    expect(info.state).to.equal('Failed');
    expect(info.stateMessage).to.equal('InvalidBatch : Failed to process query: FUNCTIONALITY_NOT_ENABLED: Aggregate queries are not supported by Bulk API query');
  });
});
