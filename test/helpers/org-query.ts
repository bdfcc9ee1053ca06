/**
 * What an org holds, read back through a bulk query (for tests that count records in the org):
 * the rows as parsed objects, or the Names under a test's own prefix; and the exactly-once check of
 * a load's outputs against it.
 */
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
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

/** A load of `rows` Accounts named `<prefix><row>`, whose rows for which `bad` is true fail in the org, written to `ok.csv` and `bad.csv` in `dir`. */
export interface ExactLoad {
  readonly client: BulkClient;
  readonly prefix: string;
  readonly dir: string;
  readonly rows: number;
  readonly bad: (row: number) => boolean;
}

/** Every input row once in the outputs (input = success + error rows), the failures the expected ones, and the org holds exactly the successes, none twice. */
export async function expectExactlyOnce(load: ExactLoad): Promise<void> {
  const csvRows = (text: string) => parse(text, { columns: true }) as Array<Record<string, string>>;
  const ok = csvRows(await readFile(join(load.dir, 'ok.csv'), 'utf8'));
  const failed = csvRows(await readFile(join(load.dir, 'bad.csv'), 'utf8'));
  const every = Array.from({ length: load.rows }, (_, i) => i + 1);
  expect([...ok, ...failed].map((r) => Number(r.sf__Row)).sort((a, b) => a - b)).to.deep.equal(every);
  expect(failed.map((r) => Number(r.sf__Row))).to.deep.equal(every.filter(load.bad));
  for (const r of ok) expect(r.Name).to.equal(`${load.prefix}${r.sf__Row}`);
  const names = await namesInOrg(load.client, load.prefix);
  expect(names.length, 'records in the org').to.equal(ok.length);
  expect(new Set(names).size, 'no record twice in the org').to.equal(names.length);
}
