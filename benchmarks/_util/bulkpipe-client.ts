/**
 * One bulkLoad of a CSV file into an org, as a process of its own, so that /usr/bin/time measures
 * the client alone (CPU seconds, peak RSS). No heap flags: what a library user gets.
 * Usage: node bulkpipe-client.js <loginUrl> <username> <password> <file.csv> <outputDir> [joinAhead]
 * Prints the summary as one JSON line.
 */
import { join } from 'node:path';
import { BulkClient } from '../../lib/http/client.js';
import { bulkLoad } from '../../pipelines/bulk-load.js';

const [loginUrl, username, password, input, out, joinAhead = '1'] = process.argv.slice(2) as [string, string, string, string, string, string?];
const client = await BulkClient.login({ loginUrl, username, password, apiVersion: '47.0' });
try {
  const summary = await bulkLoad({
    client,
    input,
    format: 'csv',
    object: 'Account',
    operation: 'insert',
    successPath: join(out, 'bulkpipe.success.csv'),
    errorPath: join(out, 'bulkpipe.errors.csv'),
    concurrency: 4,
    joinAhead: Number(joinAhead),
    minPollIntervalMs: 200,
  });
  console.log(JSON.stringify(summary));
} finally {
  await client.close();
}
