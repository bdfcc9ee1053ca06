/**
 * Issue 27, item 3: dates written in another format (`31/12/2024` into Birthdate). Through the
 * built CLI against the local org: the dry run, a notice before the job, the summary (text and
 * --json) and the first row the org refuses say which --date-format reads them; the error file keeps
 * the org's own error, and the format named loads the file.
 */
import { expect } from 'chai';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { runCli, type CliRun } from '../helpers/cli.js';
import { useTempDir } from '../helpers/temp-dir.js';

describe('bin/bulkpipe load: --date-format hints (issue 27)', function () {
  this.timeout(60_000);
  const tmp = useTempDir('bulkpipe-dates-');
  const cli = (args: string[]): Promise<CliRun> => runCli(args, { cwd: tmp.path, env: { BULKPIPE_HOME: join(tmp.path, 'home') } });
  const csvRows = async (file: string) => parse(await readFile(join(tmp.path, file), 'utf8'), { columns: true }) as Array<Record<string, string>>;
  const HINT = 'Birthdate: values like 31/12/1906 look like dd/MM/yyyy: --date-format dd/MM/yyyy';

  it('the dry run, the notice before the job, the summary and the first refused row name the format; the error file keeps the org error; that format loads it', async () => {
    await writeFile(join(tmp.path, 'people.csv'), 'LastName,Birthdate\nAda,01/02/1990\nGrace,31/12/1906\nAlan,1912-06-23\n');
    const dry = await cli(['load', 'Contact', 'people.csv', '--dry-run', '--errors', 'dry.csv']);
    expect(dry.code, dry.stderr).to.equal(3);
    expect(dry.stderr).to.include(`bulkpipe: ${HINT}\n`);
    const dryJson = await cli(['load', 'Contact', 'people.csv', '--dry-run', '--errors', 'dry.csv', '--json']);
    expect(JSON.parse(dryJson.stdout)).to.deep.include({ recordsFailed: 2, dateFormatHints: [HINT] });

    for (const extra of [[], ['--bulk-api', '2']]) {
      const run = await cli(['load', 'Contact', 'people.csv', '--success', 'ok.csv', '--errors', 'bad.csv', ...extra]);
      expect(run.code, run.stderr).to.equal(3);
      const lines = run.stderr.trim().split('\n');
      expect(lines, extra.join(' ')).to.include(`bulkpipe: ${HINT}`);
      const orgError = "INVALID_FIELD:Failed to deserialize field at col 2. Due to, '01/02/1990' is not a valid value for the type xsd:date:Birthdate --";
      expect(lines).to.include(`bulkpipe: record 1 failed in the org with ${JSON.stringify(orgError)}: ${HINT}`);
      expect(lines.at(-1)).to.match(new RegExp(`; dates: ${HINT.replace(/[/.]/g, '\\$&')}$`));
      const json = await cli(['load', 'Contact', 'people.csv', '--success', 'ok.csv', '--errors', 'bad.csv', '--json', ...extra]);
      expect(JSON.parse(json.stdout)).to.deep.include({ recordsFailed: 2, dateFormatHints: [HINT] });
      // The org's own error, untouched: the error file loads back as it is.
      expect((await csvRows('bad.csv')).map((r) => [r.sf__Row, r.sf__Error])).to.deep.equal([
        ['1', orgError],
        ['2', orgError.replace('01/02/1990', '31/12/1906')],
      ]);
    }

    const fixed = await cli(['load', 'Contact', 'people.csv', '--date-format', 'dd/MM/yyyy', '--success', 'ok.csv', '--errors', 'bad.csv']);
    expect(fixed.code, fixed.stderr).to.equal(0);
    expect(fixed.stderr).to.not.include('--date-format');
    expect((await csvRows('ok.csv')).map((r) => r.Birthdate)).to.deep.equal(['1990-02-01', '1906-12-31', '1912-06-23']);
  });

  it('undecided day and month: both formats named; a date first seen past the first batch gets its hint at the first refused row', async () => {
    await writeFile(join(tmp.path, 'late.csv'), 'LastName,Birthdate\nA,1990-01-02\nB,1990-01-03\nC,05/06/2024\n');
    const run = await cli(['load', 'Contact', 'late.csv', '--batch-size', '2', '--success', 'ok.csv', '--errors', 'bad.csv']);
    expect(run.code, run.stderr).to.equal(3);
    const both =
      'Birthdate: values like 05/06/2024 may be dd/MM/yyyy or MM/dd/yyyy (no day over 12 among the 1 read to tell): --date-format dd/MM/yyyy or --date-format MM/dd/yyyy';
    expect(run.stderr).to.include(`bulkpipe: record 3 failed in the org with "INVALID_FIELD:Failed to deserialize field at col 2. Due to, '05/06/2024'`).and.include(`: ${both}\n`);
    expect(run.stderr.trim().split('\n').at(-1)).to.contain(`; dates: ${both}`);
  });
});
