/**
 * The data of Bulk API 2.0 ingest jobs through the wire (server/http/v2/ingest-upload.ts,
 * server/v2/upload-splitter.ts, server/v2/ingest-results.ts): the six delimiters and two line
 * endings both ways, gzip uploads, the multipart create, every operation, result files in their
 * exact form, results out of input order yet complete over internal batches, abort mid-way.
 */
import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { startTestOrg, type TestOrg } from '../helpers/local-org.js';
import { ingestCalls, type Json, wireV2Fixture } from '../helpers/ingest-v2-calls.js';

/** Rows of a result file, by header (the delimiter and line ending of the job). */
function rowsOf(text: string, delimiter = ',', lineEnding = '\n'): Array<Record<string, string>> {
  return parse(text, { columns: true, delimiter, record_delimiter: lineEnding }) as Array<Record<string, string>>;
}

describe('server/http/v2 ingest data and results', () => {
  let t: TestOrg;
  before(async () => {
    t = await startTestOrg({ schema: { objects: [{ name: 'Account', fields: [{ name: 'Ext__c', type: 'string', length: 20, externalId: true, unique: true }] }] } });
  });
  after(async () => {
    await t.close();
  });
  const v2 = ingestCalls(() => t);

  it('writes the result files as recorded: quoted sf__ columns, the header as uploaded, every value quoted', async () => {
    const csv = 'customExtIdField__c,name,NumberOfEmployees\n';
    // The docs' upsert sample, on a field of this org: the lowercase `name` header comes back as uploaded.
    const job = await v2.load(
      { object: 'Account', operation: 'upsert', externalIdFieldName: 'Ext__c' },
      `Ext__c,name,NumberOfEmployees\n123,GenePoint,800\n234,"United Oil & Gas, UK",1467\n`,
    );
    expect(job).to.include({ state: 'JobComplete', numberRecordsProcessed: 2, numberRecordsFailed: 0 });
    const text = (await v2.results(job.id as string, 'successfulResults/')).text;
    const recorded = wireV2Fixture('docs_ingest_successfulResults_upsert_v66.csv').split('\n');
    expect(text.split('\n')[0]).to.equal((recorded[0] as string).replace(csv.split(',')[0] as string, 'Ext__c'));
    const lines = text.trimEnd().split('\n').slice(1).sort();
    expect(lines).to.have.length(2);
    expect(lines[0]).to.match(/^"001[A-Za-z0-9]{15}","true","123","GenePoint","800"$/);
    expect(lines[1]).to.match(/^"001[A-Za-z0-9]{15}","true","234","United Oil & Gas, UK","1467"$/);
    // Same form as the recorded line of the docs' sample.
    expect(recorded[2]).to.match(/^"001[A-Za-z0-9]{15}","true","234","United Oil & Gas, UK","1467"$/);
    // Upserting again by the external id updates: sf__Created "false", the same ids.
    const again = await v2.load({ object: 'Account', operation: 'upsert', externalIdFieldName: 'Ext__c' }, 'Ext__c,Phone\n123,555\n');
    const updated = rowsOf((await v2.results(again.id as string, 'successfulResults')).text);
    expect(updated).to.have.length(1);
    expect(updated[0]).to.include({ sf__Created: 'false', Ext__c: '123', Phone: '555' });
    expect(text).to.contain(`"${updated[0]?.sf__Id}"`);
  });

  it('serves every row of a batch over 1 MB, read in windows, quoted line breaks, quotes and commas across their edges', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => [`Acct ${i}`, `line one, "${i}"\nline two ${'x'.repeat(200 + (i % 50))}\r\nend é`]);
    const csv = `Name,Description\n${rows.map(([n, d]) => `${n},"${(d as string).replaceAll('"', '""')}"\n`).join('')}`;
    expect(csv.length).to.be.greaterThan(1 << 20);
    const job = await v2.load({ object: 'Account', operation: 'insert' }, csv);
    expect(job).to.include({ state: 'JobComplete', numberRecordsProcessed: 5000, numberRecordsFailed: 0 });
    const served = rowsOf((await v2.results(job.id as string, 'successfulResults')).text);
    expect(served.map((r) => [r.Name, r.Description]).sort()).to.deep.equal(rows.slice().sort());
  });

  it('failedResults: sf__Error as CODE:message:fields --, sf__Id "" for a failed insert; no sf__Id before API 53', async () => {
    const job = await v2.load({ object: 'Account', operation: 'insert' }, 'Name,Phone\nGood,1\n,2\n');
    expect(job).to.include({ state: 'JobComplete', numberRecordsProcessed: 2, numberRecordsFailed: 1 });
    const failed = await v2.results(job.id as string, 'failedResults');
    expect(failed.headers['content-type']).to.equal('text/csv; charset=UTF-8');
    expect(failed.text).to.equal('"sf__Id","sf__Error",Name,Phone\n"","REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --","","2"\n');
    const v52 = ingestCalls(() => t, '52.0');
    expect((await v52.results(job.id as string, 'failedResults')).text).to.equal(
      '"sf__Error",Name,Phone\n"REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --","","2"\n',
    );
    expect(rowsOf((await v2.results(job.id as string, 'successfulResults')).text).map((r) => r.Name)).to.deep.equal(['Good']);
  });

  for (const [columnDelimiter, delimiter, lineEnding, eol] of [
    ['TAB', '\t', 'CRLF', '\r\n'],
    ['PIPE', '|', 'LF', '\n'],
    ['SEMICOLON', ';', 'CRLF', '\r\n'],
    ['BACKQUOTE', '`', 'LF', '\n'],
    ['CARET', '^', 'LF', '\n'],
  ] as const) {
    it(`reads and writes ${columnDelimiter} with ${lineEnding}, quoted values and line breaks inside quotes`, async () => {
      const csv =
        [
          ['Name', 'Description'],
          ['Acme', `"has ${delimiter} and ""quotes"""`],
          ['Multi', '"line one\nline two"'],
        ]
          .map((r) => r.join(delimiter))
          .join(eol) + eol;
      const job = await v2.load({ object: 'Account', operation: 'insert', columnDelimiter, lineEnding }, csv);
      expect(job).to.include({ state: 'JobComplete', numberRecordsProcessed: 2, numberRecordsFailed: 0, columnDelimiter, lineEnding });
      const text = (await v2.results(job.id as string, 'successfulResults')).text;
      expect(text.startsWith(`"sf__Id"${delimiter}"sf__Created"${delimiter}Name${delimiter}Description${eol}`)).to.equal(true);
      const rows = rowsOf(text, delimiter, eol);
      expect(rows.map((r) => [r.Name, r.Description]).sort()).to.deep.equal([
        ['Acme', `has ${delimiter} and "quotes"`],
        ['Multi', 'line one\nline two'],
      ]);
    });
  }

  it("fails the job when the line ending is not the job's, with Salesforce's message", async () => {
    const lf = await v2.load({ object: 'Account', operation: 'insert', lineEnding: 'LF' }, 'Name\r\nA\r\n');
    expect(lf).to.include({ state: 'Failed', errorMessage: 'ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is LF' });
    const crlf = await v2.load({ object: 'Account', operation: 'insert', lineEnding: 'CRLF' }, 'Name\nA\n');
    expect(crlf).to.include({ state: 'Failed', errorMessage: 'ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is CRLF' });
    const broken = await v2.load({ object: 'Account', operation: 'insert' }, 'Name,Phone\n"unterminated,1\n');
    expect(broken.state).to.equal('Failed');
    expect(broken.errorMessage).to.match(/^InvalidBatch : /);
  });

  it('takes a gzip upload (Content-Encoding: gzip)', async () => {
    const job = await v2.create({ object: 'Account', operation: 'insert' });
    const put = await v2.upload(job.id as string, gzipSync('Name\nZipped One\nZipped Two\n'), { 'content-encoding': 'gzip' });
    expect(put.status, put.text).to.equal(201);
    const done = await v2.closeAndWait(job.id as string);
    expect(done).to.include({ state: 'JobComplete', numberRecordsProcessed: 2 });
    // A gzip stream cut short is data that cannot be read: the job fails at UploadComplete.
    const broken = await v2.create({ object: 'Account', operation: 'insert' });
    const zipped = gzipSync(`Name\n${'Cut\n'.repeat(1000)}`);
    expect((await v2.upload(broken.id as string, zipped.subarray(0, zipped.length - 12), { 'content-encoding': 'gzip' })).status).to.equal(201);
    const failed = await v2.closeAndWait(broken.id as string);
    expect(failed.state).to.equal('Failed');
    expect(failed.errorMessage).to.match(/^ClientInputError : Failed to read the CSV data: /);
  });

  it('refuses an upload declared over 150,000,000 bytes before reading it', async () => {
    const job = await v2.create({ object: 'Account', operation: 'insert' });
    // The server answers before the (missing) body and closes the connection.
    const res = await v2.upload(job.id as string, 'Name\nA\n', { 'content-length': '150000001' });
    expect(res.status).to.equal(400);
    expect(res.headers.connection).to.equal('close');
    expect(JSON.parse(res.text)[0]).to.include({ errorCode: 'BULK_API_ERROR', message: "Exceeded max size limit of 150000000 bytes for the job's data" });
    const info = await v2.info(job.id as string);
    expect(info).to.not.have.property('numberRecordsProcessed');
    expect((await v2.upload(job.id as string, 'Name\nA\n')).status).to.equal(201);
  });

  it('multipart create (the docs sample): UploadComplete without contentUrl, processed without a PATCH', async () => {
    const sample = wireV2Fixture('docs_ingest_multipart_create_v66.txt');
    const body = sample.slice(sample.indexOf('--BOUNDARY'), sample.indexOf('--- response body ---')).trimEnd();
    const recorded = JSON.parse(sample.slice(sample.indexOf('{', sample.indexOf('--- response body ---')))) as Json;
    // The sample as it is (quoted boundary, LF), and with a bare boundary and CRLF throughout (node-sf-bulk2's form).
    for (const [contentType, text, lineEnding] of [
      ['multipart/form-data; boundary="BOUNDARY"', body, 'LF'],
      ['multipart/form-data; boundary=BOUNDARY', body.replace('"lineEnding" : "LF"', '"lineEnding" : "CRLF"').replaceAll('\n', '\r\n'), 'CRLF'],
    ] as const) {
      const res = await v2.call('POST', '', { body: text, headers: { 'content-type': contentType, accept: 'application/json' } });
      expect(res.status, res.text).to.equal(200);
      const job = JSON.parse(res.text) as Json;
      expect(Object.keys(job)).to.deep.equal(Object.keys(recorded));
      expect(job).to.include({ state: 'UploadComplete', object: 'Contact', operation: 'insert', lineEnding, columnDelimiter: 'COMMA' });
      await t.org.whenIdle();
      expect(await v2.info(job.id as string)).to.include({ state: 'JobComplete', numberRecordsProcessed: 4, numberRecordsFailed: 0 });
      const rows = rowsOf((await v2.results(job.id as string, 'successfulResults')).text, ',', lineEnding === 'LF' ? '\n' : '\r\n');
      const expected = rowsOf(wireV2Fixture('docs_ingest_successfulResults_multipart_v66.csv'));
      // The docs' rows with this org's ids: same columns, same values, in some order.
      const withoutIds = (list: Array<Record<string, string>>) => list.map((r) => JSON.stringify({ ...r, sf__Id: '' })).sort();
      expect(withoutIds(rows)).to.deep.equal(withoutIds(expected));
    }
    const big = `--B\r\nContent-Disposition: form-data; name="job"\r\n\r\n{"object":"Account","operation":"insert"}\r\n--B\r\nContent-Disposition: form-data; name="content"\r\n\r\nName\r\n${'x'.repeat(100_001)}\r\n--B--`;
    const refused = await v2.call('POST', '', { body: big, headers: { 'content-type': 'multipart/form-data; boundary=B' } });
    expect(refused.status).to.equal(400);
  });

  it('update, delete and hardDelete by Id: sf__Created "false", the records gone', async () => {
    const inserted = await v2.load({ object: 'Account', operation: 'insert' }, 'Name\nOne\nTwo\nThree\n');
    const ids = rowsOf((await v2.results(inserted.id as string, 'successfulResults')).text).map((r) => r.sf__Id as string);
    const updated = await v2.load({ object: 'Account', operation: 'update' }, `Id,Phone\n${ids.map((id) => `${id},42`).join('\n')}\n`);
    expect(updated).to.include({ state: 'JobComplete', numberRecordsProcessed: 3, numberRecordsFailed: 0 });
    const deleted = await v2.load({ object: 'Account', operation: 'delete' }, `Id\n${ids[0]}\n`);
    const hard = await v2.load({ object: 'Account', operation: 'hardDelete' }, `Id\n${ids[1]}\n${ids[2]}\n`);
    for (const job of [deleted, hard]) {
      expect(job).to.include({ state: 'JobComplete', numberRecordsFailed: 0 });
      for (const row of rowsOf((await v2.results(job.id as string, 'successfulResults')).text)) expect(row.sf__Created).to.equal('false');
    }
    // Deleting them again fails each row.
    const again = await v2.load({ object: 'Account', operation: 'delete' }, `Id\n${ids[0]}\n`);
    expect(again).to.include({ numberRecordsFailed: 1 });
  });

  it('wide records: internal batches are cut under the 10,000,000 characters a batch may hold, and none fails', async () => {
    const wide = 'w'.repeat(30_000);
    const job = await v2.load({ object: 'Account', operation: 'insert' }, `Name,Description\n${Array.from({ length: 400 }, (_, i) => `Wide ${i},${wide}`).join('\n')}\n`);
    expect(job).to.include({ state: 'JobComplete', numberRecordsProcessed: 400, numberRecordsFailed: 0 });
  });

  it('25,000 rows: three internal batches, results complete and exactly once, but not in input order', async () => {
    const n = 25_000;
    const csv = `Name,AccountNumber\n${Array.from({ length: n }, (_, i) => `Row ${i},${i}`).join('\n')}\n`;
    const job = await v2.load({ object: 'Account', operation: 'insert' }, csv);
    expect(job).to.include({ state: 'JobComplete', numberRecordsProcessed: n, numberRecordsFailed: 0 });
    const rows = rowsOf((await v2.results(job.id as string, 'successfulResults')).text);
    const order = rows.map((r) => Number(r.AccountNumber));
    expect(order).to.have.length(n);
    expect(new Set(order).size).to.equal(n);
    expect([...order].sort((a, b) => a - b)).to.deep.equal(Array.from({ length: n }, (_, i) => i));
    // Last internal batch first, and within each a shuffled order.
    expect(order[0]).to.be.at.least(20_000);
    const inOrder = order.filter((v, i) => i > 0 && v === (order[i - 1] as number) + 1).length;
    expect(inOrder).to.be.below(n / 100);
    expect(new Set(rows.map((r) => r.sf__Id)).size).to.equal(n);
    expect((await v2.results(job.id as string, 'unprocessedRecords')).text).to.equal('Name,AccountNumber\n');
  });
});

describe('server/http/v2 ingest abort mid-way', () => {
  let t: TestOrg;
  before(async () => {
    // One batch at a time, each held InProgress a while: an abort finds batches still queued.
    t = await startTestOrg({ parallelism: 1, faults: { holdInProgressMs: 400 } });
  });
  after(async () => {
    await t.close();
  });
  const v2 = ingestCalls(() => t);

  it('abort: queued internal batches are not processed, their rows are the unprocessed records', async () => {
    const n = 25_000;
    const job = await v2.create({ object: 'Account', operation: 'insert' });
    const id = job.id as string;
    expect((await v2.upload(id, `Name\n${Array.from({ length: n }, (_, i) => `R${i}`).join('\n')}\n`)).status).to.equal(201);
    expect((await v2.patch(id, 'UploadComplete')).status).to.equal(200);
    let info: Json = {};
    for (let i = 0; i < 200 && info.state !== 'InProgress'; i++) info = await v2.info(id);
    expect(info.state).to.equal('InProgress');
    const aborted = await v2.patch(id, 'Aborted');
    expect(aborted.status, aborted.text).to.equal(200);
    await t.org.whenIdle();
    const done = await v2.info(id);
    expect(done.state).to.equal('Aborted');
    const succeeded = rowsOf((await v2.results(id, 'successfulResults')).text).map((r) => r.Name as string);
    const unprocessed = rowsOf((await v2.results(id, 'unprocessedrecords')).text).map((r) => r.Name as string);
    expect(unprocessed.length).to.be.at.least(5_000);
    expect(succeeded.length + unprocessed.length).to.equal(n);
    expect(new Set([...succeeded, ...unprocessed]).size).to.equal(n);
    expect(done.numberRecordsProcessed).to.equal(succeeded.length);
    expect((await v2.call('DELETE', `/${id}`)).status).to.equal(204);
  });

  it('abort while the data streams in: the upload is refused, and nothing of it stays (no row in any result file)', async () => {
    const job = await v2.create({ object: 'Account', operation: 'insert' });
    const id = job.id as string;
    const rows = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `S${from + i}\n`).join('');
    const url = new URL(`${t.org.instanceUrl}/services/data/v62.0/jobs/ingest/${id}/batches`);
    const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(url, { method: 'PUT', headers: { authorization: `Bearer ${t.session}`, 'content-type': 'text/csv' } }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => {
          text += c.toString('utf8');
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      // Once the first part is on its way (written to the connection), UploadComplete is refused while
      // the body streams in (the PUT is not answered); then abort, then send the rest.
      req.write(`Name\n${rows(0, 15_000)}`, () =>
        (async () => {
          const patch = await v2.patch(id, 'UploadComplete');
          expect(patch.status).to.equal(400);
          expect(JSON.parse(patch.text)[0]).to.include({
            errorCode: 'INVALIDJOBSTATE',
            message: "InvalidJobState : The job's data is still being uploaded: set UploadComplete once its PUT has been answered",
          });
          expect((await v2.patch(id, 'Aborted')).status).to.equal(200);
          req.end(rows(15_000, 25_000));
        })().catch(reject),
      );
    });
    const res = await answer;
    expect(res.status).to.equal(400);
    expect(JSON.parse(res.text)[0]).to.include({ errorCode: 'INVALIDJOBSTATE' });
    await t.org.whenIdle();
    const info = await v2.info(id);
    expect(info.state).to.equal('Aborted');
    expect(info.numberRecordsProcessed ?? 0).to.equal(0);
    for (const kind of ['successfulResults', 'failedResults', 'unprocessedrecords']) expect((await v2.results(id, kind)).text).to.equal('');
  });
});
