/**
 * Records over REST on the wire (server/http/rest-sobjects.ts, rest-collections.ts, rest-dml.ts):
 * the statuses and bodies of create, read, update, upsert and delete, sObject Collections with
 * allOrNone, JSON values, and the order of refusals (session, then resource, then method).
 */
import { expect } from 'chai';
import { startTestOrg, type TestOrg } from '../helpers/local-org.js';
import { raw } from '../helpers/raw-http.js';

describe('server/http/rest-sobjects and rest-collections', () => {
  let t: TestOrg;
  before(async () => {
    t = await startTestOrg({
      schema: {
        objects: [
          { name: 'Account', fields: [{ name: 'Ext_Id__c', type: 'string', length: 20, externalId: true, unique: true }] },
          {
            name: 'Invoice__c',
            fields: [
              { name: 'Total__c', type: 'currency' },
              { name: 'Paid__c', type: 'boolean' },
              { name: 'Due__c', type: 'date' },
              { name: 'Account__c', type: 'reference', referenceTo: 'Account' },
              { name: 'Code__c', type: 'string', length: 10, externalId: true },
            ],
          },
        ],
      },
    });
  });
  after(async () => {
    await t.close();
  });

  const base = '/services/data/v66.0';
  const call = async (method: string, path: string, body?: unknown, session: string | null = t.session) => {
    const res = await raw(`${t.org.instanceUrl}${path}`, {
      method,
      headers: { ...(session ? { authorization: `Bearer ${session}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    return { status: res.status, headers: res.headers, text: res.text, json: res.text ? (JSON.parse(res.text) as unknown) : undefined };
  };
  const create = async (object: string, record: Record<string, unknown>) => {
    const res = await call('POST', `${base}/sobjects/${object}`, record);
    expect(res.status, res.text).to.equal(201);
    return (res.json as { id: string }).id;
  };

  it('POST /sobjects/X: 201 {id, success, errors}; JSON numbers, booleans, dates and null stored as their fields take them', async () => {
    const accountId = await create('Account', { Name: 'Typed', Ext_Id__c: 'T-1' });
    const res = await call('POST', `${base}/sobjects/Invoice__c`, { Total__c: 12.5, Paid__c: true, Due__c: '2026-03-01', Account__c: accountId, Code__c: null });
    expect(res.status).to.equal(201);
    expect(res.headers['content-type']).to.equal('application/json;charset=UTF-8');
    const { id } = res.json as { id: string };
    expect(res.json).to.deep.equal({ id, success: true, errors: [] });
    const read = await call('GET', `${base}/sobjects/Invoice__c/${id.slice(0, 15)}?fields=Total__c,Paid__c,Due__c,Account__c,Code__c`);
    expect(read.json).to.deep.equal({
      attributes: { type: 'Invoice__c', url: `${base}/sobjects/Invoice__c/${id}` },
      Id: id,
      Total__c: 12.5,
      Paid__c: true,
      Due__c: '2026-03-01',
      Account__c: accountId,
      Code__c: null,
    });
    // A parent named by its External ID, as a nested object.
    const byParent = await call('POST', `${base}/sobjects/Invoice__c`, { Total__c: 1, Account__r: { Ext_Id__c: 'T-1' } });
    expect(byParent.status, byParent.text).to.equal(201);
    const child = await call('GET', `${base}/sobjects/Invoice__c/${(byParent.json as { id: string }).id}?fields=Account__c`);
    expect((child.json as { Account__c: string }).Account__c).to.equal(accountId);
  });

  it('a binary field: written as base64 JSON, read back as the URL of its bytes, and the bytes there', async () => {
    const parent = await create('Account', { Name: 'Has files' });
    const id = await create('Attachment', { Name: 'a.txt', ParentId: parent, Body: Buffer.from('hello REST').toString('base64') });
    const record = (await call('GET', `${base}/sobjects/Attachment/${id}`)).json as Record<string, unknown>;
    expect(record).to.include({ Name: 'a.txt', ParentId: parent, BodyLength: 10, Body: `${base}/sobjects/Attachment/${id}/Body` });
    const bytes = await raw(`${t.org.instanceUrl}${record.Body as string}`, { headers: { authorization: `Bearer ${t.session}` } });
    expect(bytes.text).to.equal('hello REST');
  });

  it('a refused write is 400 with [{message, errorCode, fields}]; bad JSON is JSON_PARSER_ERROR; an unknown field INVALID_FIELD', async () => {
    const missing = await call('POST', `${base}/sobjects/Account`, { Site: 'x' });
    expect(missing.status).to.equal(400);
    expect(missing.json).to.deep.equal([{ message: 'Required fields are missing: [Name]', errorCode: 'REQUIRED_FIELD_MISSING', fields: ['Name'] }]);
    const unknown = await call('POST', `${base}/sobjects/Account`, { Name: 'x', Nope__c: 1 });
    expect(unknown.status).to.equal(400);
    expect(unknown.json).to.deep.equal([{ message: "No such column 'Nope__c' on sobject of type Account", errorCode: 'INVALID_FIELD', fields: [] }]);
    const bad = await call('POST', `${base}/sobjects/Account`, '{"Name": ');
    expect(bad.status).to.equal(400);
    expect((bad.json as Array<{ errorCode: string }>)[0]?.errorCode).to.equal('JSON_PARSER_ERROR');
    const array = await call('POST', `${base}/sobjects/Account`, [{ Name: 'x' }]);
    expect((array.json as Array<{ errorCode: string }>)[0]?.errorCode).to.equal('JSON_PARSER_ERROR');
    expect((await call('GET', `${base}/query?q=${encodeURIComponent("SELECT COUNT() FROM Account WHERE Site = 'x'")}`)).json).to.include({ totalSize: 0 });
  });

  it('PATCH and DELETE /sobjects/X/{id}: 204 and no body; an unknown id 404 NOT_FOUND, a deleted one 404 ENTITY_IS_DELETED', async () => {
    const id = await create('Account', { Name: 'Patch me', NumberOfEmployees: 3 });
    const patched = await call('PATCH', `${base}/sobjects/Account/${id}`, { NumberOfEmployees: 4, Site: '' });
    expect(patched.status).to.equal(204);
    expect(patched.text).to.equal('');
    expect(patched.headers['content-type']).to.equal(undefined);
    expect((await call('GET', `${base}/sobjects/Account/${id}?fields=Name,NumberOfEmployees,Site`)).json).to.include({ Name: 'Patch me', NumberOfEmployees: 4, Site: null });
    const invalid = await call('PATCH', `${base}/sobjects/Account/${id}`, { Name: null });
    expect(invalid.status).to.equal(400);
    expect((invalid.json as Array<{ errorCode: string }>)[0]?.errorCode).to.equal('REQUIRED_FIELD_MISSING');
    expect((await call('DELETE', `${base}/sobjects/Account/${id}`)).status).to.equal(204);
    for (const method of ['GET', 'PATCH', 'DELETE']) {
      const gone = await call(method, `${base}/sobjects/Account/${id}`, method === 'PATCH' ? { Name: 'x' } : undefined);
      expect(gone.status, method).to.equal(404);
      expect(gone.json, method).to.deep.equal([{ message: 'entity is deleted', errorCode: 'ENTITY_IS_DELETED' }]);
    }
    expect((await call('GET', `${base}/queryAll?q=${encodeURIComponent(`SELECT Id FROM Account WHERE Id = '${id}'`)}`)).json).to.include({ totalSize: 1 });
    const never = await call('GET', `${base}/sobjects/Account/001000000000000AAA`);
    expect(never.status).to.equal(404);
    expect(never.json).to.deep.equal([{ message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' }]);
    // An id of another object is not a record of this one.
    const invoice = await create('Invoice__c', { Total__c: 2 });
    expect((await call('GET', `${base}/sobjects/Account/${invoice}`)).status).to.equal(404);
  });

  it('PATCH /sobjects/X/{ExtIdField}/{value}: 201 created, then 200 created:false (204 before API 46.0); 300 when several match; 404 for a field that is not an External ID', async () => {
    const first = await call('PATCH', `${base}/sobjects/Account/Ext_Id__c/U%201`, { Name: 'Upsert one' });
    expect(first.status).to.equal(201);
    const { id } = first.json as { id: string };
    expect(first.json).to.deep.equal({ id, success: true, errors: [], created: true });
    const again = await call('PATCH', `${base}/sobjects/Account/Ext_Id__c/U%201`, { Name: 'Upsert one again', Ext_Id__c: 'ignored' });
    expect(again.status).to.equal(200);
    expect(again.json).to.deep.equal({ id, success: true, errors: [], created: false });
    const old = await call('PATCH', '/services/data/v45.0/sobjects/Account/Ext_Id__c/U%201', { Name: 'Upsert one, v45' });
    expect(old.status).to.equal(204);
    const oldCreate = await call('PATCH', '/services/data/v45.0/sobjects/Account/Ext_Id__c/U-45', { Name: 'v45' });
    expect(oldCreate.status).to.equal(201);
    expect(Object.keys(oldCreate.json as object)).to.deep.equal(['id', 'success', 'errors']);
    expect((await call('GET', `${base}/sobjects/Account/Ext_Id__c/U%201`)).json).to.include({ Id: id, Name: 'Upsert one, v45', Ext_Id__c: 'U 1' });

    // Code__c is an External ID without unique: two records may share a value.
    const a = await create('Invoice__c', { Code__c: 'DUP' });
    const b = await create('Invoice__c', { Code__c: 'DUP' });
    const several = await call('PATCH', `${base}/sobjects/Invoice__c/Code__c/DUP`, { Total__c: 1 });
    expect(several.status).to.equal(300);
    expect(several.json).to.have.members([`${base}/sobjects/Invoice__c/${a}`, `${base}/sobjects/Invoice__c/${b}`]);
    const notKey = await call('PATCH', `${base}/sobjects/Account/Name/x`, { Site: 'y' });
    expect(notKey.status).to.equal(404);
    expect((notKey.json as Array<{ errorCode: string }>)[0]?.errorCode).to.equal('NOT_FOUND');
    expect((await call('DELETE', `${base}/sobjects/Account/Ext_Id__c/U-45`)).status).to.equal(204);
    expect((await call('GET', `${base}/sobjects/Account/Ext_Id__c/U-45`)).status).to.equal(404);
  });

  it('sObject Collections: create, update, retrieve and delete with SaveResults in order; allOrNone rolls the whole request back', async () => {
    const created = await call('POST', `${base}/composite/sobjects`, {
      allOrNone: false,
      records: [
        { attributes: { type: 'Account' }, Name: 'Coll A' },
        { attributes: { type: 'Invoice__c' }, Total__c: 7 },
        { attributes: { type: 'Account' }, Site: 'no name' },
        { attributes: { type: 'Nope__c' }, Name: 'x' },
      ],
    });
    expect(created.status).to.equal(200);
    const results = created.json as Array<{ id?: string; success: boolean; errors: Array<{ statusCode: string; message: string; fields: string[] }> }>;
    expect(results.map((r) => r.success)).to.deep.equal([true, true, false, false]);
    expect(results[0]?.id).to.match(/^001/);
    expect(results[1]?.id).to.match(/^a0/);
    expect(results[2]).to.deep.equal({ success: false, errors: [{ statusCode: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [Name]', fields: ['Name'] }] });
    expect(results[3]?.errors[0]?.statusCode).to.equal('INVALID_TYPE');

    const count = async () =>
      (
        JSON.parse(
          (
            await raw(`${t.org.instanceUrl}${base}/query?q=${encodeURIComponent("SELECT COUNT() FROM Account WHERE Name LIKE 'AON%'")}`, {
              headers: { authorization: `Bearer ${t.session}` },
            })
          ).text,
        ) as { totalSize: number }
      ).totalSize;
    const rolledBack = await call('POST', `${base}/composite/sobjects`, {
      allOrNone: true,
      records: [
        { attributes: { type: 'Account' }, Name: 'AON 1' },
        { attributes: { type: 'Account' }, Name: null },
      ],
    });
    expect(rolledBack.json).to.deep.equal([
      {
        success: false,
        errors: [
          {
            statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
            message: 'Record rolled back because not all records were valid and the request was using AllOrNone header',
            fields: [],
          },
        ],
      },
      { success: false, errors: [{ statusCode: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [Name]', fields: ['Name'] }] },
    ]);
    expect(await count()).to.equal(0);
    // The ids the rolled-back insert took are free again: the next record gets a working one.
    const [id0] = [results[0]?.id as string];
    const updated = await call('PATCH', `${base}/composite/sobjects`, {
      allOrNone: true,
      records: [
        { attributes: { type: 'Account' }, id: id0, Name: 'AON renamed' },
        { attributes: { type: 'Account' }, id: '001000000000000AAA', Name: 'nobody' },
      ],
    });
    expect((updated.json as Array<{ id: string; errors: Array<{ statusCode: string }> }>).map((r) => [r.id, r.errors[0]?.statusCode])).to.deep.equal([
      [id0, 'ALL_OR_NONE_OPERATION_ROLLED_BACK'],
      ['001000000000000AAA', 'INVALID_CROSS_REFERENCE_KEY'],
    ]);
    expect(await count()).to.equal(0);
    const ok = await call('PATCH', `${base}/composite/sobjects`, { records: [{ attributes: { type: 'Account' }, id: id0, Name: 'AON renamed' }] });
    expect(ok.json).to.deep.equal([{ id: id0, success: true, errors: [] }]);
    expect(await count()).to.equal(1);

    const got = await call('GET', `${base}/composite/sobjects/Account?ids=${id0},001000000000000AAA&fields=Name`);
    expect(got.json).to.deep.equal([{ attributes: { type: 'Account', url: `${base}/sobjects/Account/${id0}` }, Id: id0, Name: 'AON renamed' }, null]);
    const posted = await call('POST', `${base}/composite/sobjects/Account`, { ids: [id0], fields: ['Name', 'Site'] });
    expect(posted.json).to.deep.equal([{ attributes: { type: 'Account', url: `${base}/sobjects/Account/${id0}` }, Id: id0, Name: 'AON renamed', Site: null }]);

    const invoiceId = results[1]?.id as string;
    const deleted = await call('DELETE', `${base}/composite/sobjects?ids=${id0},${invoiceId},nope&allOrNone=true`);
    expect((deleted.json as Array<{ id: string; success: boolean; errors: Array<{ statusCode: string }> }>).map((r) => [r.id, r.errors[0]?.statusCode ?? 'ok'])).to.deep.equal([
      [id0, 'ALL_OR_NONE_OPERATION_ROLLED_BACK'],
      [invoiceId, 'ALL_OR_NONE_OPERATION_ROLLED_BACK'],
      ['nope', 'MALFORMED_ID'],
    ]);
    const gone = await call('DELETE', `${base}/composite/sobjects?ids=${id0},${invoiceId}`);
    expect(gone.json).to.deep.equal([
      { id: id0, success: true, errors: [] },
      { id: invoiceId, success: true, errors: [] },
    ]);
    expect(await count()).to.equal(0);

    const upserted = await call('PATCH', `${base}/composite/sobjects/Account/Ext_Id__c`, {
      records: [
        { attributes: { type: 'Account' }, Ext_Id__c: 'C-1', Name: 'Coll upsert' },
        { attributes: { type: 'Account' }, Ext_Id__c: 'C-1', Name: 'Coll upsert again' },
      ],
    });
    const [u1, u2] = upserted.json as Array<{ id: string; created: boolean }>;
    expect([u1?.created, u2?.created, u2?.id]).to.deep.equal([true, false, u1?.id]);
    const tooMany = await call('POST', `${base}/composite/sobjects`, { records: Array.from({ length: 201 }, () => ({ attributes: { type: 'Account' }, Name: 'x' })) });
    expect(tooMany.status).to.equal(400);
    expect((tooMany.json as Array<{ errorCode: string }>)[0]?.errorCode).to.equal('EXCEEDED_ID_LIMIT');
  });

  it('the session before anything: a dead token on any method and path is 401; then 404; then 405 with Allow', async () => {
    const paths = [
      `${base}/sobjects/Account`,
      `${base}/sobjects/Account/001000000000000AAA`,
      `${base}/composite/sobjects`,
      `${base}/nothing/here`,
      '/services/data/v99.0/sobjects',
      '/services/oauth2/userinfo',
      `${base}/limits`,
    ];
    for (const path of paths) {
      for (const method of ['GET', 'POST', 'PATCH', 'PUT', 'DELETE']) {
        const res = await call(method, path, method === 'GET' || method === 'DELETE' ? undefined : { Name: 'x' }, 'dead-token');
        expect(res.status, `${method} ${path}`).to.equal(401);
        expect(res.json).to.deep.equal([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
      }
    }
    expect((await call('PUT', `${base}/nothing/here`, {})).status).to.equal(404);
    for (const [method, path, allow] of [
      ['PUT', `${base}/sobjects/Account`, 'GET, HEAD, POST'],
      ['DELETE', `${base}/sobjects`, 'GET, HEAD'],
      ['POST', `${base}/sobjects/Account/001000000000000AAA`, 'GET, HEAD, PATCH, DELETE'],
      ['GET', `${base}/composite/sobjects`, 'POST, PATCH, DELETE'],
      ['POST', `${base}/limits`, 'GET, HEAD'],
      ['POST', '/services/data', 'GET, HEAD'],
      ['POST', `${base}/sobjects/User`, 'GET, HEAD'],
    ] as const) {
      const res = await call(method, path, method === 'DELETE' || method === 'GET' ? undefined : {});
      expect(res.status, `${method} ${path}`).to.equal(405);
      expect(res.headers.allow, path).to.equal(allow);
      expect(res.json).to.deep.equal([{ message: `HTTP Method '${method}' not allowed. Allowed are ${allow.replaceAll(' ', '')}`, errorCode: 'METHOD_NOT_ALLOWED' }]);
    }
  });

  it('Bulk API v1: a method a resource does not take is 405 with the Allow of that resource', async () => {
    const v1 = (method: string, path: string) => raw(`${t.org.instanceUrl}/services/async/62.0${path}`, { method, headers: { 'x-sfdc-session': t.session } });
    const job = await t.client.createJob({ operation: 'insert', object: 'Account', contentType: 'CSV' });
    for (const [method, path, allow] of [
      ['GET', '/job', 'POST'],
      ['DELETE', `/job/${job.id}`, 'GET, POST'],
      ['PUT', `/job/${job.id}/batch`, 'GET, POST'],
      ['POST', `/job/${job.id}/batch/751000000000000AAA`, 'GET'],
    ] as const) {
      const res = await v1(method, path);
      expect(res.status, `${method} ${path}`).to.equal(405);
      expect(res.headers.allow, path).to.equal(allow);
    }
    await t.client.closeJob(job.id);
  });
});
