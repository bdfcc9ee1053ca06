/**
 * The CSV fast path (CsvBatchSplitter: file to spooled batches, every record checked) on quote-free
 * and on fully quoted CSV, against a plain 1 MiB-chunk read of the same file, and optionally against
 * another build of bulkpipe (the baseline), alternated round by round in one process: wall MB/s and
 * MB per CPU-second (user + sys of this process over the run), medians over the rounds. Each build
 * also runs on the file's 1 MiB chunks held in memory with the spool's writes left out (no read, no
 * SHA-256, no write or fdatasync): the scan and the checks alone.
 * The ceiling, what the machine itself does with the same bytes: a raw read, SHA-256 of the bytes in
 * memory, and a plain copy (read, write, fdatasync, then remove, as the drain releases a segment) into
 * the same spool folder, in files of the splitter's segment sizes (with and without SHA-256) and in
 * 10 MB files; file to spool is also given as a ratio of the copy in the segments' sizes.
 * Temp files go to os.tmpdir() (set TMPDIR to put them on another disk).
 * Usage: node dist-bench/benchmarks/csv-fast-path.bench.js [megabytes=256] [rounds=5] [baseline dist-bench dir] [kinds=plain,quoted]
 * e.g. a baseline built from an older commit: `git archive OLD | tar -x -C /tmp/old && cd /tmp/old &&
 * ln -s $PWD/node_modules . && npm run build:bench`, then pass `/tmp/old/dist-bench`.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { mkdtemp, open, rm, stat, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Readable, Writable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { LoadSpool } from '../lib/load/load-spool.js';
import type { SpooledBatch } from '../lib/load-types.js';
import { CsvBatchSplitter } from '../transforms/csv-batch-splitter.js';
import { environment, fmt, table } from './_util/run.js';
import { FIELDS, values } from './_util/data.js';

type Kind = 'plain' | 'quoted';
type Splitter = new (options: { spool: LoadSpool; maxBytes?: number }) => Transform;

const megabytes = Number(process.argv[2] ?? 256);
const rounds = Number(process.argv[3] ?? 5);
const baselineDir = process.argv[4] && process.argv[4] !== '-' ? resolve(process.argv[4]) : undefined;
const kinds = (process.argv[5] ?? 'plain,quoted').split(',') as Kind[];
const dir = await mkdtemp(join(tmpdir(), 'bulkpipe-fastpath-'));

/** The chunking benchmark's 10-field Account records, every field in quotes for `quoted`; resolves to the record count. */
async function generate(path: string, kind: Kind, bytes: number): Promise<number> {
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  const line = (v: string[]) => `${(kind === 'quoted' ? v.map((s) => `"${s}"`) : v).join(',')}\n`;
  let written = 0;
  let buffer = line(FIELDS);
  let n = 0;
  for (; written < bytes; n++) {
    const text = line(values(n));
    buffer += text;
    written += text.length;
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  }
  out.end(buffer);
  await once(out, 'close');
  return n;
}

interface Run {
  seconds: number;
  cpu: number;
}

async function timed(fn: () => Promise<void>): Promise<Run> {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  await fn();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  return { seconds, cpu: (used.user + used.system) / 1e6 };
}

const rawRead = (path: string) =>
  timed(async () => {
    for await (const _chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
      /* read only */
    }
  });

/** SHA-256 of the file's chunks held in memory. */
const sha256 = (chunks: readonly Buffer[]) =>
  timed(async () => {
    const hash = createHash('sha256');
    for (const chunk of chunks) hash.update(chunk);
    hash.digest('hex');
  });

/**
 * A plain copy of the file into `folder`, in files of `sizes` bytes (the rest in files of the last
 * size): each written with one writev of the read chunks' slices, fdatasync'ed, closed and removed
 * (as the drain releases a segment), one at a time as the splitter spools them; hashed too with `hash`.
 */
const copy = (path: string, folder: string, sizes: readonly number[], hash: boolean) =>
  timed(async () => {
    let n = 0;
    let parts: Buffer[] = [];
    let bytes = 0;
    const size = () => sizes[Math.min(n, sizes.length - 1)] as number;
    const flush = async () => {
      if (hash) {
        const sha = createHash('sha256');
        for (const part of parts) sha.update(part);
        sha.digest('hex');
      }
      const file = join(folder, `copy-${n++}`);
      const handle = await open(file, 'w');
      try {
        await handle.writev(parts);
        await handle.datasync();
      } finally {
        await handle.close();
      }
      await unlink(file);
      parts = [];
      bytes = 0;
    };
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
      let pos = 0;
      while (pos < chunk.length) {
        const take = Math.min(size() - bytes, chunk.length - pos);
        parts.push(chunk.subarray(pos, pos + take));
        bytes += take;
        pos += take;
        if (bytes === size()) await flush();
      }
    }
    if (bytes > 0) await flush();
  });

/** The same cutting with the payload writes (hash, write, fdatasync) left out: the segment's path only. */
function scanOnly(Spool: typeof LoadSpool, dir: string): LoadSpool {
  class NoWrites extends Spool {
    override write(seq: number, kind: Parameters<LoadSpool['write']>[1], extension: string): Promise<string> {
      return this.path(seq, kind, extension);
    }
  }
  return new NoWrites({ dir });
}

function splitChunks(Splitter: Splitter, chunks: readonly Buffer[], spool: LoadSpool): Promise<Run> {
  const drain = new Writable({
    objectMode: true,
    highWaterMark: 64,
    write(item: SpooledBatch, _e, cb) {
      spool.release(item.seq).then(() => cb(), cb);
    },
  });
  return timed(() => pipeline([Readable.from(chunks, { objectMode: false }), new Splitter({ spool }), drain]));
}

/** `sizes`: where the segments' payload sizes are put, if given. */
function split(Splitter: Splitter, path: string, spool: LoadSpool, sizes?: number[]): Promise<Run> {
  const drain = new Writable({
    objectMode: true,
    highWaterMark: 64,
    write(item: SpooledBatch, _e, cb) {
      if (item.path) sizes?.push(item.bytes);
      spool.release(item.seq).then(() => cb(), cb);
    },
  });
  return timed(() => pipeline([createReadStream(path, { highWaterMark: 1 << 20 }), new Splitter({ spool }), drain]));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** Each build: its splitter, its spool, and its spool without writes. The copies go to this build's spool folder. */
const spoolDir = join(dir, 'spool-new');
const splitters: Array<[string, Splitter, LoadSpool, LoadSpool]> = [['this build', CsvBatchSplitter, new LoadSpool({ dir: spoolDir }), scanOnly(LoadSpool, join(dir, 'scan-new'))]];
if (baselineDir) {
  const old = (await import(pathToFileURL(join(baselineDir, 'transforms/csv-batch-splitter.js')).href)) as { CsvBatchSplitter: Splitter };
  const { LoadSpool: OldSpool } = (await import(pathToFileURL(join(baselineDir, 'lib/load/load-spool.js')).href)) as { LoadSpool: typeof LoadSpool };
  splitters.push(['baseline', old.CsvBatchSplitter, new OldSpool({ dir: join(dir, 'spool-old') }), scanOnly(OldSpool, join(dir, 'scan-old'))]);
}

const rows: Array<Array<string | number>> = [];
try {
  for (const kind of kinds) {
    const path = join(dir, `${kind}.csv`);
    const records = await generate(path, kind, megabytes * 1024 * 1024);
    const mb = (await stat(path)).size / 1e6;
    const chunks: Buffer[] = [];
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) chunks.push(chunk as Buffer);
    const sizes: number[] = []; // this build's segment sizes, from its warm-up
    for (const [name, S, spool, noWrites] of splitters) {
      await split(S, path, spool, name === 'this build' ? sizes : undefined); // warm-up
      await splitChunks(S, chunks, noWrites);
    }
    const segments = `copy in the segments' sizes (${sizes.length} files, ${fmt(sizes.reduce((a, b) => a + b, 0) / sizes.length / 1e6, 2)} MB each)`;
    const runs = new Map<string, Run[]>([['raw read', []]]);
    const add = (name: string, run: Run) => runs.set(name, [...(runs.get(name) ?? []), run]);
    for (let r = 0; r < rounds; r++) {
      add('raw read', await rawRead(path));
      add('SHA-256 of the bytes (in memory)', await sha256(chunks));
      add(segments, await copy(path, spoolDir, sizes, false));
      add(`${segments} + SHA-256`, await copy(path, spoolDir, sizes, true));
      add('copy in 10 MB files', await copy(path, spoolDir, [10_000_000], false));
      const order = r % 2 === 0 ? splitters : [...splitters].reverse();
      for (const [name, S, spool] of order) add(`${name}: file to spool`, await split(S, path, spool));
      for (const [name, S, , noWrites] of order) add(`${name}: chunks in memory, no spool writes`, await splitChunks(S, chunks, noWrites));
    }
    const raw = median((runs.get('raw read') ?? []).map((x) => x.seconds));
    const copied = runs.get(segments) ?? [];
    for (const [name, list] of runs) {
      const wall = median(list.map((x) => mb / x.seconds));
      const perCpu = median(list.map((x) => mb / x.cpu));
      const range = `${fmt(Math.min(...list.map((x) => mb / x.seconds)), 0)}-${fmt(Math.max(...list.map((x) => mb / x.seconds)), 0)}`;
      // Against the copy: the medians of the round's own ratios (the copy ran in the same round).
      const toCopy = (of: (x: Run) => number) => (name.endsWith('file to spool') ? fmt(median(list.map((x, i) => of(copied[i] as Run) / of(x))), 3) : '');
      rows.push([
        kind,
        name,
        fmt(mb, 0),
        fmt(records),
        fmt(wall, 1),
        range,
        fmt(perCpu, 1),
        fmt(raw / median(list.map((x) => x.seconds)), 3),
        toCopy((x) => x.seconds),
        toCopy((x) => x.cpu),
      ]);
    }
    await rm(path);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

console.log(`# CSV fast path, file to spooled batches, ${rounds} rounds alternated (${environment()})\n`);
console.log(table(['input', 'path', 'MB', 'records', 'MB/s (median)', 'MB/s range', 'MB per CPU-s (median)', 'ratio to raw read', 'speed / copy', 'MB per CPU-s / copy'], rows));
