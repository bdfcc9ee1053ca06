/**
 * The same load with jsforce 1.11 (unchanged), as a user of it would write it to account for every
 * record: the CSV read line by line into 10,000-record batches, 4 batches in flight, each batch's
 * results (parsed by jsforce) written beside its input lines to a success and an error CSV.
 * Mode `records` hands jsforce records (objects, parsed with csv-parse), as its documentation
 * shows; mode `csv` hands it each batch's CSV text, the least work jsforce can be given.
 * A process of its own, so that /usr/bin/time measures this client alone. The data has no quoted
 * line breaks, so a line is a record.
 * Usage: node jsforce-client.js <loginUrl> <username> <password> <file.csv> <outputDir> [records|csv]
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse/sync';
import jsforce from 'jsforce';

const [loginUrl, username, password, input, out, mode = 'records'] = process.argv.slice(2) as [string, string, string, string, string, string?];
const conn = new jsforce.Connection({ loginUrl, version: '47.0' });
await conn.login(username, password);
const started = Date.now();
const job = conn.bulk.createJob('Account', 'insert');
const success = createWriteStream(join(out, 'jsforce.success.csv'));
const errors = createWriteStream(join(out, 'jsforce.errors.csv'));
let header = '';
let succeeded = 0;
let failed = 0;
const inFlight = new Set<Promise<void>>();

function run(lines: string[]): Promise<void> {
  const batch = job.createBatch();
  const done = new Promise<void>((resolve, reject) => {
    batch.on('error', reject);
    batch.on('queue', () => batch.poll(200, 600_000));
    batch.on('response', (results: Array<{ id: string | null; success: boolean; errors: string[] }>) => {
      let ok = '';
      let bad = '';
      results.forEach((r, i) => {
        if (r.success) {
          succeeded++;
          ok += `${lines[i]},${r.id}\n`;
        } else {
          failed++;
          bad += `${lines[i]},"${(r.errors[0] ?? '').replaceAll('"', '""')}"\n`;
        }
      });
      success.write(ok);
      errors.write(bad);
      resolve();
    });
  });
  const text = `${header}\n${lines.join('\n')}\n`;
  batch.execute(mode === 'csv' ? text : (parse(text, { columns: true }) as Array<Record<string, string>>));
  return done;
}

let lines: string[] = [];
for await (const line of createInterface({ input: createReadStream(input), crlfDelay: Infinity })) {
  if (!header) {
    header = line;
    success.write(`${header},Id\n`);
    errors.write(`${header},Error\n`);
    continue;
  }
  lines.push(line);
  if (lines.length === 10_000) {
    const task = run(lines).finally(() => inFlight.delete(task));
    inFlight.add(task);
    lines = [];
    if (inFlight.size >= 4) await Promise.race(inFlight);
  }
}
if (lines.length > 0) inFlight.add(run(lines));
await Promise.all(inFlight);
await job.close();
success.end();
errors.end();
await Promise.all([once(success, 'close'), once(errors, 'close')]);
const elapsedMs = Date.now() - started;
console.log(JSON.stringify({ recordsSucceeded: succeeded, recordsFailed: failed, elapsedMs, recordsPerSecond: ((succeeded + failed) * 1000) / elapsedMs }));
