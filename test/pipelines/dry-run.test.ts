/** dryRunLoad through the local org: the errors a load would meet, found without a job, and the same as the load's. */
import { expect } from 'chai';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { bulkLoad } from '../../pipelines/bulk-load.js';
import { dryRunLoad } from '../../pipelines/dry-run.js';
import { rejection } from '../helpers/fixtures.js';
import { startTestOrg, type TestOrg } from '../helpers/local-org.js';
import { useTempDir } from '../helpers/temp-dir.js';

describe('pipelines/dry-run (end to end)', () => {
  let t: TestOrg;
  const tmp = useTempDir('bulkpipe-dry-');
  before(async () => {
    t = await startTestOrg();
  });
  after(async () => {
    await t.close();
  });

  const INPUT = [
    'LastName,Email,Birthdate,HasOptedOutOfEmail',
    'Good,good@example.com,1990-05-01,true',
    'Bad email,not-an-email,,false',
    'Bad date,,01/31/2024,',
    'Bad boolean,,,maybe',
    'Too,many,fields,in,this',
    'Also good,,2000-02-29,0',
  ].join('\n');

  const rows = async (path: string) =>
    (parse(await readFile(path), { columns: true }) as Array<Record<string, string>>).map((r) => [r.sf__Row, (r.sf__Error as string).split(':')[0]]);

  it('reads the whole input, writes the errors a load would meet, creates no job; the load then gives the same errors', async () => {
    const input = join(tmp.path, 'contacts.csv');
    await writeFile(input, `${INPUT}\n`);
    const since = Date.now() - 1000;
    const errorPath = join(tmp.path, 'dry.errors.csv');
    const summary = await dryRunLoad({ client: t.client, object: 'Contact', operation: 'insert', input, format: 'csv', errorPath });
    expect(summary).to.deep.include({ recordsRead: 6, recordsValid: 2, recordsFailed: 4, unnamedColumns: [] });
    expect(await rows(errorPath)).to.deep.equal([
      ['2', 'INVALID_EMAIL_ADDRESS'],
      ['3', 'INVALID_FIELD'],
      ['4', 'INVALID_FIELD'],
      ['5', 'BULKPIPE_FIELD_COUNT'],
    ]);
    expect(await t.client.findCreatedJob({ operation: 'insert', object: 'Contact', contentType: 'CSV' }, since)).to.equal(undefined);
    const loadErrors = join(tmp.path, 'load.errors.csv');
    await bulkLoad({
      client: t.client,
      object: 'Contact',
      operation: 'insert',
      input,
      format: 'csv',
      errorPath: loadErrors,
      successPath: join(tmp.path, 'ok.csv'),
      minPollIntervalMs: 20,
    });
    expect(await rows(loadErrors)).to.deep.equal(await rows(errorPath));
  });

  it('converts dates as a load would: with --date-format the date is no error', async () => {
    const input = join(tmp.path, 'dates.csv');
    await writeFile(input, 'LastName,Birthdate\nA,01/31/2024\nB,31/01/2024\n');
    const errorPath = join(tmp.path, 'dates.errors.csv');
    const summary = await dryRunLoad({ client: t.client, object: 'Contact', operation: 'insert', input, format: 'csv', errorPath, dateFormat: 'MM/dd/yyyy' });
    expect(summary).to.include({ recordsValid: 1, recordsFailed: 1 });
    expect(await rows(errorPath)).to.deep.equal([['2', 'INVALID_FIELD']]);
  });

  it('stops at columns that do not fit the object, before reading on', async () => {
    const input = join(tmp.path, 'misspelt.csv');
    await writeFile(input, 'LastName,Phnoe\nA,1\n');
    const err = await rejection(dryRunLoad({ client: t.client, object: 'Contact', operation: 'insert', input, format: 'csv' }));
    expect(err).to.include({ code: 'BULK_COLUMNS' });
    expect(err.message).to.include('Phone');
  });
});
