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

  it('names no format that would not read the values for the field type: a time in a date field, a date alone or a T in a date-time field; mixed orders get no hint, not even at a refused row', async () => {
    const cases: Array<[string, string[]]> = [
      ['Birthdate', ['31/12/2024 14:30', '01/02/2024 09:00']],
      ['EmailBouncedDate', ['31/12/2024', '01/02/2024']],
      ['EmailBouncedDate', ['31/12/2024T14:30', '01/02/2024T09:00']],
      ['Birthdate', ['31/12/2024', '12/31/2024']],
    ];
    for (const [field, values] of cases) {
      await writeFile(join(tmp.path, 'shapes.csv'), `LastName,${field}\n${values.map((v, i) => `P${i},${v}`).join('\n')}\n`);
      const run = await cli(['load', 'Contact', 'shapes.csv', '--success', 'ok.csv', '--errors', 'bad.csv', '--json']);
      expect(run.code, run.stderr).to.equal(3);
      expect(JSON.parse(run.stdout).dateFormatHints, values.join(' ')).to.deep.equal([]);
      expect(run.stderr, values.join(' ')).to.not.include('--date-format');
    }
    // A date-time field's values with a time after a space: the format named reads them.
    await writeFile(join(tmp.path, 'times.csv'), 'LastName,EmailBouncedDate\nA,31/12/2024 14:30\nB,01/02/2024 9:00\n');
    const hinted = await cli(['load', 'Contact', 'times.csv', '--success', 'ok.csv', '--errors', 'bad.csv', '--json']);
    expect(JSON.parse(hinted.stdout).dateFormatHints).to.deep.equal(['EmailBouncedDate: values like 31/12/2024 14:30 look like dd/MM/yyyy: --date-format dd/MM/yyyy']);
    const fixed = await cli(['load', 'Contact', 'times.csv', '--date-format', 'dd/MM/yyyy', '--success', 'ok.csv', '--errors', 'bad.csv']);
    expect(fixed.code, fixed.stderr).to.equal(0);
  });

  it('--date-format that the first batch contradicts (a value it cannot read that the other order reads) stops before the job: exit 2, naming the value and the format that reads it', async () => {
    await writeFile(join(tmp.path, 'swap.csv'), 'LastName,Birthdate\nA,01/02/2024\nB,31/12/2024\nC,05/06/2024\n');
    const jobs = async () => (await readFile(join(tmp.path, 'home', 'jobs.ndjson'), 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
    const before = await jobs();
    const run = await cli(['load', 'Contact', 'swap.csv', '--date-format', 'MM/dd/yyyy', '--success', 'ok.csv', '--errors', 'bad.csv']);
    expect(run.code, run.stderr).to.equal(2);
    expect(run.stderr.trim().split('\n').at(-1)).to.equal(
      "bulkpipe: --date-format MM/dd/yyyy cannot read Birthdate's 31/12/2024 in the first batch, which dd/MM/yyyy reads: the dates it does read would load with day and month swapped, so no job was created: load with --date-format dd/MM/yyyy",
    );
    expect(await jobs()).to.equal(before);
  });
});
