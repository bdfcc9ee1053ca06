/** DML through BulkClient against the local org: results, record-level errors, batch failures, states. */
import { expect } from 'chai';
import type { DmlResult } from '../../lib/types.js';
import type { SchemaFile } from '../../server/index.js';
import { collect } from '../helpers/fixtures.js';
import { runJob, startTestOrg, type TestOrg } from '../helpers/local-org.js';
import { waitFor } from '../helpers/wait-for.js';

const SCHEMA: SchemaFile = {
  objects: [
    {
      name: 'Account',
      fields: [
        { name: 'Ext_Id__c', type: 'string', length: 20, externalId: true, unique: true },
        { name: 'Region__c', type: 'string', length: 20, externalId: true },
      ],
    },
    { name: 'Contact', fields: [{ name: 'Ext_Id__c', type: 'string', length: 20, externalId: true, unique: true }] },
    {
      name: 'Invoice__c',
      fields: [
        { name: 'Number__c', type: 'string', length: 10, required: true, externalId: true, unique: true },
        { name: 'Total__c', type: 'currency' },
        { name: 'Account__c', type: 'reference', referenceTo: 'Account' },
      ],
    },
  ],
};

describe('server: DML', () => {
  let t: TestOrg;
  beforeEach(async () => {
    t = await startTestOrg({ schema: SCHEMA });
  });
  afterEach(async () => {
    await t.close();
  });

  const results = async (jobId: string, batchId: string) => collect(t.client.batchResults(jobId, batchId));
  const codes = (rs: DmlResult[]) => rs.map((r) => (r.success ? 'ok' : r.errors[0]?.statusCode));
  const query = async (soql: string, object: string, all = false) => {
    const { job, batches } = await runJob(t, { operation: all ? 'queryAll' : 'query', object, contentType: 'CSV' }, [soql]);
    const [batch] = batches;
    const ids = await t.client.listQueryResultIds(job.id, batch?.id as string);
    let text = '';
    for (const id of ids) for await (const c of (await t.client.getQueryResult(job.id, batch?.id as string, id)).body) text += (c as Buffer).toString();
    return text;
  };

  it('inserts 3 batches of good and bad rows: one result per row, in order, counters consistent', async () => {
    const bodies = [
      'Name,NumberOfEmployees,Website\nA1,10,a.example\n,5,x\nA3,abc,\n',
      'Name,AnnualRevenue\nB1,1e6\nB2,not-a-number\n',
      `Name,Site\nC1,${'s'.repeat(81)}\nC2,ok\nC3,ok\n`,
    ];
    const { job, batches } = await runJob(t, { operation: 'insert', object: 'Account', contentType: 'CSV' }, bodies);
    expect(batches.map((b) => b.state)).to.deep.equal(['Completed', 'Completed', 'Completed']);
    const all = await Promise.all(batches.map((b) => results(job.id, b.id)));
    expect(all.map(codes)).to.deep.equal([
      ['ok', 'REQUIRED_FIELD_MISSING', 'INVALID_FIELD'],
      ['ok', 'INVALID_FIELD'],
      ['STRING_TOO_LONG', 'ok', 'ok'],
    ]);
    expect(all[0]?.[1]?.errors[0]).to.deep.equal({ statusCode: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [Name]', fields: ['Name'] });
    expect(all[0]?.[2]?.errors[0]?.message).to.equal("Failed to deserialize field at col 2. Due to, 'abc' is not a valid value for the type xsd:int");
    expect(all[2]?.[0]?.errors[0]?.message).to.match(/^Site: data value too large: s+\.\.\. \(max length=80\)$/);
    expect(
      all
        .flat()
        .filter((r) => r.success)
        .every((r) => r.created && /^0015g/.test(r.id ?? '')),
    ).to.equal(true);
    expect(job).to.include({ numberBatchesTotal: 3, numberBatchesCompleted: 3, numberRecordsProcessed: 8, numberRecordsFailed: 4, state: 'Closed' });
    expect(batches.map((b) => [b.numberRecordsProcessed, b.numberRecordsFailed])).to.deep.equal([
      [3, 2],
      [2, 1],
      [3, 1],
    ]);
  });

  it('reports bad booleans, dates, ids, emails and missing references as Salesforce does', async () => {
    const {
      job: acct,
      batches: [ab],
    } = await runJob(t, { operation: 'insert', object: 'Account', contentType: 'CSV' }, ['Name\nParent\n']);
    const [parent] = await results(acct.id, ab?.id as string);
    const body = [
      'LastName,HasOptedOutOfEmail,Birthdate,AccountId,Email',
      `L1,true,2001-02-03,${parent?.id},a@b.co`,
      'L2,maybe,,,',
      'L3,,2001-02-30,,',
      'L4,,,abc,',
      'L5,,,0015g0000000zzz,',
      'L6,,,,not-an-email',
    ].join('\n');
    const {
      job,
      batches: [b],
    } = await runJob(t, { operation: 'insert', object: 'Contact', contentType: 'CSV' }, [`${body}\n`]);
    const rs = await results(job.id, b?.id as string);
    expect(codes(rs)).to.deep.equal(['ok', 'INVALID_FIELD', 'INVALID_FIELD', 'MALFORMED_ID', 'INVALID_CROSS_REFERENCE_KEY', 'INVALID_EMAIL_ADDRESS']);
    expect(rs[1]?.errors[0]?.message).to.contain('xsd:boolean');
    expect(rs[2]?.errors[0]?.message).to.contain('xsd:date');
  });

  it('updates: empty leaves a value unchanged, #N/A sets null; deleted and unknown ids fail', async () => {
    const {
      job,
      batches: [b],
    } = await runJob(t, { operation: 'insert', object: 'Account', contentType: 'CSV' }, ['Name,Phone,Site\nKeep,555,s1\nGone,1,s2\n']);
    const [keep, gone] = await results(job.id, b?.id as string);
    await runJob(t, { operation: 'delete', object: 'Account', contentType: 'CSV' }, [`Id\n${gone?.id}\n`]);
    const upd = await runJob(t, { operation: 'update', object: 'Account', contentType: 'CSV' }, [
      `Id,Phone,Site\n${keep?.id},,#N/A\n${gone?.id},9,\n0015g00000000zz,1,\nbad,1,\n,1,\n`,
    ]);
    expect(codes(await results(upd.job.id, upd.batches[0]?.id as string))).to.deep.equal([
      'ok',
      'ENTITY_IS_DELETED',
      'INVALID_CROSS_REFERENCE_KEY',
      'MALFORMED_ID',
      'MISSING_ARGUMENT',
    ]);
    const csv = await query(`SELECT Name, Phone, Site FROM Account WHERE Id = '${keep?.id}'`, 'Account');
    expect(csv).to.equal('"Name","Phone","Site"\n"Keep","555",""\n');
    const nulling = await runJob(t, { operation: 'update', object: 'Account', contentType: 'CSV' }, [`Id,Name\n${keep?.id},#N/A\n`]);
    expect(codes(await results(nulling.job.id, nulling.batches[0]?.id as string))).to.deep.equal(['REQUIRED_FIELD_MISSING']);
  });

  it('upserts by external id and by Id, resolving relationship columns by external id', async () => {
    const accounts = await runJob(t, { operation: 'upsert', object: 'Account', externalIdFieldName: 'Ext_Id__c', contentType: 'CSV' }, ['Ext_Id__c,Name\nA-1,Acme\nA-2,Globex\n']);
    expect((await results(accounts.job.id, accounts.batches[0]?.id as string)).map((r) => r.created)).to.deep.equal([true, true]);
    const again = await runJob(t, { operation: 'upsert', object: 'Account', externalIdFieldName: 'ext_id__c', contentType: 'CSV' }, [
      'Ext_Id__c,Name\na-1,Acme Corp\nA-3,Initech\n,NoKey\n',
    ]);
    const rs = await results(again.job.id, again.batches[0]?.id as string);
    expect(rs.map((r) => [r.success, r.created])).to.deep.equal([
      [true, false],
      [true, true],
      [false, false],
    ]);
    expect(rs[2]?.errors[0]?.statusCode).to.equal('MISSING_ARGUMENT');

    const contacts = await runJob(t, { operation: 'upsert', object: 'Contact', externalIdFieldName: 'Ext_Id__c', contentType: 'CSV' }, [
      'Ext_Id__c,LastName,Account.Ext_Id__c\nC-1,Smith,A-1\nC-2,Jones,A-9\nC-3,Brown,#N/A\n',
    ]);
    const cr = await results(contacts.job.id, contacts.batches[0]?.id as string);
    expect(codes(cr)).to.deep.equal(['ok', 'INVALID_FIELD', 'ok']);
    expect(cr[1]?.errors[0]?.message).to.equal('Foreign key external ID: A-9 not found for field Ext_Id__c in entity Account');
    const csv = await query("SELECT LastName, Account.Name, Account.Ext_Id__c FROM Contact WHERE Ext_Id__c IN ('C-1', 'C-3') ORDER BY LastName", 'Contact');
    expect(csv).to.equal('"LastName","Account.Name","Account.Ext_Id__c"\n"Brown","",""\n"Smith","Acme Corp","a-1"\n');

    const byId = await runJob(t, { operation: 'upsert', object: 'Account', externalIdFieldName: 'Id', contentType: 'CSV' }, [`Id,Name\n${rs[0]?.id},ById\n,NewOne\n`]);
    expect((await results(byId.job.id, byId.batches[0]?.id as string)).map((r) => r.created)).to.deep.equal([false, true]);
  });

  it('reports DUPLICATE_VALUE and an upsert whose external id matches several records', async () => {
    await runJob(t, { operation: 'insert', object: 'Account', contentType: 'CSV' }, ['Name,Ext_Id__c,Region__c\nA,U-1,EU\nB,U-2,EU\n']);
    const dup = await runJob(t, { operation: 'insert', object: 'Account', contentType: 'CSV' }, ['Name,Ext_Id__c\nC,u-1\n']);
    const [d] = await results(dup.job.id, dup.batches[0]?.id as string);
    expect(d?.errors[0]?.statusCode).to.equal('DUPLICATE_VALUE');
    expect(d?.errors[0]?.message).to.match(/^duplicate value found: Ext_Id__c duplicates value on record with id: 0015g/);
    const multi = await runJob(t, { operation: 'upsert', object: 'Account', externalIdFieldName: 'Region__c', contentType: 'CSV' }, ['Region__c,Name\nEU,X\n']);
    const [m] = await results(multi.job.id, multi.batches[0]?.id as string);
    expect(m?.errors[0]?.statusCode).to.equal('DUPLICATE_EXTERNAL_ID');
  });

  it('deletes (visible to queryAll only) and hard-deletes (gone)', async () => {
    const ins = await runJob(t, { operation: 'insert', object: 'Lead', contentType: 'CSV' }, ['LastName,Company\nSoft,Co\nHard,Co\n']);
    const [soft, hard] = await results(ins.job.id, ins.batches[0]?.id as string);
    const del = await runJob(t, { operation: 'delete', object: 'Lead', contentType: 'CSV' }, [`Id\n${soft?.id}\n${soft?.id}\n`]);
    expect(codes(await results(del.job.id, del.batches[0]?.id as string))).to.deep.equal(['ok', 'ENTITY_IS_DELETED']);
    const hd = await runJob(t, { operation: 'hardDelete', object: 'Lead', contentType: 'CSV' }, [`Id\n${hard?.id}\n`]);
    expect((await results(hd.job.id, hd.batches[0]?.id as string))[0]).to.include({ success: true, created: false, id: hard?.id });
    expect(await query('SELECT LastName FROM Lead', 'Lead')).to.equal('Records not found for this query');
    expect(await query('SELECT LastName, IsDeleted FROM Lead', 'Lead', true)).to.equal('"LastName","IsDeleted"\n"Soft","true"\n');
  });

  it('reads XML and JSON batches, with nil values and parent references', async () => {
    await runJob(t, { operation: 'insert', object: 'Account', contentType: 'CSV' }, ['Name,Ext_Id__c\nParent,P-1\n']);
    const xml = `<?xml version="1.0" encoding="UTF-8"?><sObjects xmlns="http://www.force.com/2009/06/asyncapi/dataload" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
      <sObject><LastName>X1</LastName><Account><Ext_Id__c>P-1</Ext_Id__c></Account><Title xsi:nil="true"/></sObject>
      <sObject><FirstName>no last name</FirstName></sObject></sObjects>`;
    const x = await runJob(t, { operation: 'insert', object: 'Contact', contentType: 'XML' }, [xml]);
    expect(codes(await results(x.job.id, x.batches[0]?.id as string))).to.deep.equal(['ok', 'REQUIRED_FIELD_MISSING']);
    const json = JSON.stringify([
      { LastName: 'J1', Account: { Ext_Id__c: 'P-1' }, HasOptedOutOfEmail: true },
      { LastName: 'J2', Birthdate: 'soon' },
    ]);
    const j = await runJob(t, { operation: 'insert', object: 'Contact', contentType: 'JSON' }, [json]);
    const jr = await results(j.job.id, j.batches[0]?.id as string);
    expect(codes(jr)).to.deep.equal(['ok', 'INVALID_FIELD']);
    expect(await query("SELECT LastName, Account.Name, HasOptedOutOfEmail FROM Contact WHERE Account.Ext_Id__c = 'P-1' ORDER BY LastName", 'Contact')).to.equal(
      '"LastName","Account.Name","HasOptedOutOfEmail"\n"J1","Parent","true"\n"X1","Parent",""\n',
    );
  });

  it('fails whole batches with the real stateMessage texts', async () => {
    const cases: Array<[string, string]> = [
      ['Name,An_Awesome_Field__c\nx,y\n', 'InvalidBatch : Field name not found : An_Awesome_Field__c'],
      ['\uFEFFName\nx\n', 'InvalidBatch : Field name not found : \uFEFFName'],
      ['Name,Owner.Nope\nx,y\n', 'InvalidBatch : Field name not found : Owner.Nope'],
      ['Name,Parnt.Ext_Id__c\nx,y\n', 'InvalidBatch : Unable to find relationship: Parnt'],
      ['Name,Account:Parent.Ext_Id__c\nx,y\n', 'InvalidBatch : type is not needed for non polymorphic foreign key references: Parent'],
      ['Name\n"unterminated\n', 'InvalidBatch : Failed to parse CSV'],
      [`Name\n${'x\n'.repeat(10_001)}`, 'InvalidBatch : Exceeded max records limit of 10000'],
      [`Name,Description\nx,${'d'.repeat(32_001)}\n`, 'InvalidBatch : Field Description of record 1 has 32001 characters'],
      [
        `Name,Description,Site,BillingStreet,AccountNumber,Phone,Fax,Website,Industry,Type,BillingCity,BillingState,BillingCountry,BillingPostalCode\nx,${Array.from({ length: 13 }, () => 'e'.repeat(32_000)).join(',')}\n`,
        'InvalidBatch : Record 1 has 416001 characters',
      ],
    ];
    const { batches } = await runJob(
      t,
      { operation: 'insert', object: 'Account', contentType: 'CSV' },
      cases.map(([body]) => body),
    );
    batches.forEach((b, i) => {
      expect(b.state, cases[i]?.[1]).to.equal('Failed');
      expect(b.stateMessage, cases[i]?.[1]).to.satisfy((m: string) => m.startsWith(cases[i]?.[1] as string));
    });
    const x = await runJob(t, { operation: 'insert', object: 'Account', contentType: 'XML' }, ['<sObjects><sObject><Name>x</Name></sObjects>']);
    expect(x.batches[0]?.stateMessage).to.match(/^InvalidBatch : Failed to parse XML/);
    const j = await runJob(t, { operation: 'insert', object: 'Account', contentType: 'JSON' }, ['[{"Name": "x"']);
    expect(j.batches[0]?.stateMessage).to.match(/^InvalidBatch : Failed to parse JSON/);
    expect(x.job).to.include({ numberBatchesFailed: 1, numberBatchesTotal: 1 });
  });

  it('runs a Serial job one batch at a time in order', async () => {
    const serial = await startTestOrg({ parallelism: 4 });
    try {
      const bodies = Array.from({ length: 4 }, (_, b) => `Name\n${Array.from({ length: 1500 }, (_, i) => `S${b}-${i}`).join('\n')}\n`);
      const { job, batches } = await runJob(serial, { operation: 'insert', object: 'Account', contentType: 'CSV', concurrencyMode: 'Serial' }, bodies);
      expect(job.concurrencyMode).to.equal('Serial');
      const ranges = await Promise.all(batches.map(async (b) => (await collect(serial.client.batchResults(job.id, b.id))).map((r) => r.id as string)));
      // ids are handed out in processing order: every id of batch n sorts before every id of batch n+1
      for (let i = 1; i < ranges.length; i++) expect(((ranges[i - 1] as string[]).at(-1) as string) < ((ranges[i] as string[])[0] as string)).to.equal(true);
    } finally {
      await serial.close();
    }
  });

  it('aborts a job: queued batches become NotProcessed, the one in progress finishes', async () => {
    // One batch at a time, each held InProgress long enough for the abort to land while the first runs.
    const held = await startTestOrg({ parallelism: 1, faults: { holdInProgressMs: 1500 } });
    try {
      const job = await held.client.createJob({ operation: 'insert', object: 'Account', contentType: 'CSV' });
      const first = await held.client.addBatch(job.id, 'Name\nAbort1\n');
      for (const n of [2, 3]) await held.client.addBatch(job.id, `Name\nAbort${n}\n`);
      await waitFor('the first batch in progress', async () => (await held.client.getBatch(job.id, first.id)).state === 'InProgress');
      const aborted = await held.client.abortJob(job.id);
      expect(aborted.state).to.equal('Aborted');
      await held.org.whenIdle();
      const batches = await held.client.listBatches(job.id);
      expect(batches.map((b) => b.state)).to.deep.equal(['Completed', 'NotProcessed', 'NotProcessed']);
      expect(await held.client.getJob(job.id)).to.include({ numberBatchesCompleted: 1, numberBatchesTotal: 3, numberBatchesQueued: 0, numberRecordsProcessed: 1 });
    } finally {
      await held.close();
    }
  });

  it('accepts any object and field as text when asked (benchmarks on arbitrary data)', async () => {
    const open = await startTestOrg({ acceptUnknownObjects: true });
    try {
      const { job, batches } = await runJob(open, { operation: 'insert', object: 'Anything__c', contentType: 'CSV' }, ['Foo,Bar_Baz\n1,two\n3,\n']);
      const rs = await collect(open.client.batchResults(job.id, batches[0]?.id as string));
      expect(rs.map((r) => r.success)).to.deep.equal([true, true]);
      expect(rs[0]?.id).to.match(/^a0/);
      const q = await runJob(open, { operation: 'query', object: 'Anything__c', contentType: 'CSV' }, ["SELECT Foo, Bar_Baz FROM Anything__c WHERE Foo = '1'"]);
      const [file] = await open.client.listQueryResultIds(q.job.id, q.batches[0]?.id as string);
      const text = Buffer.concat(await collect((await open.client.getQueryResult(q.job.id, q.batches[0]?.id as string, file as string)).body)).toString();
      expect(text).to.equal('"Foo","Bar_Baz"\n"1","two"\n');
    } finally {
      await open.close();
    }
  });
});
