/**
 * A Bulk API 2.0 query with jsforce 3 (unchanged), to a file, as its documentation shows it:
 * `conn.bulk2.query(soql)` and the record stream's CSV piped to a file. A process of its own, so
 * that /usr/bin/time measures this client alone. jsforce 3 reads only one result page correctly (it
 * pipes every page, each with its header, into one CSV parser: jsforce #1740): the org it is given
 * must hold the whole result in one page (`bulkpipe server --query-page-rows`).
 * Usage: node jsforce3-query-client.js <loginUrl> <username> <password> <soql> <out.csv>
 */
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import jsforce3 from 'jsforce3';

const [loginUrl, username, password, soql, out] = process.argv.slice(2) as [string, string, string, string, string];
const conn = new jsforce3.Connection({ loginUrl, version: '62.0' });
await conn.login(username, password);
const records = await conn.bulk2.query(soql, { pollInterval: 500, pollTimeout: 600_000 });
await pipeline(records.stream('csv'), createWriteStream(out));
