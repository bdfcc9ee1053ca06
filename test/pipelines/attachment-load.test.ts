/** bulkLoad with `attachments` end to end through the local org: zip batches built from a folder, every record in exactly one output, the bytes back exact through REST. */
import { expect } from 'chai';
import { chmod, mkdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { bulkLoad, type BulkLoadOptions, type LoadBatchEvent } from '../../pipelines/bulk-load.js';
import type { InputFormat } from '../../transforms/record-parser.js';
import { readZipBatch } from '../../server/processing/zip-batch.js';
import { rejection } from '../helpers/fixtures.js';
import { insertAccount, startTestOrg, type TestOrg } from '../helpers/local-org.js';
import { useTempDir } from '../helpers/temp-dir.js';

/** A zip batch as the org reads it. */
async function unzip(body: AsyncIterable<unknown>) {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk as Uint8Array));
  return readZipBatch(Buffer.concat(chunks));
}

/** Every byte value, `repeat` times over. */
const allBytes = (repeat: number) => Buffer.from(Array.from({ length: 256 * repeat }, (_, i) => i % 256));

describe('pipelines/bulk-load with attachments (end to end)', function () {
  this.timeout(120_000);
  let t: TestOrg;
  let parentId = '';
  const tmp = useTempDir('bulkpipe-attach-');
  before(async () => {
    t = await startTestOrg({ schema: { objects: [{ name: 'ContentVersion', fields: [{ name: 'Ext_Id__c', type: 'string', length: 20, externalId: true, unique: true }] }] } });
    parentId = await insertAccount(t);
  });
  after(async () => {
    await t.close();
  });

  /** Writes the files (relative path -> bytes) under `<tmp>/files`. */
  async function files(entries: Record<string, Buffer | string>): Promise<string> {
    const dir = join(tmp.path, 'files');
    for (const [name, bytes] of Object.entries(entries)) {
      await mkdir(join(dir, name, '..'), { recursive: true });
      await writeFile(join(dir, name), bytes);
    }
    await mkdir(dir, { recursive: true });
    return dir;
  }

  async function load(name: string, text: string, options: Partial<BulkLoadOptions> & Pick<BulkLoadOptions, 'object'>) {
    const input = join(tmp.path, name);
    await writeFile(input, text);
    const successPath = join(tmp.path, `${name}.ok.csv`);
    const errorPath = join(tmp.path, `${name}.err.csv`);
    const format = (options.format ?? name.split('.').pop()) as InputFormat;
    const events: LoadBatchEvent[] = [];
    const summary = await bulkLoad({
      client: t.client,
      input,
      format,
      successPath,
      errorPath,
      operation: 'insert',
      attachments: join(tmp.path, 'files'),
      minPollIntervalMs: 20,
      maxPollIntervalMs: 100,
      spoolDir: join(tmp.path, 'spool'),
      onBatch: (e) => events.push(e),
      ...options,
    });
    const ok = parse(await readFile(successPath), { columns: true }) as Array<Record<string, string>>;
    const failed = parse(await readFile(errorPath), { columns: true }) as Array<Record<string, string>>;
    return { summary, ok, failed, cut: events.flatMap((e) => (e.stage === 'cut' ? [e.batch] : [])), submitted: events.flatMap((e) => (e.stage === 'submitted' ? [e.batch] : [])) };
  }

  async function body(object: string, id: string, field: string): Promise<Buffer> {
    const res = await fetch(`${t.client.instanceUrl}/services/data/v62.0/sobjects/${object}/${id}/${field}`, { headers: { authorization: `Bearer ${t.session}` } });
    expect(res.status, `${object} ${id} ${field}`).to.equal(200);
    return Buffer.from(await res.arrayBuffer());
  }

  it('inserts Attachments from a CSV manifest: files of every byte value, at the root and in folders, with or without #, round-trip exact', async () => {
    const content = { 'big.bin': allBytes(8000), 'photos/a.png': allBytes(3), 'docs/deep/notes.txt': 'plain text\r\n,"quoted"\n', 'one.bin': Buffer.from([0]) };
    await files(content);
    const manifest = [
      'Name,ParentId,Body,ContentType',
      ...Object.keys(content).map((f, i) => `${f},${parentId},${i % 2 ? '#' : ''}${f},application/octet-stream`),
      `again,${parentId},./big.bin,x`,
    ].join('\n');
    const { summary, ok, failed, cut, submitted } = await load('attachments.csv', `${manifest}\n`, { object: 'Attachment' });
    expect(failed).to.deep.equal([]);
    expect(summary).to.include({ recordsRead: 5, recordsSucceeded: 5, recordsFailed: 0, batches: 1 });
    // The zip as the org keeps it: the manifest and each file once, though two records name big.bin.
    const { body: request } = await t.client.getBatchRequest(summary.jobId as string, submitted[0]?.batchId as string);
    const zip = await unzip(request);
    expect([...zip.files.keys()].sort()).to.deep.equal(['big.bin', 'docs/deep/notes.txt', 'one.bin', 'photos/a.png']);
    expect(zip.manifest).to.match(/^Name,ParentId,Body,ContentType\n/);
    expect(ok[4]?.Body).to.equal('#big.bin');
    expect(cut[0]).to.include({ contentType: 'ZIP_CSV' });
    expect((await t.client.getJob(summary.jobId as string)).contentType).to.equal('ZIP_CSV');
    for (const [i, bytes] of Object.values(content).entries()) {
      expect(ok[i]?.Body).to.equal(`#${Object.keys(content)[i]}`); // the manifest names the file as the org read it
      expect((await body('Attachment', ok[i]?.sf__Id as string, 'Body')).equals(Buffer.from(bytes)), Object.keys(content)[i]).to.equal(true);
    }
  });

  it('rejects, before upload, each record whose file is missing, a folder, unreadable, outside the folder or too large, naming the file, line, record and field', async () => {
    await files({ 'good.bin': allBytes(1), 'locked.bin': 'secret', 'dir/x': 'x' });
    const dir = join(tmp.path, 'files');
    await truncate(join(dir, 'huge.bin'), 10_000_001).catch(async () => {
      await writeFile(join(dir, 'huge.bin'), '');
      await truncate(join(dir, 'huge.bin'), 10_000_001);
    });
    await chmod(join(dir, 'locked.bin'), 0o000);
    const root = process.getuid?.() === 0; // root reads any file
    const rows = ['good.bin', 'missing.bin', 'dir', '../escape.bin', 'huge.bin', 'locked.bin', '#', '/etc/passwd'];
    const manifest = ['Name,ParentId,Body', ...rows.map((f) => `"${f}",${parentId},"${f}"`)].join('\n');
    const { summary, ok, failed } = await load('bad.csv', `${manifest}\n`, { object: 'Attachment' });
    expect(ok.map((r) => r.Name)).to.deep.equal(root ? ['good.bin', 'locked.bin'] : ['good.bin']);
    const reasons = Object.fromEntries(failed.map((r) => [r.Name, r.sf__Error as string]));
    expect(reasons['missing.bin']).to.match(/^BULKPIPE_ATTACHMENT:.*missing\.bin, which does not exist \(.*bad\.csv, line 3, record 2, field Body\):Body --$/);
    expect(reasons.dir).to.include('which is not a file');
    expect(reasons['../escape.bin']).to.include('outside the attachments folder');
    expect(reasons['huge.bin']).to.include('10000001 bytes: more than a zip batch can hold');
    if (!root) expect(reasons['locked.bin']).to.include('cannot be read (EACCES)');
    expect(reasons['#']).to.include('names no file');
    expect(reasons['/etc/passwd']).to.include('absolute path');
    expect(summary.recordsRead).to.equal(rows.length);
    expect(summary.recordsSucceeded + summary.recordsFailed).to.equal(rows.length);
    await chmod(join(dir, 'locked.bin'), 0o600);
  });

  it('cuts zip batches by file count and by zip size; every record is accounted for exactly once across them', async () => {
    // 1,003 one-byte files (a zip holds 1,000 besides the manifest), then five of 3 MB (three fit in 10 MB), one file named by two records.
    const entries: Record<string, Buffer> = {};
    for (let i = 0; i < 1003; i++) entries[`small/${i}.txt`] = Buffer.from([i % 256]);
    for (let i = 0; i < 5; i++) entries[`large/${i}.bin`] = Buffer.alloc(3_000_000, i);
    await files(entries);
    const names = [...Object.keys(entries), 'small/7.txt', 'nope.txt'];
    const manifest = ['Name,ParentId,Body', ...names.map((f) => `${f},${parentId},#${f}`)].join('\n');
    const { summary, ok, failed, cut } = await load('many.csv', `${manifest}\n`, { object: 'Attachment' });
    expect(cut.map((b) => b.records)).to.deep.equal([1000, 6, 3]); // 1,000 files; 3 small and 3 large (9 MB); 2 large and small/7.txt again
    expect(cut.every((b) => b.bytes <= 10_000_000)).to.equal(true);
    expect(failed.map((r) => [r.sf__Row, r.Name])).to.deep.equal([[String(names.length), 'nope.txt']]);
    expect(ok.map((r) => Number(r.sf__Row))).to.deep.equal(names.slice(0, -1).map((_, i) => i + 1));
    expect(new Set(ok.map((r) => r.sf__Id)).size).to.equal(names.length - 1);
    expect(summary).to.include({ recordsRead: names.length, recordsSucceeded: names.length - 1, recordsFailed: 1, batches: 3 });
    expect((await body('Attachment', ok[1005]?.sf__Id as string, 'Body')).equals(entries['large/2.bin'] as Buffer)).to.equal(true);
    expect((await body('Attachment', ok[1008]?.sf__Id as string, 'Body')).equals(entries['small/7.txt'] as Buffer)).to.equal(true);
  });

  it('an XML manifest (ZIP_XML) and a JSON one (ZIP_JSON): ContentVersion and Document', async () => {
    const data = allBytes(5);
    await files({ 'spec.pdf': data, 'logo.png': allBytes(2) });
    const xml = `<sObjects><sObject><Title>Spec</Title><PathOnClient>spec.pdf</PathOnClient><VersionData>spec.pdf</VersionData></sObject></sObjects>`;
    const x = await load('versions.xml', xml, { object: 'ContentVersion', contentType: 'XML' });
    expect(x.cut[0]).to.include({ contentType: 'ZIP_XML' });
    expect(x.failed).to.deep.equal([]);
    expect((await body('ContentVersion', x.ok[0]?.sf__Id as string, 'VersionData')).equals(data)).to.equal(true);
    const ndjson = `${JSON.stringify({ Name: 'Logo', FolderId: parentId, Body: '#logo.png', ContentType: 'image/png' })}\n`;
    const j = await load('docs.ndjson', ndjson, { object: 'Document', contentType: 'JSON' });
    expect(j.cut[0]).to.include({ contentType: 'ZIP_JSON' });
    expect(j.failed).to.deep.equal([]);
    expect((await body('Document', j.ok[0]?.sf__Id as string, 'Body')).equals(allBytes(2))).to.equal(true);
  });

  it('updates and upserts with new files', async () => {
    await files({ 'v1.bin': allBytes(1), 'v2.bin': allBytes(2), 'v3.bin': allBytes(3) });
    const first = await load('insert.csv', `Name,ParentId,Body\nA,${parentId},v1.bin\n`, { object: 'Attachment' });
    const id = first.ok[0]?.sf__Id as string;
    const updated = await load('update.csv', `Id,Body\n${id},v2.bin\n`, { object: 'Attachment', operation: 'update' });
    expect(updated.failed).to.deep.equal([]);
    expect((await body('Attachment', id, 'Body')).equals(allBytes(2))).to.equal(true);
    const upsert = `Ext_Id__c,Title,PathOnClient,VersionData\nE1,One,v1.bin,v1.bin\n`;
    const created = await load('upsert1.csv', upsert, { object: 'ContentVersion', operation: 'upsert', externalIdField: 'Ext_Id__c' });
    expect(created.ok[0]?.sf__Created).to.equal('true');
    const again = await load('upsert2.csv', upsert.replace(/v1\.bin,v1\.bin/, 'v1.bin,v3.bin'), { object: 'ContentVersion', operation: 'upsert', externalIdField: 'Ext_Id__c' });
    expect(again.ok[0]).to.include({ sf__Created: 'false', sf__Id: created.ok[0]?.sf__Id });
    expect((await body('ContentVersion', created.ok[0]?.sf__Id as string, 'VersionData')).equals(allBytes(3))).to.equal(true);
  });

  it('refuses attachments for an object without a binary field, for columns that name none, and for a delete', async () => {
    await files({ 'a.bin': 'a' });
    const account = await rejection(load('accounts.csv', 'Name\nX\n', { object: 'Account' }));
    expect(account).to.include({ code: 'BULK_INVALID_OPTION' });
    expect((account as Error).message).to.include('Account has none');
    const noBody = await rejection(load('nobody.csv', `Name,ParentId\nX,${parentId}\n`, { object: 'Attachment' }));
    expect((noBody as Error).message).to.include('binary field of Attachment (Body)');
    const del = await rejection(load('del.csv', 'Id\n00P000000000001AAA\n', { object: 'Attachment', operation: 'delete' }));
    expect(del).to.include({ code: 'BULK_INVALID_OPTION' });
  });
});
