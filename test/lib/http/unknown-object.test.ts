/**
 * An object the org does not have (issue 27): every way in (a load v1 and 2.0, with and without the
 * column check, a dry run, a query v1 and 2.0) ends with UnknownObjectError (`BULK_UNKNOWN_OBJECT`)
 * naming the nearest object from describeGlobal, before any job exists; describeGlobal is read once,
 * and only on that failure.
 */
import { expect } from 'chai';
import { writeFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BulkClient } from '../../../lib/http/client.js';
import { bulkLoad } from '../../../pipelines/bulk-load.js';
import { bulkQuery } from '../../../pipelines/bulk-query.js';
import { dryRunLoad } from '../../../pipelines/dry-run.js';
import { startTestOrg, type TestOrg } from '../../helpers/local-org.js';
import { raw } from '../../helpers/raw-http.js';
import { lostObjectProxy } from '../../helpers/lost-object-proxy.js';
import { closeScripted, type ScriptedServer, scriptedClient } from '../../helpers/scripted-server.js';
import { useTempDir } from '../../helpers/temp-dir.js';

const SCHEMA = {
  objects: [
    { name: 'Invoice__c', fields: [{ name: 'Total__c', type: 'double' as const }] },
    { name: 'acme__Shipment__c', fields: [{ name: 'acme__Weight__c', type: 'double' as const }] },
  ],
};

describe('lib/http/unknown-object: an object the org does not have, with the nearest one', function () {
  this.timeout(60_000);
  const tmp = useTempDir('bulkpipe-unknown-object-');
  let t: TestOrg;
  let client: BulkClient;
  let requests: string[] = [];
  before(async () => {
    t = await startTestOrg({ schema: SCHEMA });
  });
  after(async () => {
    await t?.close();
  });
  // A client per test: a client keeps the describeGlobal it read, and each test counts its own.
  const freshClient = async () => {
    await client?.close();
    requests = [];
    client = await BulkClient.login({
      loginUrl: t.org.loginUrl,
      username: t.org.username,
      password: t.org.password,
      retry: { minDelayMs: 5, maxDelayMs: 20 },
      onRequest: (r) => requests.push(`${r.method} ${r.path.replace(/\?.*/, '')}`),
    });
  };
  beforeEach(freshClient);
  afterEach(async () => {
    await client?.close();
  });

  /** The org's jobs, v1 and 2.0 (its REST job lists). */
  const orgJobs = async (): Promise<number> => {
    let jobs = 0;
    for (const kind of ['ingest', 'query']) {
      const res = await raw(`${t.org.instanceUrl}/services/data/v62.0/jobs/${kind}`, { headers: { authorization: `Bearer ${t.session}` } });
      jobs += (JSON.parse(res.text) as { records: unknown[] }).records.length;
    }
    return jobs;
  };
  const describeGlobals = () => requests.filter((r) => /^GET \/services\/data\/v[\d.]+\/sobjects$/.test(r)).length;
  const input = async (text = 'Name\nAcme\n') => {
    const path = join(tmp.path, 'in.csv');
    await writeFile(path, text);
    return path;
  };
  const load = async (object: string, options: { bulkApi?: 1 | 2 } = {}) =>
    bulkLoad({
      client,
      input: await input(),
      format: 'csv',
      object,
      operation: 'insert',
      successPath: join(tmp.path, 'ok.csv'),
      errorPath: join(tmp.path, 'err.csv'),
      spoolDir: join(tmp.path, 'spool'),
      minPollIntervalMs: 10,
      maxPollIntervalMs: 50,
      checkColumns: true,
      ...(options.bulkApi ? { bulkApi: options.bulkApi } : {}),
    });
  const query = async (soql: string, bulkApi: 1 | 2 = 1) => {
    let text = '';
    await pipeline(
      bulkQuery({ client, soql, bulkApi, minPollIntervalMs: 10, maxPollIntervalMs: 50 }),
      new Writable({
        write(c: Buffer, _e, cb) {
          text += c.toString();
          cb();
        },
      }),
    );
    return text;
  };
  const refusal = async (run: Promise<unknown>, object: string, suggestion: string | undefined) => {
    const err = await run.then(
      () => expect.fail('the run should have been refused'),
      (e: unknown) => e,
    );
    expect(err).to.include({ code: 'BULK_UNKNOWN_OBJECT', object, suggestion });
    expect((err as Error).message).to.equal(`${object} is not an object this user can see in the org${suggestion ? ` (did you mean ${suggestion}?)` : ''}, so no job was created`);
    expect(describeGlobals(), requests.join('\n')).to.equal(1);
    expect(await orgJobs()).to.equal(0);
  };

  for (const bulkApi of [1, 2] as const) {
    it(`a load (Bulk API ${bulkApi.toFixed(1)}): refused at the describe, with the nearest object, before any job`, async () => {
      await refusal(load('Acount', { bulkApi }), 'Acount', 'Account');
      expect(requests.some((r) => r.startsWith('POST'))).to.equal(false);
    });

    it(`a load (Bulk API ${bulkApi.toFixed(1)}) without the column check: the org refuses the job, said the same way; the ledger says no job may exist`, async () => {
      let jobMayExist: boolean | undefined;
      await refusal(
        bulkLoad({
          client,
          input: await input(),
          format: 'csv',
          object: 'Contcat',
          operation: 'insert',
          bulkApi,
          checkColumns: false,
          successPath: join(tmp.path, 'ok.csv'),
          errorPath: join(tmp.path, 'err.csv'),
          ledgerDir: join(tmp.path, `ledger-${bulkApi}`),
          onLedger: (outcome) => (jobMayExist = outcome.jobMayExist),
        }),
        'Contcat',
        'Contact',
      );
      expect(jobMayExist).to.equal(false);
    });

    it(`a query (Bulk API ${bulkApi.toFixed(1)}): the org refuses the job, said with the nearest object`, async () => {
      await refusal(query('SELECT Id FROM Acount', bulkApi), 'Acount', 'Account');
    });
  }

  it('a dry run: refused at the describe, with the nearest object', async () => {
    await refusal(dryRunLoad({ client, object: 'Acount', operation: 'insert', input: await input(), format: 'csv' }), 'Acount', 'Account');
  });

  it('custom objects and namespaces: a name without its __c or its namespace finds it; a name near none has no suggestion', async () => {
    await refusal(load('Invoice'), 'Invoice', 'Invoice__c');
    await freshClient();
    await refusal(load('Shipment__c'), 'Shipment__c', 'acme__Shipment__c');
    await freshClient();
    await refusal(load('acme__Shipmnet__c'), 'acme__Shipmnet__c', 'acme__Shipment__c');
    await freshClient();
    await refusal(query('SELECT Id FROM Invoce__c', 2), 'Invoce__c', 'Invoice__c');
    await freshClient();
    await refusal(load('Zzyzx'), 'Zzyzx', undefined);
  });

  it('a name the org has in another case is the object: it loads and queries, and describeGlobal is never read on a run that works', async () => {
    const summary = await load('account');
    expect(summary).to.include({ recordsSucceeded: 1, recordsFailed: 0 });
    expect(await load('ACCOUNT', { bulkApi: 2 })).to.include({ recordsSucceeded: 1, recordsFailed: 0 });
    expect(await query("SELECT Name FROM account WHERE Name = 'Acme'")).to.equal('"Name"\n"Acme"\n"Acme"\n');
    expect(await query("SELECT Name FROM account WHERE Name = 'Acme'", 2)).to.equal('"Name"\n"Acme"\n"Acme"\n');
    expect(describeGlobals()).to.equal(0);
  });

  it('a job create refused after a job of the run was made (access lost mid-run): the org error stands, and the ledger says a job may exist', async () => {
    const proxy = await lostObjectProxy(t.org.instanceUrl, 'Invoice__c');
    const proxied = new BulkClient({ instanceUrl: proxy.url, accessToken: t.session, retry: { minDelayMs: 5, maxDelayMs: 20 } });
    const before = await orgJobs();
    let outcome: { open: boolean; jobMayExist: boolean } | undefined;
    try {
      const err = await bulkLoad({
        client: proxied,
        input: await input(`Total__c\n${Array.from({ length: 2000 }, (_, i) => i + 1).join('\n')}\n`),
        format: 'csv',
        object: 'Invoice__c',
        operation: 'insert',
        bulkApi: 2,
        jobSize: 5000,
        concurrency: 1,
        successPath: join(tmp.path, 'ok.csv'),
        errorPath: join(tmp.path, 'err.csv'),
        ledgerDir: join(tmp.path, 'ledger-lost'),
        minPollIntervalMs: 10,
        maxPollIntervalMs: 50,
        onLedger: (o) => (outcome = o),
      }).then(
        () => expect.fail('the load should have failed'),
        (e: unknown) => e,
      );
      expect(proxy.creates()).to.equal(2);
      expect(err).to.include({ code: 'BULK_API_ERROR', exceptionCode: 'INVALIDJOB' });
      expect(outcome).to.deep.equal({ open: true, jobMayExist: true });
      expect(await orgJobs()).to.equal(before + 1); // the first job, its records in the org
    } finally {
      await proxied.close();
      await proxy.close();
    }
  });

  it('an error that is not about the object is left as the org said it (a misspelt field stays a column check)', async () => {
    const err = await bulkLoad({
      client,
      input: await input('Nmae\nAcme\n'),
      format: 'csv',
      object: 'Account',
      operation: 'insert',
      successPath: join(tmp.path, 'ok.csv'),
      errorPath: join(tmp.path, 'err.csv'),
      checkColumns: true,
    }).catch((e: unknown) => e);
    expect(err).to.have.property('code', 'BULK_COLUMNS');
    expect(describeGlobals()).to.equal(0);
  });
});

describe('lib/http/unknown-object against a scripted org: the org error stands when the object is not the fault', () => {
  let server: ScriptedServer;
  let client: BulkClient;
  const refusedCreate = (_req: unknown, res: ServerResponse) =>
    res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify([{ errorCode: 'INVALIDENTITY', message: "Entity 'Account' is not supported by the Bulk API." }]));
  const query = (soql = 'SELECT Id FROM Account') =>
    pipeline(bulkQuery({ client, soql, bulkApi: 2, ignoreLimits: true }), new Writable({ write: (_c, _e, cb) => cb() })).then(
      () => expect.fail('the query should have failed'),
      (err: unknown) => err,
    );
  beforeEach(async () => {
    ({ server, client } = await scriptedClient());
  });
  afterEach(() => closeScripted(server, client));

  it('an object the list holds as given: the org error, after one describeGlobal', async () => {
    const list = (_req: unknown, res: ServerResponse) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ encoding: 'UTF-8', maxBatchSize: 200, sobjects: [{ name: 'Account' }] }));
    server.script(refusedCreate, list);
    const err = await query();
    expect(err).to.include({ code: 'BULK_API_ERROR', exceptionCode: 'INVALIDENTITY' });
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).to.deep.equal(['POST /services/data/v62.0/jobs/query', 'GET /services/data/v62.0/sobjects']);
  });

  it('an object the list holds in another case (FROM account): the org error, not a did-you-mean of the same object', async () => {
    const list = (_req: unknown, res: ServerResponse) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ encoding: 'UTF-8', maxBatchSize: 200, sobjects: [{ name: 'Account' }] }));
    const refused = (_req: unknown, res: ServerResponse) =>
      res
        .writeHead(400, { 'content-type': 'application/json' })
        .end(JSON.stringify([{ errorCode: 'INVALIDENTITY', message: "Entity 'account' is not supported by the Bulk API." }]));
    server.script(refused, list);
    expect(await query('SELECT Id FROM account')).to.include({ code: 'BULK_API_ERROR', exceptionCode: 'INVALIDENTITY' });
  });

  it("an INVALID_TYPE about another object than the FROM's (a semi-join's): the org error, and no describeGlobal read", async () => {
    const message = "\nId FROM account WHERE Id IN (SELECT AccountId FROM Opportunty)\n ^\nERROR at Row:1:Column:52\nsObject type 'Opportunty' is not supported.";
    server.script((_req, res) => res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify([{ errorCode: 'INVALID_TYPE', message }])));
    const err = await query('SELECT Id FROM account WHERE Id IN (SELECT AccountId FROM Opportunty)');
    expect(err).to.include({ code: 'BULK_API_ERROR', exceptionCode: 'INVALID_TYPE' });
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).to.deep.equal(['POST /services/data/v62.0/jobs/query']);
  });

  it('a list that cannot be read: the org error as it was', async () => {
    server.script(refusedCreate);
    server.fallback = (_req, res) => res.writeHead(503).end('down');
    expect(await query()).to.include({ code: 'BULK_API_ERROR', exceptionCode: 'INVALIDENTITY' });
  });
});
