/**
 * Throughput of the pipeline's front half, file to spooled batches, no network: the CSV fast path
 * (CsvBatchSplitter) and parse + chunk (RecordParser + BatchChunker) for each input format, each as
 * a ratio to a plain 1 MiB-chunk read of the same file measured in the same run (file in page cache).
 * Usage: node --import tsx benchmarks/chunking.bench.ts [megabytes=256] [formats=csv,ndjson,json,xml]
 * (one format per process gives steadier figures: V8 then optimizes for that format's records alone)
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { LoadSpool } from '../lib/load/load-spool.js';
import type { SpooledBatch } from '../lib/load-types.js';
import { BatchChunker } from '../transforms/batch-chunker.js';
import { CsvBatchSplitter } from '../transforms/csv-batch-splitter.js';
import { RecordParser } from '../transforms/record-parser.js';
import { generate, type DataFormat } from './_util/data.js';
import { environment, fmt, measure, table } from './_util/run.js';

const megabytes = Number(process.argv[2] ?? 256);
const formats = (process.argv[3] ?? 'csv,ndjson,json,xml').split(',') as DataFormat[];
const dir = await mkdtemp(join(tmpdir(), 'bulkpipe-bench-'));
const spool = new LoadSpool({ dir: join(dir, 'spool') });

/** A sink that releases each segment as it comes, so the disk holds one batch at a time. */
const drain = () =>
  new Writable({
    objectMode: true,
    highWaterMark: 64,
    write(item: SpooledBatch, _e, cb) {
      spool.release(item.seq).then(() => cb(), cb);
    },
  });

async function rawRead(path: string): Promise<number> {
  const s = await measure(async () => {
    for await (const _chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
      /* read only */
    }
  });
  return s.seconds;
}

/** The reference for the JSON formats: decode, split lines, JSON.parse each, nothing else. */
async function jsonParseOnly(path: string): Promise<number> {
  const s = await measure(async () => {
    let carry = '';
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20, encoding: 'utf8' })) {
      const text = carry + (chunk as string);
      let start = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
        JSON.parse(text.slice(start, nl));
        start = nl + 1;
      }
      carry = text.slice(start);
    }
  });
  return s.seconds;
}

async function run(path: string, stages: Transform[]): Promise<{ seconds: number; peakRssMb: number }> {
  return measure(() => pipeline([createReadStream(path, { highWaterMark: 1 << 20 }), ...stages, drain()]));
}

const rows: Array<Array<string | number>> = [];
try {
  for (const format of formats) {
    const path = join(dir, `data.${format}`);
    const records = await generate(path, format, megabytes * 1024 * 1024);
    const size = (await stat(path)).size;
    const mb = size / 1e6;
    await rawRead(path); // warm the page cache
    const raw = await rawRead(path);
    const cases: Array<[string, () => Transform[]]> = [
      [`${format}: parse + chunk`, () => [new RecordParser({ format, source: path }), new BatchChunker({ contentType: 'CSV', spool })]],
    ];
    if (format === 'csv') cases.unshift(['csv: fast path (CsvBatchSplitter)', () => [new CsvBatchSplitter({ spool })]]);
    if (format === 'ndjson') {
      await jsonParseOnly(path);
      const seconds = await jsonParseOnly(path);
      rows.push(['ndjson: line split + JSON.parse only (reference)', fmt(mb, 0), fmt(records), fmt(mb / raw, 0), fmt(mb / seconds, 1), fmt(raw / seconds, 3), '']);
    }
    for (const [name, stages] of cases) {
      await run(path, stages()); // warm-up: JIT and page cache, as in steady use
      const s = await run(path, stages());
      rows.push([name, fmt(mb, 0), fmt(records), fmt(mb / raw, 0), fmt(mb / s.seconds, 1), fmt(raw / s.seconds, 3), fmt(s.peakRssMb)]);
    }
    await rm(path);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

console.log(`# Chunking throughput, file to spooled batches (${environment()})\n`);
console.log(table(['path', 'MB', 'records', 'raw read MB/s', 'MB/s', 'ratio to raw read', 'peak RSS MB'], rows));
