/**
 * The client's CPU for a Bulk API 2.0 upload body (lib/load/ingest-upload-body.ts): the payloads of
 * one job joined under one header, their record ends made LF. CPU seconds (user + system) and MB/s
 * to read the body through, for a CSV as it is (most inputs: no CR), the same CSV with CRLF line
 * ends, and with CRLF and every value quoted; with a second build's module, the two run interleaved, round by round.
 * Usage: node dist-bench/benchmarks/upload-body.bench.js CSV [segments=10] [rounds=5] [BEFORE_MODULE]
 * (BEFORE_MODULE: another build's dist-bench/lib/load/ingest-upload-body.js, e.g. of main)
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { ingestUploadStream } from '../lib/load/ingest-upload-body.js';
import { environment, fmt, table } from './_util/run.js';

type Upload = (paths: readonly string[]) => () => Readable;

const [csv, segmentsArg = '10', roundsArg = '5', beforeModule] = process.argv.slice(2);
if (!csv) throw new Error('usage: upload-body.bench.js CSV [segments] [rounds] [BEFORE_MODULE]');
const builds: Array<[string, Upload]> = [['this build', ingestUploadStream]];
if (beforeModule) builds.unshift(['before', ((await import(pathToFileURL(beforeModule).href)) as { ingestUploadStream: Upload }).ingestUploadStream]);

type Form = 'LF' | 'CRLF' | 'CRLF, every value quoted';
const FORMS: readonly Form[] = ['LF', 'CRLF', 'CRLF, every value quoted'];
/** Every value of a line quoted (the test CSV has no comma inside a value): the most quotes the scan can meet. */
const quoteAll = (line: string) =>
  line
    .split(',')
    .map((v) => `"${v.replaceAll('"', '""')}"`)
    .join(',');

/** The CSV cut into `segments` payloads of whole lines, each with the header (as the spool writes them), in each form. */
async function payloads(dir: string, segments: number): Promise<Record<Form, string[]>> {
  const lines = (await readFile(csv as string, 'latin1')).split('\n');
  if (lines.at(-1) === '') lines.pop();
  const [header, ...records] = lines;
  const per = Math.ceil(records.length / segments);
  const out: Record<Form, string[]> = { LF: [], CRLF: [], 'CRLF, every value quoted': [] };
  for (let s = 0; s < segments; s++) {
    const part = [header, ...records.slice(s * per, (s + 1) * per)];
    for (const [f, form] of FORMS.entries()) {
      const path = join(dir, `${f}-${s}.csv`);
      const written = form === 'CRLF, every value quoted' ? part.map((line, i) => (i === 0 ? line : quoteAll(line as string))) : part;
      const sep = form === 'LF' ? '\n' : '\r\n';
      await writeFile(path, `${written.join(sep)}${sep}`, 'latin1');
      out[form].push(path);
    }
  }
  return out;
}

async function drain(upload: Upload, paths: readonly string[]): Promise<{ cpu: number; wall: number; bytes: number }> {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  let bytes = 0;
  for await (const chunk of upload(paths)() as AsyncIterable<Buffer>) bytes += chunk.length;
  const used = process.cpuUsage(cpu);
  return { cpu: (used.user + used.system) / 1e6, wall: Number(process.hrtime.bigint() - started) / 1e9, bytes };
}

const dir = await mkdtemp(join(tmpdir(), 'bulkpipe-upload-body-bench-'));
try {
  const files = await payloads(dir, Number(segmentsArg));
  const totals = new Map<string, { cpu: number; wall: number; bytes: number; n: number }>();
  for (let round = 0; round < Number(roundsArg); round++) {
    for (const ending of FORMS) {
      for (const [name, upload] of builds) {
        const r = await drain(upload, files[ending]);
        const key = `${name}\t${ending}`;
        const t = totals.get(key) ?? { cpu: 0, wall: 0, bytes: r.bytes, n: 0 };
        totals.set(key, { cpu: t.cpu + r.cpu, wall: t.wall + r.wall, bytes: r.bytes, n: t.n + 1 });
      }
    }
  }
  console.log(`${environment()}; ${csv}, ${segmentsArg} payloads, ${roundsArg} rounds interleaved; means a round`);
  console.log(
    table(
      ['build', 'payloads', 'body MB', 'CPU s', 'wall s', 'MB/s (wall)'],
      [...totals].map(([key, t]) => {
        const [name, ending] = key.split('\t') as [string, string];
        return [name, ending, fmt(t.bytes / 1e6, 1), fmt(t.cpu / t.n, 3), fmt(t.wall / t.n, 3), fmt(t.bytes / 1e6 / (t.wall / t.n), 0)];
      }),
    ),
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
