/**
 * Issue 15, end to end through the built CLI: `bulkpipe load Attachment manifest.csv --attachments
 * DIR` loads files as zip batches; killed (SIGKILL) mid-upload with a zip batch made but its answer
 * lost, or mid-join, `load --resume` finishes it with every row once in the outputs, every
 * attachment once in the org (no zip uploaded twice), and the bytes back exact through REST.
 */
import { expect } from 'chai';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { runCli, startCli, type CliRun } from '../helpers/cli.js';
import { FaultProxy, RESULT, UPLOAD, type ProxiedRequest } from '../helpers/fault-proxy.js';
import { insertAccount, useTestOrg } from '../helpers/local-org.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { queryRows } from '../helpers/org-query.js';

type Row = Record<string, string>;
const csvRows = (text: string) => parse(text, { columns: true }) as Row[];
const ROWS = 60;
/** Every 13th record names a file that is not there: rejected before upload. */
const missing = (row: number) => row % 13 === 0;
/** The bytes of row n's file: every byte value, more of them for later rows (up to 150 KB). */
const bytesOf = (row: number) => Buffer.from(Array.from({ length: 256 * (row * 10) }, (_, i) => (i + row) % 256));

describe('regressions/issue-15: attachment loads through the CLI, killed and resumed', function () {
  this.timeout(120_000);
  const t = useTestOrg();
  const tmp = useTempDir('bulkpipe-issue15-');
  let proxy: FaultProxy;
  let prefix = '';
  let serial = 0;
  let parentId = '';

  before(async () => {
    parentId = await insertAccount(t.org, 'I15 parent');
  });
  beforeEach(async () => {
    proxy = await new FaultProxy(t.org.org.instanceUrl).start();
    prefix = `I15-${++serial}-`;
    await mkdir(join(tmp.path, 'files', 'sub'), { recursive: true });
    const lines: string[] = [];
    for (let row = 1; row <= ROWS; row++) {
      const name = `sub/${row}.bin`;
      if (!missing(row)) await writeFile(join(tmp.path, 'files', name), bytesOf(row));
      lines.push(`${prefix}${row},${parentId},${row % 2 ? '#' : ''}${name}`);
    }
    await writeFile(join(tmp.path, 'manifest.csv'), `Name,ParentId,Body\n${lines.join('\n')}\n`);
  });
  afterEach(async () => {
    await proxy.close();
  });

  const env = () => ({ BULKPIPE_HOME: join(tmp.path, 'home') });
  const connection = () => ['--instance-url', proxy.url, '--access-token', t.org.session, '--poll-interval', '20'];
  const loadArgs = () => [
    'load',
    'Attachment',
    'manifest.csv',
    '--attachments',
    'files',
    '--batch-size',
    '8',
    '--success',
    'ok.csv',
    '--errors',
    'bad.csv',
    '--quiet',
    ...connection(),
  ];
  const cli = (args: string[]): Promise<CliRun> => runCli(args, { cwd: tmp.path, env: env() });

  async function killWhenHeld(test: (r: ProxiedRequest) => boolean): Promise<void> {
    proxy.rule = (r) => (test(r) ? 'hold' : 'pass');
    const child = startCli(loadArgs(), { cwd: tmp.path, env: env() });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
    await Promise.race([proxy.whenHeld(test), exited.then(() => Promise.reject(new Error(`the CLI exited before the fault: ${stderr}`)))]);
    child.kill('SIGKILL');
    await exited;
    proxy.rule = () => 'pass';
    proxy.releaseHeld();
  }

  const orgAttachments = () => queryRows(t.org.client, `SELECT Id, Name, BodyLength FROM Attachment WHERE Name LIKE '${prefix}%'`);

  /** Every row once in the outputs, each attachment once in the org with its bytes, the missing files rejected with their line, no ledger left. */
  async function expectExactlyOnce(): Promise<void> {
    const ok = csvRows(await readFile(join(tmp.path, 'ok.csv'), 'utf8'));
    const failed = csvRows(await readFile(join(tmp.path, 'bad.csv'), 'utf8'));
    const all = Array.from({ length: ROWS }, (_, i) => i + 1);
    expect([...ok, ...failed].map((r) => Number(r.sf__Row)).sort((a, b) => a - b)).to.deep.equal(all);
    expect(failed.map((r) => Number(r.sf__Row))).to.deep.equal(all.filter(missing));
    for (const r of failed) expect(r.sf__Error).to.contain(`which does not exist (manifest.csv, line ${Number(r.sf__Row) + 1}, record ${r.sf__Row}, field Body)`);
    const inOrg = await orgAttachments();
    expect(inOrg.length, 'attachments in the org').to.equal(ok.length);
    expect(new Set(inOrg.map((r) => r.Name)).size, 'no attachment twice').to.equal(inOrg.length);
    for (const r of inOrg) expect(Number(r.BodyLength), r.Name).to.equal(bytesOf(Number(r.Name?.slice(prefix.length))).length);
    for (const r of ok.filter((o) => Number(o.sf__Row) % 11 === 1)) {
      const res = await fetch(`${t.org.org.instanceUrl}/services/data/v62.0/sobjects/Attachment/${r.sf__Id}/Body`, { headers: { authorization: `Bearer ${t.org.session}` } });
      expect(Buffer.from(await res.arrayBuffer()).equals(bytesOf(Number(r.sf__Row))), `row ${r.sf__Row}`).to.equal(true);
    }
    expect(await readdir(join(tmp.path, 'home', 'runs')).catch(() => [])).to.deep.equal([]);
  }

  it('loads a manifest and its folder as zip batches (ZIP_CSV), the missing files rejected before upload', async () => {
    const result = await cli([...loadArgs(), '--json']);
    expect(result.code, result.stderr).to.equal(3);
    const summary = JSON.parse(result.stdout) as { batches: number; recordsSucceeded: number; recordsFailed: number; jobId: string };
    expect(summary).to.include({ recordsSucceeded: ROWS - 4, recordsFailed: 4 });
    expect(summary.batches).to.equal(Math.ceil((ROWS - 4) / 8));
    expect((await t.org.client.getJob(summary.jobId)).contentType).to.equal('ZIP_CSV');
    await expectExactlyOnce();
  });

  it('killed mid-upload (a zip batch made, its answer lost): the resume finds that batch by its zip and uploads only the rest', async () => {
    await killWhenHeld((r) => UPLOAD(r) && r.n === 3);
    const result = await cli(['load', '--resume', ...connection()]);
    expect(result.code, result.stderr).to.equal(3);
    await expectExactlyOnce();
  });

  it('killed mid-join: the resume joins the zip batches from their spooled manifests', async () => {
    await killWhenHeld((r) => RESULT(r) && r.n === 3);
    const result = await cli(['load', '--resume', ...connection()]);
    expect(result.code, result.stderr).to.equal(3);
    await expectExactlyOnce();
  });
});
