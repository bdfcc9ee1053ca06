/**
 * Binary attachments through the local org: zip batches (ZIP_CSV, Attachment) of incompressible
 * files, uploaded 4 at a time, until every batch is done; attachment MB/s end to end, and the
 * client's CPU seconds (the org runs in another process). The client does not build zip batches
 * yet (issue 15): the zips are made here with yazl, as a client would.
 * Usage: node --import tsx benchmarks/attachments.bench.ts [megabytes=64] [file-kilobytes=512]
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ZipFile } from 'yazl';
import pLimit from 'p-limit';
import { BulkClient } from '../lib/http/client.js';
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

try {
  const parentJob = await client.createJob({ object: 'Account', operation: 'insert', contentType: 'CSV' });
  const parentBatch = await client.addBatch(parentJob.id, 'Name\nParent\n');
  await client.closeJob(parentJob.id);
  let parentId = '';
  for (let info = await client.getBatch(parentJob.id, parentBatch.id); ; info = await client.getBatch(parentJob.id, parentBatch.id)) {
    if (info.state === 'Completed') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  for await (const r of client.batchResults(parentJob.id, parentBatch.id)) parentId = r.id as string;

  // Batches of about 9 MB of files (under the 10 MB zip limit), each file incompressible.
  const fileBytes = fileKb * 1024;
  const perBatch = Math.max(1, Math.floor(9_000_000 / fileBytes));
  const files = Math.ceil((megabytes * 1_000_000) / fileBytes);
  const batches: Buffer[] = [];
  for (let first = 0; first < files; first += perBatch) {
    const count = Math.min(perBatch, files - first);
    const names = Array.from({ length: count }, (_, i) => `f/${first + i}.bin`);
    const manifest = `Name,ParentId,Body\n${names.map((n) => `${n},${parentId},#${n}`).join('\n')}\n`;
    batches.push(await zipOf([['request.txt', Buffer.from(manifest)], ...names.map((n) => [n, randomBytes(fileBytes)] as const)]));
  }
  const totalBytes = files * fileBytes;
  const cpu = process.cpuUsage();
  let jobId = '';
  const sample = await measure(async () => {
    const job = await client.createJob({ object: 'Attachment', operation: 'insert', contentType: 'ZIP_CSV' });
    jobId = job.id;
    const limit = pLimit(4);
    await Promise.all(batches.map((zip) => limit(() => client.addBatch(job.id, zip, { contentType: 'ZIP_CSV' }))));
    await client.closeJob(job.id);
    for (let info = await client.getJob(job.id); info.numberBatchesCompleted + info.numberBatchesFailed < batches.length; info = await client.getJob(job.id)) {
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  const used = process.cpuUsage(cpu);
  const info = await client.getJob(jobId);
  console.log(`# Binary attachments into the local org (${environment()})\n`);
  console.log(
    table(
      ['attachment MB', 'files', 'file KB', 'batches', 'seconds', 'MB/s', 'records processed', 'failed', 'client CPU s', 'peak RSS MB'],
      [[fmt(totalBytes / 1e6, 1), fmt(files), fileKb, batches.length, fmt(sample.seconds, 2), fmt(totalBytes / 1e6 / sample.seconds, 1), fmt(info.numberRecordsProcessed), info.numberRecordsFailed, fmt((used.user + used.system) / 1e6, 2), fmt(sample.peakRssMb)]],
    ),
  );
} finally {
  await client.close();
  await org.stop();
  await rm(dir, { recursive: true, force: true });
}
