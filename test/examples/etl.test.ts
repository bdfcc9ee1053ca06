/** examples/etl.ts, run against the local org: the composed pipeline does what its comments say. */
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { contactsFromSource, runEtl } from '../../examples/etl.js';
import { useTestOrg } from '../helpers/local-org.js';
import { useTempDir } from '../helpers/temp-dir.js';

describe('examples/etl (end to end)', () => {
  const t = useTestOrg();
  const tmp = useTempDir('bulkpipe-etl-');

  it('loads the source through a user Transform, routes the failures in code and writes both files', async () => {
    const result = await runEtl(t.org.client, contactsFromSource(1200), tmp.path);
    // Every 250th contact has no name: the user's stage rejects it (rows 1, 251, 501, 751, 1001).
    expect(result).to.include({ succeeded: 1195, failed: 5 });
    expect(result.failures.map((r) => [r.row, r.error])).to.deep.equal([1, 251, 501, 751, 1001].map((row) => [row, 'MISSING_NAME:a contact needs a LastName:LastName --']));
    const ok = parse(await readFile(`${tmp.path}/contacts.success.csv`), { columns: true }) as Array<Record<string, string>>;
    expect(ok).to.have.length(1195);
    expect(ok[0]).to.include({ LastName: 'Contact 1', sf__Row: '2', Birthdate: '1980-01-02' }); // a Date, sent as its day
  });
});
