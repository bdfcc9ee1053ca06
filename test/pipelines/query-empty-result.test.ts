/**
 * A query that matches no row (issue 27): CSV is still its header line, named from the SELECT list
 * as the org names columns (v1 sends "Records not found for this query" and no header; a 2.0 page
 * may come empty), NDJSON is empty, a JSON array is [], records none; v1, PK-chunked v1 and 2.0.
 */
import { expect } from 'chai';
import type { ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BulkClient } from '../../lib/http/client.js';
import { bulkQuery, type BulkQueryOptions, type QueryOutput } from '../../pipelines/bulk-query.js';
import { insertAccount, startTestOrg, type TestOrg } from '../helpers/local-org.js';
import { closeScripted, queryJobAnswer, type ScriptedServer, scriptedClient } from '../helpers/scripted-server.js';

/** What the query stream gave: its text, or the number of records. */
async function output(options: BulkQueryOptions): Promise<{ text: string; records: number }> {
  const got = { text: '', records: 0 };
  await pipeline(
    bulkQuery({ minPollIntervalMs: 5, maxPollIntervalMs: 20, ...options }),
    new Writable({
      objectMode: options.format === 'records',
      write(chunk: Buffer | object, _e, cb) {
        if (options.format === 'records') got.records++;
        else got.text += chunk.toString();
        cb();
      },
    }),
  );
  return got;
}

describe('pipelines/bulk-query: a query that matches no row', function () {
  this.timeout(60_000);
  let t: TestOrg;
  before(async () => {
    t = await startTestOrg();
    await insertAccount(t, 'Somebody');
  });
  after(async () => {
    await t?.close();
  });
  const SOQL = "SELECT Id, Name, Owner.Name FROM Account WHERE Name = 'nobody'";
  const expected: Record<QueryOutput, { text: string; records: number }> = {
    csv: { text: '"Id","Name","Owner.Name"\n', records: 0 },
    ndjson: { text: '', records: 0 },
    json: { text: '[]', records: 0 },
    records: { text: '', records: 0 },
  };

  for (const bulkApi of [1, 2] as const) {
    for (const format of ['csv', 'ndjson', 'json', 'records'] as const) {
      it(`Bulk API ${bulkApi.toFixed(1)}, ${format}: ${JSON.stringify(expected[format].text) || 'nothing'}`, async () => {
        expect(await output({ client: t.client, soql: SOQL, bulkApi, format })).to.deep.equal(expected[format]);
      });
    }
  }

  it('PK chunking whose every chunk is empty: the header once', async () => {
    expect(await output({ client: t.client, soql: "SELECT Id, Name FROM Account WHERE Name = 'nobody'", pkChunking: { chunkSize: 1 } })).to.deep.equal({
      text: '"Id","Name"\n',
      records: 0,
    });
  });

  it('a result with rows keeps the org header, once', async () => {
    expect(await output({ client: t.client, soql: "SELECT Name FROM Account WHERE Name = 'Somebody'" })).to.deep.equal({ text: '"Name"\n"Somebody"\n', records: 0 });
  });
});

describe('pipelines/bulk2-query against a scripted org: an empty page without a header', () => {
  let server: ScriptedServer;
  let client: BulkClient;
  const job = queryJobAnswer;
  const emptyPage = (_r: unknown, res: ServerResponse) => res.writeHead(200, { 'content-type': 'text/csv', 'sforce-locator': 'null', 'sforce-numberofrecords': '0' }).end('');
  beforeEach(async () => {
    ({ server, client } = await scriptedClient());
  });
  afterEach(() => closeScripted(server, client));

  it('CSV: the header line from the SELECT list (none for TYPEOF); JSON: []', async () => {
    const base = { client, soql: 'SELECT Id, Account.Name FROM Contact', bulkApi: 2 as const, ignoreLimits: true, maxRecords: 10 };
    server.script(job('UploadComplete'), job('JobComplete', { numberRecordsProcessed: 0 }), emptyPage);
    expect(await output(base)).to.deep.equal({ text: '"Id","Account.Name"\n', records: 0 });
    // A SELECT list the scan cannot name as the org would (TYPEOF): nothing, rather than a made-up header.
    server.script(job('UploadComplete'), job('JobComplete', { numberRecordsProcessed: 0 }), emptyPage);
    expect(await output({ ...base, soql: 'SELECT TYPEOF What WHEN Account THEN Phone END FROM Event' })).to.deep.equal({ text: '', records: 0 });
    server.script(job('UploadComplete'), job('JobComplete', { numberRecordsProcessed: 0 }), emptyPage);
    expect(await output({ ...base, format: 'json' })).to.deep.equal({ text: '[]', records: 0 });
  });
});
