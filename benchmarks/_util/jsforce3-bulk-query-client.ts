/**
 * A Bulk API v1 query with jsforce 3 (unchanged), to a file, as its documentation shows it:
 * `conn.bulk.query(soql)` and its CSV stream (`.stream()`, the result files' bytes) piped to a file.
 * A process of its own, so that /usr/bin/time measures this client alone.
 * Usage: node jsforce3-bulk-query-client.js <loginUrl> <username> <password> <soql> <out.csv>
 */
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import jsforce3 from 'jsforce3';

const [loginUrl, username, password, soql, out] = process.argv.slice(2) as [string, string, string, string, string];
const conn = new jsforce3.Connection({ loginUrl, version: '47.0' });
await conn.login(username, password);
// As bulkpipe's first poll; jsforce's 10 s default timeout is too short for a large result.
conn.bulk.pollInterval = 500;
conn.bulk.pollTimeout = 600_000;
const records = await conn.bulk.query(soql);
await pipeline(records.stream(), createWriteStream(out));
