/**
 * Binary attachments through the local org (its own process), in one run:
 *  - raw read: the files read from disk, the floor of any load of them;
 *  - wire only: zip batches made in memory beforehand (stored, as small as they get) and uploaded
 *    4 at a time with the client, until every batch is done: the org's side of the cost;
 *  - bulkLoad: `bulkLoad({ attachments })` from a CSV manifest and the folder, for three kinds of
 *    file: incompressible data stored (.jpg), incompressible data deflated for nothing (.bin), and
 *    text deflated (.txt): the whole client (check each file, cut, zip to the spool, upload, poll,
 *    join, write the outputs).
 * Attachment MB/s, the ratio to the raw read, the client's CPU seconds (this process) and its peak heap.
 * Usage: node --import tsx benchmarks/attachments.bench.ts [megabytes=64] [file-kilobytes=512]
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ZipFile } from 'yazl';
import pLimit from 'p-limit';
import { BulkClient } from '../lib/http/client.js';
import { bulkLoad } from '../pipelines/bulk-load.js';
import { startOrgProcess } from '../bin/org-process.js';
import { environment, fmt, measure, table } from './_util/run.js';

const megabytes = Number(process.argv[2] ?? 64);
const fileKb = Number(process.argv[3] ?? 512);
const dir = await mkdtemp(join(tmpdir(), 'bulkpipe-attach-bench-'));
const org = await startOrgProcess(join(dir, 'org.db'), 0, 'ignore');
const client = await BulkClient.login({ loginUrl: org.loginUrl, username: org.username, password: org.password });

async function zipOf(files: ReadonlyArray<readonly [string, Buffer]>): Promise<Buffer> {
  const zip = new ZipFile();
  for (const [name, bytes] of files) zip.addBuffer(bytes, name, { compress: false });
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function until(done: () => Promise<boolean>): Promise<void> {
  while (!(await done())) await new Promise((r) => setTimeout(r, 50));
}

/** Text that deflates about 4:1, as logs and CSV exports do. */
function text(bytes: number, seed: number): Buffer {
  const words = ['account', 'invoice', 'total', 'status', 'shipped', 'pending', 'region', 'north', 'south', 'amount'];
  const parts: string[] = [];
  let length = 0;
  for (let i = 0; length < bytes; i++) {
    const part = `${words[(i * 7 + seed) % words.length]} ${(i * 2_654_435_761 + seed) % 100_000}${i % 12 === 11 ? '\n' : ' '}`;
    parts.push(part);
    length += part.length;
  }
  return Buffer.from(parts.join('')).subarray(0, bytes);
}

const cpuSeconds = (used: NodeJS.CpuUsage) => (used.user + used.system) / 1e6;

try {
  const parentJob = await client.createJob({ object: 'Account', operation: 'insert', contentType: 'CSV' });
  const parentBatch = await client.addBatch(parentJob.id, 'Name\nParent\n');
  await client.closeJob(parentJob.id);
  await until(async () => (await client.getBatch(parentJob.id, parentBatch.id)).state === 'Completed');
  let parentId = '';
  for await (const r of client.batchResults(parentJob.id, parentBatch.id)) parentId = r.id as string;

  const fileBytes = fileKb * 1024;
  const files = Math.ceil((megabytes * 1_000_000) / fileBytes);
  const totalMb = (files * fileBytes) / 1e6;
  const rows: Array<Array<string | number>> = [];
  const headers = ['run', 'attachment MB', 'files', 'batches', 'seconds', 'MB/s', 'vs raw read', 'uploaded MB', 'failed', 'client CPU s', 'peak heap MB'];

  for (const kind of ['jpg', 'bin', 'txt'] as const) {
    const folder = join(dir, kind);
    await mkdir(join(folder, 'f'), { recursive: true });
    const names: string[] = [];
    for (let i = 0; i < files; i++) {
      const name = `f/${i}.${kind}`;
      await writeFile(join(folder, name), kind === 'txt' ? text(fileBytes, i) : randomBytes(fileBytes));
      names.push(name);
    }
    const manifest = join(dir, `${kind}.csv`);
    await writeFile(manifest, `Name,ParentId,Body\n${names.map((n) => `${n},${parentId},${n}`).join('\n')}\n`);

    // The floor: every file read once (a warm page cache, as for the load after it).
    let cpu = process.cpuUsage();
    const raw = await measure(async () => {
      for (const name of names) await readFile(join(folder, name));
    });
    rows.push([
      `raw read (.${kind})`,
      fmt(totalMb, 1),
      fmt(files),
      '-',
      fmt(raw.seconds, 2),
      fmt(totalMb / raw.seconds, 1),
      '1.00',
      '-',
      '-',
      fmt(cpuSeconds(process.cpuUsage(cpu)), 2),
      fmt(raw.peakHeapMb),
    ]);

    if (kind === 'jpg') {
      // The org's side: zips made beforehand (about 9 MB of files each), only uploaded and processed.
      const perBatch = Math.max(1, Math.floor(9_000_000 / fileBytes));
      const zips: Buffer[] = [];
      for (let first = 0; first < files; first += perBatch) {
        const batch = names.slice(first, first + perBatch);
        const request = `Name,ParentId,Body\n${batch.map((n) => `${n},${parentId},#${n}`).join('\n')}\n`;
        zips.push(await zipOf([['request.txt', Buffer.from(request)], ...(await Promise.all(batch.map(async (n) => [n, await readFile(join(folder, n))] as const)))]));
      }
      cpu = process.cpuUsage();
      let jobId = '';
      const wire = await measure(async () => {
        const job = await client.createJob({ object: 'Attachment', operation: 'insert', contentType: 'ZIP_CSV' });
        jobId = job.id;
        const limit = pLimit(4);
        await Promise.all(zips.map((zip) => limit(() => client.addBatch(job.id, zip, { contentType: 'ZIP_CSV' }))));
        await client.closeJob(job.id);
        await until(async () => {
          const info = await client.getJob(job.id);
          return info.numberBatchesCompleted + info.numberBatchesFailed >= zips.length;
        });
      });
      const used = process.cpuUsage(cpu);
      const info = await client.getJob(jobId);
      const uploaded = zips.reduce((n, z) => n + z.length, 0) / 1e6;
      rows.push([
        'wire only (zips made beforehand)',
        fmt(totalMb, 1),
        fmt(files),
        zips.length,
        fmt(wire.seconds, 2),
        fmt(totalMb / wire.seconds, 1),
        fmt(wire.seconds / raw.seconds, 2),
        fmt(uploaded, 1),
        info.numberRecordsFailed,
        fmt(cpuSeconds(used), 2),
        fmt(wire.peakHeapMb),
      ]);
      zips.length = 0;
    }

    cpu = process.cpuUsage();
    let summary: Awaited<ReturnType<typeof bulkLoad>> | undefined;
    const load = await measure(async () => {
      summary = await bulkLoad({
        client,
        object: 'Attachment',
        operation: 'insert',
        input: manifest,
        format: 'csv',
        attachments: folder,
        successPath: join(dir, `${kind}.ok.csv`),
        errorPath: join(dir, `${kind}.err.csv`),
        spoolDir: join(dir, 'spool'),
        minPollIntervalMs: 50,
        maxPollIntervalMs: 200,
      });
    });
    const used = process.cpuUsage(cpu);
    const s = summary as NonNullable<typeof summary>;
    rows.push([
      `bulkLoad (.${kind}${kind === 'txt' ? ', deflated' : kind === 'bin' ? ', stored after a sample' : ', stored by its type'})`,
      fmt(totalMb, 1),
      fmt(files),
      s.batches,
      fmt(load.seconds, 2),
      fmt(totalMb / load.seconds, 1),
      fmt(load.seconds / raw.seconds, 2),
      fmt(s.bytes / 1e6, 1),
      s.recordsFailed,
      fmt(cpuSeconds(used), 2),
      fmt(load.peakHeapMb),
    ]);
    await rm(folder, { recursive: true, force: true });
  }
  console.log(`# Binary attachments into the local org (${environment()})\n`);
  console.log(`${fmt(files)} files of ${fileKb} KB per run; the org runs in its own process on the same two cores.\n`);
  console.log(table(headers, rows));
} finally {
  await client.close();
  await org.stop();
  await rm(dir, { recursive: true, force: true });
}
