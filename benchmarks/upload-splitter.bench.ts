/**
 * The org's Bulk API 2.0 upload splitter alone (server/v2/upload-splitter.ts, issue 28): an upload
 * of generated Account records (data.ts, 10 fields) cut into internal batches, no HTTP and no store.
 * Each variant runs in a child process of its own (process.cpuUsage: CPU seconds beside wall time),
 * taking turns with the splitter of another build when BULKPIPE_BEFORE names that build's dist-bench
 * folder; the upload is fed in 64 KiB chunks, as `bulkpipe server` reads a request body.
 * Shapes: `plain` (as data.ts writes it: no quotes), `quoted` (every value quoted, some holding a
 * comma, a doubled quote or a line break), `unicode` (multi-byte names), `tab-crlf` (TAB and CRLF).
 * Usage: npm run build:bench && [BULKPIPE_BEFORE=/tmp/lead/old/dist-bench] \
 *   node dist-bench/benchmarks/upload-splitter.bench.js [MB=60] [rounds=3] [shapes=plain,quoted,unicode,tab-crlf]
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FIELDS, values } from './_util/data.js';
import { median } from './_util/child-cost.js';
import { afterAndBefore, environment, fmt, inTurns, table } from './_util/run.js';

const CHUNK = 64 * 1024;

type Shape = 'plain' | 'quoted' | 'unicode' | 'tab-crlf';

function upload(shape: Shape, megabytes: number): Buffer {
  const quote = (v: string) => `"${v.replaceAll('"', '""')}"`;
  const delimiter = shape === 'tab-crlf' ? '\t' : ',';
  const eol = shape === 'tab-crlf' ? '\r\n' : '\n';
  const parts: string[] = [`${FIELDS.join(delimiter)}${eol}`];
  let size = parts[0]?.length ?? 0;
  for (let n = 0; size < megabytes * 1e6; n++) {
    const v = values(n);
    if (shape === 'unicode') v[0] = `Société Ünïcode ${n} 北京 😀`;
    const row = shape === 'quoted' ? v.map((x, i) => quote(i === 2 ? `${x}, "B"` : i === 7 ? `${x}\nsuite` : x)).join(',') : v.join(delimiter);
    parts.push(row + eol);
    size += row.length + eol.length;
  }
  return Buffer.from(parts.join(''));
}

async function child(modulePath: string, shape: Shape, megabytes: number): Promise<void> {
  const { splitUpload } = (await import(pathToFileURL(modulePath).href)) as typeof import('../server/v2/upload-splitter.js');
  const data = upload(shape, megabytes);
  const tab = shape === 'tab-crlf';
  async function* chunks() {
    for (let i = 0; i < data.length; i += CHUNK) yield data.subarray(i, i + CHUNK);
  }
  let bytes = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const summary = await splitUpload(chunks(), {
    dialect: { delimiter: tab ? '\t' : ',', lineEnding: tab ? '\r\n' : '\n' },
    lineEndingName: tab ? 'CRLF' : 'LF',
    maxBytes: 1e12,
    store: (payload) => {
      bytes += payload.length;
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(`${JSON.stringify({ seconds, cpu: (cpu.user + cpu.system) / 1e6, mb: data.length / 1e6, records: summary.records, stored: bytes })}\n`);
}

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const SPLITTER = 'server/v2/upload-splitter.js';
if (process.argv[2] === '--child') {
  await child(process.argv[3] as string, process.argv[4] as Shape, Number(process.argv[5]));
} else {
  const megabytes = Number(process.argv[2] ?? 60);
  const rounds = Number(process.argv[3] ?? 3);
  const shapes = (process.argv[4] ?? 'plain,quoted,unicode,tab-crlf').split(',') as Shape[];
  const variants = afterAndBefore(here('..'), SPLITTER);
  const runs: Record<string, { seconds: number[]; cpu: number[]; mb: number; records: number; stored: number }> = {};
  await inTurns(rounds, shapes, Object.keys(variants), async (shape, name) => {
    const out = execFileSync(process.execPath, [here('./upload-splitter.bench.js'), '--child', join(variants[name] as string, SPLITTER), shape, String(megabytes)], {
      encoding: 'utf8',
    });
    const r = JSON.parse(out) as { seconds: number; cpu: number; mb: number; records: number; stored: number };
    const entry = (runs[`${shape} ${name}`] ??= { seconds: [], cpu: [], mb: r.mb, records: r.records, stored: r.stored });
    entry.seconds.push(r.seconds);
    entry.cpu.push(r.cpu);
  });
  console.log(`${environment()}, ${megabytes} MB uploads, 64 KiB chunks, ${rounds} rounds (medians)\n`);
  const rows = Object.entries(runs).map(([key, r]) => {
    const [shape, name] = key.split(' ') as [string, string];
    const base = runs[`${shape} before`];
    return [
      key,
      fmt(r.records),
      fmt(r.stored / 1e6, 1),
      fmt(median(r.seconds), 2),
      fmt(median(r.cpu), 2),
      fmt(r.mb / median(r.seconds), 0),
      base && name === 'after' ? fmt(median(r.cpu) / median(base.cpu), 2) : '',
    ];
  });
  console.log(table(['run', 'records', 'stored MB', 'wall s', 'CPU s', 'MB/s', 'CPU after/before'], rows));
}
