/** Binary attachments (ZIP_CSV, ZIP_XML, ZIP_JSON jobs) through the local org: bytes round-trip exact, limits and bad references refused as the wire reference says (ARCHITECTURE.md). */
import { expect } from 'chai';
import { ZipFile } from 'yazl';
import type { ContentType } from '../../lib/types.js';
import { insertAccount, useTestOrg } from '../helpers/local-org.js';
import { raw } from '../helpers/raw-http.js';
import { storedZip } from '../helpers/stored-zip.js';

/** A zip of the given files (name -> bytes), built in memory. */
async function zipOf(files: Record<string, Buffer | string>): Promise<Buffer> {
  const zip = new ZipFile();
  for (const [name, bytes] of Object.entries(files)) zip.addBuffer(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes), name);
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Every byte value, `repeat` times over. */
const allBytes = (repeat: number) => Buffer.from(Array.from({ length: 256 * repeat }, (_, i) => i % 256));

describe('server: binary attachments (zip batches)', function () {
  this.timeout(60_000);
  const t = useTestOrg();
  let parentId = '';

  before(async () => {
    parentId = await insertAccount(t.org);
  });

  async function load(contentType: ContentType, zip: Buffer, object = 'Attachment') {
    const { client } = t.org;
    const job = await client.createJob({ object, operation: 'insert', contentType });
    const batch = await client.addBatch(job.id, zip, { contentType });
    await client.closeJob(job.id);
    await t.org.org.whenIdle();
    const info = await client.getBatch(job.id, batch.id);
    const results = [];
    if (info.state === 'Completed') for await (const r of client.batchResults(job.id, batch.id)) results.push(r);
    return { job, batch, info, results };
  }

  async function body(object: string, id: string, field: string): Promise<{ status: number; bytes: Buffer }> {
    const res = await fetch(`${t.org.client.instanceUrl}/services/data/v62.0/sobjects/${object}/${id}/${field}`, { headers: { authorization: `Bearer ${t.org.session}` } });
    return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()) };
  }

  it('ZIP_CSV: files at the root and in folders round-trip byte for byte; a missing file or a reference without # fails that record', async () => {
    const big = allBytes(4000); // 1 MB of every byte value
    const small = Buffer.from([0, 255, 10, 13, 0x22, 0x2c]);
    const manifest = `Name,ParentId,Body,ContentType\nbig.bin,${parentId},#big.bin,application/octet-stream\nsmall,${parentId},#sub/dir/small.bin,application/octet-stream\nmissing,${parentId},#nope.bin,x\nno hash,${parentId},big.bin,x\n`;
    const { info, results } = await load('ZIP_CSV', await zipOf({ 'request.txt': manifest, 'big.bin': big, 'sub/dir/small.bin': small }));
    expect(info.state, info.stateMessage).to.equal('Completed');
    expect(results.map((r) => r.success)).to.deep.equal([true, true, false, false]);
    expect(results[2]?.errors[0]).to.include({ statusCode: 'INVALID_FIELD' });
    expect(results[3]?.errors[0]).to.include({ statusCode: 'INVALID_FIELD' });
    for (const [i, expected] of [big, small].entries()) {
      const got = await body('Attachment', results[i]?.id as string, 'Body');
      expect(got.status).to.equal(200);
      expect(got.bytes.equals(expected), `attachment ${i}`).to.equal(true);
    }
    // BodyLength is the org's to set, from the bytes.
    const query = await t.org.client.createJob({ object: 'Attachment', operation: 'query', contentType: 'CSV' });
    const q = await t.org.client.addBatch(query.id, `SELECT BodyLength FROM Attachment WHERE Id = '${results[0]?.id as string}'`);
    await t.org.org.whenIdle();
    const [resultId] = await t.org.client.listQueryResultIds(query.id, q.id);
    const { body: stream } = await t.org.client.getQueryResult(query.id, q.id, resultId as string);
    let text = '';
    for await (const chunk of stream) text += String(chunk);
    expect(text.trim().split('\n')[1]).to.equal(`"${big.length}"`);
    expect((await body('Attachment', '00P000000000000AAA', 'Body')).status).to.equal(404);
  });

  it('ZIP_XML and ZIP_JSON manifests, and ContentVersion and Document', async () => {
    const data = allBytes(3);
    const xml = `<?xml version="1.0" encoding="UTF-8"?><sObjects xmlns="http://www.force.com/2009/06/asyncapi/dataload"><sObject><Title>Spec</Title><PathOnClient>spec.pdf</PathOnClient><VersionData>#spec.pdf</VersionData></sObject></sObjects>`;
    const x = await load('ZIP_XML', await zipOf({ 'request.txt': xml, 'spec.pdf': data }), 'ContentVersion');
    expect(x.info.state, x.info.stateMessage).to.equal('Completed');
    expect((await body('ContentVersion', x.results[0]?.id as string, 'VersionData')).bytes.equals(data)).to.equal(true);
    const json = JSON.stringify([{ Name: 'logo', FolderId: parentId, Body: '#img/logo.png', Type: 'png' }]);
    const j = await load('ZIP_JSON', await zipOf({ 'request.txt': json, 'img/logo.png': data.subarray(0, 100) }), 'Document');
    expect(j.info.state, j.info.stateMessage).to.equal('Completed');
    expect((await body('Document', j.results[0]?.id as string, 'Body')).bytes.equals(data.subarray(0, 100))).to.equal(true);
  });

  it('fails the batch with InvalidBatch for a zip without request.txt, with too many files, or too large unpacked; not a zip at all', async () => {
    const cases: Array<[string, Buffer]> = [
      ['no request.txt', await zipOf({ 'a.bin': 'x' })],
      ['1,001 files', await zipOf({ 'request.txt': 'Name,ParentId,Body\n', ...Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`f${i}`, 'x'])) })],
      ['over 20 MB unpacked', await zipOf({ 'request.txt': `Name,ParentId,Body\nz,${parentId},#zeros\n`, zeros: Buffer.alloc(21_000_000) })],
      ['not a zip', Buffer.from('Name,ParentId,Body\n')],
    ];
    for (const [name, zip] of cases) {
      const { info } = await load('ZIP_CSV', zip);
      expect(info.state, name).to.equal('Failed');
      expect(info.stateMessage, name).to.match(/^InvalidBatch : /);
    }
  });

  it('returns the uploaded zip unchanged as the batch request, refuses a zip job batch of another Content-Type, and binary fields in a query', async () => {
    const zip = await zipOf({ 'request.txt': `Name,ParentId,Body\nr,${parentId},#r.bin\n`, 'r.bin': allBytes(1) });
    const { job, batch } = await load('ZIP_CSV', zip);
    const res = await fetch(`${t.org.client.instanceUrl}/services/async/62.0/job/${job.id}/batch/${batch.id}/request`, { headers: { 'x-sfdc-session': t.org.session } });
    expect(res.headers.get('content-type')).to.match(/^zip\/csv/);
    expect(Buffer.from(await res.arrayBuffer()).equals(zip)).to.equal(true);

    const open = await t.org.client.createJob({ object: 'Attachment', operation: 'insert', contentType: 'ZIP_CSV' });
    const wrong = await fetch(`${t.org.client.instanceUrl}/services/async/62.0/job/${open.id}/batch`, {
      method: 'POST',
      headers: { 'x-sfdc-session': t.org.session, 'content-type': 'text/csv' },
      body: 'Name\nx\n',
    });
    expect(wrong.status).to.equal(400);
    expect(await wrong.text()).to.include('InvalidBatch');
    await t.org.client.closeJob(open.id);

    const query = await t.org.client.createJob({ object: 'Attachment', operation: 'query', contentType: 'CSV' });
    const q = await t.org.client.addBatch(query.id, 'SELECT Id, Body FROM Attachment');
    await t.org.org.whenIdle();
    const info = await t.org.client.getBatch(query.id, q.id);
    expect(info.state).to.equal('Failed');
    expect(info.stateMessage).to.include('FUNCTIONALITY_NOT_ENABLED');
  });

  it('on the wire: a hand-built zip posted as zip/csv to a ZIP_CSV job, the results read back as CSV', async () => {
    const base = `${t.org.client.instanceUrl}/services/async/62.0`;
    const session = { 'x-sfdc-session': t.org.session };
    const job = await raw(`${base}/job`, {
      method: 'POST',
      headers: { ...session, 'content-type': 'application/xml; charset=UTF-8' },
      body: '<?xml version="1.0" encoding="UTF-8"?><jobInfo xmlns="http://www.force.com/2009/06/asyncapi/dataload"><operation>insert</operation><object>Attachment</object><contentType>ZIP_CSV</contentType></jobInfo>',
    });
    expect(job.status, job.text).to.equal(201);
    expect(job.text).to.include('<contentType>ZIP_CSV</contentType>');
    const jobId = /<id>([^<]+)<\/id>/.exec(job.text)?.[1] as string;
    const bytes = allBytes(2);
    const zip = storedZip([
      ['request.txt', Buffer.from(`Name,ParentId,Body\nwire.bin,${parentId},#files/wire.bin\n`)],
      ['files/wire.bin', bytes],
    ]);
    const batch = await raw(`${base}/job/${jobId}/batch`, { method: 'POST', headers: { ...session, 'content-type': 'zip/csv' }, body: zip });
    expect(batch.status, batch.text).to.equal(201);
    const batchId = /<id>([^<]+)<\/id>/.exec(batch.text)?.[1] as string;
    await t.org.org.whenIdle();
    const result = await raw(`${base}/job/${jobId}/batch/${batchId}/result`, { headers: session });
    expect(result.status).to.equal(200);
    const [header, row] = result.text.trim().split('\n');
    expect(header).to.equal('"Id","Success","Created","Error"');
    const id = /^"([^"]+)","true","true",""$/.exec(row as string)?.[1];
    expect(id, row).to.match(/^00P/);
    expect((await body('Attachment', id as string, 'Body')).bytes.equals(bytes)).to.equal(true);
  });
});
