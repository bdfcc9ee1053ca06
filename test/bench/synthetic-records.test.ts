import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { syntheticFields, syntheticValue, writeSyntheticCsv } from '../../bench/synthetic-records.js';
import { ValueCheck } from '../../lib/load/value-check.js';
import { useTestOrg } from '../helpers/local-org.js';
import { useTempDir } from '../helpers/temp-dir.js';

describe('bench/synthetic-records', () => {
  const t = useTestOrg();
  const tmp = useTempDir('bulkpipe-synthetic-');

  it('sets the required fields first, and values the org takes for every field type', async () => {
    for (const name of ['Account', 'Contact', 'Opportunity']) {
      const object = await t.org.client.describe(name);
      const fields = syntheticFields(object);
      const required = object.fields.filter((f) => f.createable && !f.nillable && !f.defaultedOnCreate).map((f) => f.name);
      expect(
        fields.slice(0, required.length).map((f) => f.name),
        name,
      ).to.deep.equal(required);
      const check = new ValueCheck(object);
      for (let n = 0; n < 500; n++) {
        const record = Object.fromEntries(fields.map((f) => [f.name, syntheticValue(f, n)]));
        expect(check.problem(record), `${name} #${n}`).to.equal(undefined);
      }
    }
  });

  it('writes a CSV of N records that loads as it is, the same every time', async () => {
    const object = await t.org.client.describe('Contact');
    const path = join(tmp.path, 'c.csv');
    const columns = await writeSyntheticCsv(object, 250, path);
    const rows = parse(await readFile(path), { columns: true }) as Array<Record<string, string>>;
    expect(rows).to.have.length(250);
    expect(Object.keys(rows[0] as object)).to.deep.equal(columns);
    await writeSyntheticCsv(object, 250, join(tmp.path, 'd.csv'));
    expect(await readFile(join(tmp.path, 'd.csv'), 'utf8')).to.equal(await readFile(path, 'utf8'));
  });
});
