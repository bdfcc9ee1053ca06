/**
 * A CSV file inserted with jsforce 3's Bulk API 2.0 (`bulk2.loadAndWaitForResults`, unchanged), as
 * its documentation shows: the file handed as a stream, the results returned as arrays of records,
 * then written to a success and an error CSV (every value quoted, as the org writes them). A process
 * of its own, so that /usr/bin/time measures this client alone.
 * Usage: node jsforce3-bulk2-client.js <loginUrl> <username> <password> <file.csv> <outputDir>
 * Prints one JSON line: recordsSucceeded, recordsFailed, recordsUnprocessed, elapsedMs, recordsPerSecond.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import jsforce3 from 'jsforce3';

const [loginUrl, username, password, input, out] = process.argv.slice(2) as [string, string, string, string, string];
const conn = new jsforce3.Connection({ loginUrl, version: '62.0' });
await conn.login(username, password);
const started = Date.now();
const results = await conn.bulk2.loadAndWaitForResults({
  object: 'Account',
  operation: 'insert',
  input: createReadStream(input),
  // As bulkpipe's first poll (its --poll-interval default); jsforce's 30 s default timeout is too short for a large file.
  pollInterval: 500,
  pollTimeout: 3_600_000,
});

const quoted = (value: unknown) => `"${String(value ?? '').replaceAll('"', '""')}"`;
async function writeRows(path: string, rows: ReadonlyArray<Record<string, unknown>>): Promise<void> {
  const file = createWriteStream(path);
  const columns = Object.keys(rows[0] ?? {});
  file.write(`${columns.join(',')}\n`);
  for (const row of rows) if (!file.write(`${columns.map((c) => quoted(row[c])).join(',')}\n`)) await once(file, 'drain');
  file.end();
  await once(file, 'close');
}
await writeRows(join(out, 'jsforce3.success.csv'), results.successfulResults);
await writeRows(join(out, 'jsforce3.errors.csv'), results.failedResults);
const elapsedMs = Date.now() - started;
const processed = results.successfulResults.length + results.failedResults.length;
console.log(
  JSON.stringify({
    recordsSucceeded: results.successfulResults.length,
    recordsFailed: results.failedResults.length,
    recordsUnprocessed: results.unprocessedRecords.length,
    elapsedMs,
    recordsPerSecond: (processed * 1000) / elapsedMs,
  }),
);
