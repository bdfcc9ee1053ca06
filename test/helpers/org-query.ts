/**
 * What an org holds, read back through a bulk query (for tests that count records in the org):
 * the rows as parsed objects, or the Names under a test's own prefix.
 */
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse/sync';
import type { BulkClient } from '../../lib/http/client.js';
import { bulkQuery } from '../../pipelines/bulk-query.js';

export async function queryRows(client: BulkClient, soql: string): Promise<Array<Record<string, string>>> {
  let out = '';
  await pipeline(
    bulkQuery({ client, soql, minPollIntervalMs: 10, maxPollIntervalMs: 50 }),
    new Writable({
      write(c: Buffer, _e, cb) {
        out += c.toString();
        cb();
      },
    }),
  );
  return parse(out, { columns: true, bom: true }) as Array<Record<string, string>>;
}

/** The Names of the org's Accounts that start with `prefix`. */
export async function namesInOrg(client: BulkClient, prefix: string): Promise<string[]> {
  return (await queryRows(client, `SELECT Name FROM Account WHERE Name LIKE '${prefix}%'`)).map((r) => r.Name as string);
}
