/** bulkQuery end to end through the local org. */
import { expect } from 'chai';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse/sync';
import { bulkLoad } from '../../pipelines/bulk-load.js';
import { queryObject } from '../../lib/soql/query-object.js';
import { bulkQuery, type BulkQueryOptions, type QueryRecord } from '../../pipelines/bulk-query.js';
import { rejection } from '../helpers/fixtures.js';
import { startTestOrg, type TestOrg } from '../helpers/local-org.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

describe('pipelines/bulk-query (end to end)', () => {
  let t: TestOrg;
  const tmp = useTempDir('bulkpipe-query-');
  const ROWS = 120;
  before(async () => {
    t = await startTestOrg({ resultFileBytes: 1500 });
    const job = await t.client.createJob({ operation: 'insert', object: 'Account', contentType: 'CSV' });
    await t.client.addBatch(
      job.id,
      `Name,NumberOfEmployees,Description\n${Array.from({ length: ROWS }, (_, i) => `Q${String(i).padStart(3, '0')},${i},"line ""${i}""\nsecond, line"`).join('\n')}\n`,
    );
    await t.client.closeJob(job.id);
    await t.org.whenIdle();
  });
  after(async () => {
    await t.close();
  });

  async function text(options: Omit<BulkQueryOptions, 'client'>): Promise<string> {
    let out = '';
    await pipeline(
      bulkQuery({ client: t.client, minPollIntervalMs: 10, maxPollIntervalMs: 50, ...options }),
      new Writable({
        write(c: Buffer, _e, cb) {
          out += c.toString();
          cb();
        },
      }),
    );
    return out;
  }

  async function records(options: Omit<BulkQueryOptions, 'client' | 'format'>): Promise<QueryRecord[]> {
    const out: QueryRecord[] = [];
    await pipeline(
      bulkQuery({ client: t.client, format: 'records', minPollIntervalMs: 10, maxPollIntervalMs: 50, ...options }),
      new Writable({
        objectMode: true,
        write(r: QueryRecord, _e, cb) {
          out.push(r);
          cb();
        },
      }),
    );
    return out;
  }

  it('takes the object from the SOQL', () => {
    expect(queryObject("SELECT Id FROM Account WHERE Name = 'x'")).to.equal('Account');
    expect(() => queryObject('not soql'))
      .to.throw()
      .with.property('code', 'BULK_INVALID_OPTION');
  });

  it('streams raw CSV from several result files with one header and every row once', async () => {
    const csv = await text({ soql: 'SELECT Name, NumberOfEmployees, Description FROM Account' });
    const rows = parse(csv, { columns: true }) as Array<Record<string, string>>;
    expect(rows).to.have.length(ROWS);
    expect(new Set(rows.map((r) => r.Name)).size).to.equal(ROWS);
    expect(rows.filter((r) => r.Name === 'Name')).to.have.length(0); // no repeated header as a data row
    expect(rows[5]?.Description).to.equal('line "5"\nsecond, line');
  });

  it('validates concurrency', () => {
    for (const concurrency of [0, 65, 1.5])
      expect(() => bulkQuery({ client: t.client, soql: 'SELECT Id FROM Account', concurrency }))
        .to.throw()
        .with.property('code', 'BULK_INVALID_OPTION');
  });

  it('yields typed records, NDJSON and a JSON array', async () => {
    const recs = await records({ soql: 'SELECT Name, NumberOfEmployees FROM Account WHERE NumberOfEmployees < 3 ORDER BY Name' });
    expect(recs).to.deep.equal([
      { Name: 'Q000', NumberOfEmployees: 0 },
      { Name: 'Q001', NumberOfEmployees: 1 },
      { Name: 'Q002', NumberOfEmployees: 2 },
    ]);
    const ndjson = await text({ soql: 'SELECT Name FROM Account WHERE NumberOfEmployees < 2 ORDER BY Name', format: 'ndjson' });
    expect(ndjson).to.equal('{"Name":"Q000"}\n{"Name":"Q001"}\n');
    const json = await text({ soql: 'SELECT Name FROM Account WHERE NumberOfEmployees < 2 ORDER BY Name', format: 'json' });
    expect(JSON.parse(json)).to.deep.equal([{ Name: 'Q000' }, { Name: 'Q001' }]);
    expect(JSON.parse(await text({ soql: "SELECT Name FROM Account WHERE Name = 'none'", format: 'json' }))).to.deep.equal([]);
  });

  it('answers an empty result with no rows (CSV: the header line alone, issue 27)', async () => {
    expect(await records({ soql: "SELECT Name FROM Account WHERE Name = 'nobody'" })).to.deep.equal([]);
    expect(await text({ soql: "SELECT Name FROM Account WHERE Name = 'nobody'" })).to.equal('"Name"\n');
  });

  it('PK chunking: chunks in order, every row exactly once, the original NotProcessed taken as normal', async () => {
    let jobId = '';
    const recs = await records({ soql: 'SELECT Id, Name FROM Account', pkChunking: { chunkSize: 25 }, onJob: (id) => (jobId = id) });
    expect(recs).to.have.length(ROWS);
    expect(new Set(recs.map((r) => r.Id)).size).to.equal(ROWS);
    const ids = recs.map((r) => r.Id as string);
    expect([...ids].sort()).to.deep.equal(ids); // chunks come in id order, and each chunk in id order
    const batches = await t.client.listBatches(jobId);
    expect(batches[0]?.state).to.equal('NotProcessed');
    expect(batches).to.have.length(6);
    expect((await t.client.getJob(jobId)).state).to.equal('Closed');
  });

  it('types come from the JSON results: nulls, parents as nested records, dateTimes as epoch ms', async () => {
    const job = await t.client.createJob({ operation: 'insert', object: 'Account', contentType: 'CSV' });
    await t.client.addBatch(job.id, 'Name,AccountNumber\nTyped Parent,TP-1\n');
    await t.client.closeJob(job.id);
    await t.org.whenIdle();
    const [parent] = await records({ soql: "SELECT Id FROM Account WHERE Name = 'Typed Parent'" });
    const child = await t.client.createJob({ operation: 'insert', object: 'Contact', contentType: 'CSV' });
    await t.client.addBatch(child.id, `LastName,AccountId\nTyped Child,${String(parent?.Id)}\nOrphan Child,\n`);
    await t.client.closeJob(child.id);
    await t.org.whenIdle();
    const recs = await records({ soql: "SELECT LastName, Email, CreatedDate, Account.Name, Account.AccountNumber FROM Contact WHERE LastName LIKE '% Child' ORDER BY LastName" });
    expect(recs.map((r) => r.LastName)).to.deep.equal(['Orphan Child', 'Typed Child']);
    expect(recs[0]).to.include({ Email: null, Account: null });
    expect(recs[1]?.Account).to.deep.equal({ Name: 'Typed Parent', AccountNumber: 'TP-1' });
    const created = recs[1]?.CreatedDate;
    expect(created).to.be.a('number');
    expect(Math.abs((created as number) - Date.now())).to.be.below(3_600_000);
  });

  it('downloads several chunks at once and still emits them in order, each row once', async () => {
    const serial = await text({ soql: 'SELECT Id, Name FROM Account', pkChunking: { chunkSize: 20 }, concurrency: 1 });
    for (const concurrency of [2, 5]) {
      expect(await text({ soql: 'SELECT Id, Name FROM Account', pkChunking: { chunkSize: 20 }, concurrency }), `concurrency ${concurrency}`).to.equal(serial);
    }
    expect(parse(serial, { columns: true })).to.have.length.above(ROWS - 1);
  });

  it('queryAll sees deleted records; query does not', async () => {
    const job = await t.client.createJob({ operation: 'insert', object: 'Lead', contentType: 'CSV' });
    const b = await t.client.addBatch(job.id, 'LastName,Company\nGone,Co\n');
    await t.org.whenIdle();
    const [result] = await t.client.listBatches(job.id);
    expect(result?.state).to.equal('Completed');
    let id = '';
    for await (const r of t.client.batchResults(job.id, b.id)) id = r.id as string;
    const del = await t.client.createJob({ operation: 'delete', object: 'Lead', contentType: 'CSV' });
    await t.client.addBatch(del.id, `Id\n${id}\n`);
    await t.org.whenIdle();
    expect(await records({ soql: 'SELECT LastName FROM Lead' })).to.deep.equal([]);
    expect(await records({ soql: 'SELECT LastName, IsDeleted FROM Lead', all: true })).to.deep.equal([{ LastName: 'Gone', IsDeleted: true }]);
  });

  it('fails on bad SOQL with the state message and the ids, and closes the job', async () => {
    let jobId = '';
    const err = await rejection(records({ soql: 'SELECT Nope FROM Account', onJob: (id) => (jobId = id) }));
    expect(err).to.include({ code: 'BULK_BATCH_FAILED', jobId, state: 'Failed' });
    expect((err as unknown as { stateMessage: string }).stateMessage).to.match(/^InvalidBatch : Failed to process query: INVALID_FIELD/);
    expect((await t.client.getJob(jobId)).state).to.equal('Closed');
  });

  it('stops on abort and closes the job', async () => {
    const held = await startTestOrg({ faults: { holdInProgressMs: 3000 } });
    try {
      const controller = new AbortController();
      let jobId = '';
      // Abort while the query runs: once its job exists (the batch is then held InProgress for 3 s).
      const stream = bulkQuery({
        client: held.client,
        soql: 'SELECT Id FROM Account',
        signal: controller.signal,
        minPollIntervalMs: 20,
        onJob: (id) => {
          jobId = id;
          setImmediate(() => controller.abort(new Error('stop')));
        },
      });
      const err = await rejection(
        pipeline(
          stream,
          new Writable({
            write(_c, _e, cb) {
              cb();
            },
          }),
        ),
      );
      expect(err.name === 'AbortError' || (err as { code?: string }).code === 'BULK_ABORTED' || (err as { code?: string }).code === 'ABORT_ERR').to.equal(true);
      expect(jobId).to.match(/^750/);
      // The job is closed as the generator unwinds, which may end after the pipeline rejected: watch it through the API.
      await waitFor('the job closed', async () => (await held.client.getJob(jobId)).state === 'Closed');
      await held.org.whenIdle();
    } finally {
      await held.close();
    }
  });

  it('round trip: rows loaded with bulkLoad come back field for field', async () => {
    const input = join(tmp.path, 'contacts.csv');
    const source = Array.from({ length: 60 }, (_, i) => ({ FirstName: `F${i}`, LastName: `L "${i}", x`, Email: `p${i}@example.com`, Title: i % 2 ? `T\n${i}` : 'Plain' }));
    await writeFile(
      input,
      `FirstName,LastName,Email,Title\n${source.map((r) => [r.FirstName, `"${r.LastName.replaceAll('"', '""')}"`, r.Email, `"${r.Title}"`].join(',')).join('\n')}\n`,
    );
    const summary = await bulkLoad({ client: t.client, input, format: 'csv', object: 'Contact', operation: 'insert', batchSize: 25, minPollIntervalMs: 10 });
    expect(summary.recordsSucceeded).to.equal(60);
    const back = await records({ soql: 'SELECT FirstName, LastName, Email, Title FROM Contact ORDER BY FirstName' });
    const byName = new Map(back.map((r) => [r.FirstName, r]));
    for (const r of source) expect(byName.get(r.FirstName)).to.deep.equal(r);
  });
});
