/**
 * Issue 27, item 1: an Excel or Google Sheets export whose lines end in `;;` (columns the header
 * leaves without a name). Through the built CLI against the local org: the empty columns are
 * dropped with a notice, on the CSV fast path, the record path and Bulk API 2.0; a value in one
 * within the first batch is a usage error with no job; one past it costs its record only.
 */
import { expect } from 'chai';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { runCli, type CliRun } from '../helpers/cli.js';
import { useTempDir } from '../helpers/temp-dir.js';

describe('bin/bulkpipe load: columns without a name (issue 27)', function () {
  this.timeout(60_000);
  const tmp = useTempDir('bulkpipe-unnamed-');
  const cli = (args: string[]): Promise<CliRun> => runCli(args, { cwd: tmp.path, env: { BULKPIPE_HOME: join(tmp.path, 'home') } });
  const csvRows = async (file: string) => parse(await readFile(join(tmp.path, file), 'utf8'), { columns: true }) as Array<Record<string, string>>;
  const jobs = async () => (await readFile(join(tmp.path, 'home', 'jobs.ndjson'), 'utf8').catch(() => '')).split('\n').filter(Boolean).length;

  it('drops empty unnamed columns with a notice naming them: the CSV fast path, the record path and Bulk API 2.0 load the named ones', async () => {
    await writeFile(join(tmp.path, 'excel.csv'), 'LastName;Birthdate;;\r\nAda;1990-12-10;;\r\nGrace;1906-12-09;;\r\n');
    // --date-format takes the record path (the date converter reads records); --bulk-api 2 uploads one body of the spooled payloads.
    for (const extra of [[], ['--date-format', 'dd/MM/yyyy'], ['--bulk-api', '2']]) {
      const run = await cli(['load', 'Contact', 'excel.csv', '--success', 'ok.csv', '--errors', 'bad.csv', ...extra]);
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stderr, extra.join(' ')).to.include(
        "bulkpipe: excel.csv: the header's columns 3 and 4 have no name: they are not uploaded (a record with a value there goes to the errors; in the first --batch-size records, it stops the load before the job)",
      );
      const ok = await csvRows('ok.csv');
      expect(Object.keys(ok[0] ?? {}), extra.join(' ')).to.deep.equal(['LastName', 'Birthdate', 'sf__Id', 'sf__Created', 'sf__Row', 'sf__Attempts']);
      expect(ok.map((r) => [r.LastName, r.Birthdate])).to.deep.equal([
        ['Ada', '1990-12-10'],
        ['Grace', '1906-12-09'],
      ]);
    }
    const back = await cli(['query', 'SELECT LastName FROM Contact', '--quiet']);
    expect(back.stdout.trim().split('\n')).to.have.length(7); // the header, and two records per run
  });

  it('a value in an unnamed column within the first batch is a usage error naming the column, line and record: exit 2, no job', async () => {
    await writeFile(join(tmp.path, 'filled.csv'), 'Name;Phone;;\nAcme;1;;\nGlobex;2;;note\n');
    for (const extra of [[], ['--date-format', 'dd/MM/yyyy'], ['--bulk-api', '2']]) {
      const run = await cli(['load', 'Account', 'filled.csv', ...extra]);
      expect(run.code, run.stderr).to.equal(2);
      expect(run.stderr.trim().split('\n').at(-1), extra.join(' ')).to.equal(
        'bulkpipe: a column without a name holds a value, so no job was created: a value ("note") in column 4, which the header leaves without a name, so it goes to no field: give the column a field\'s name in the header, or empty it (filled.csv, line 3, record 2, field #4)',
      );
    }
    expect(await jobs()).to.equal(0);
    expect((await readdir(tmp.path)).filter((f) => f !== 'filled.csv' && f !== 'home')).to.deep.equal([]); // no outputs left
    const dry = await cli(['load', 'Account', 'filled.csv', '--dry-run']);
    expect(dry.code).to.equal(2);
    expect(dry.stderr).to.include('in column 4, which the header leaves without a name');
  });

  it('a value in an unnamed column past the first batch costs its record only: a row error with file, line, record and column; the rest loaded', async () => {
    const lines = Array.from({ length: 7 }, (_, i) => `Firm ${i + 1};${i + 1};;${i === 5 ? 'late' : ''}`);
    await writeFile(join(tmp.path, 'late.csv'), `Name;Phone;;\n${lines.join('\n')}\n`);
    for (const extra of [[], ['--date-format', 'dd/MM/yyyy'], ['--bulk-api', '2']]) {
      const run = await cli(['load', 'Account', 'late.csv', '--batch-size', '2', '--success', 'ok.csv', '--errors', 'bad.csv', ...extra]);
      expect(run.code, run.stderr).to.equal(3);
      const bad = await csvRows('bad.csv');
      expect(
        bad.map((r) => [r.sf__Row, r.Name, r.Phone]),
        extra.join(' '),
      ).to.deep.equal([['6', 'Firm 6', '6']]);
      expect(bad[0]?.sf__Error).to.equal(
        'BULKPIPE_UNNAMED_COLUMN:a value ("late") in column 4, which the header leaves without a name, so it goes to no field: give the column a field\'s name in the header, or empty it (late.csv, line 7, record 6, field #4):#4 --',
      );
      expect((await csvRows('ok.csv')).map((r) => r.sf__Row)).to.deep.equal(['1', '2', '3', '4', '5', '7']);
    }
  });

  it('the error file keeps a rejected value of an unnamed column whole, in a column of no name: loaded back, it is refused naming the column, never dropped', async () => {
    const long = `late ${'x'.repeat(60)}`;
    const lines = Array.from({ length: 7 }, (_, i) => `Firm ${i + 1};${i + 1};;${i === 5 ? long : ''}`);
    await writeFile(join(tmp.path, 'late.csv'), `Name;Phone;;\n${lines.join('\n')}\n`);
    for (const extra of [[], ['--date-format', 'dd/MM/yyyy']]) {
      const run = await cli(['load', 'Account', 'late.csv', '--batch-size', '2', '--success', 'ok.csv', '--errors', 'bad.csv', ...extra]);
      expect(run.code, run.stderr).to.equal(3);
      const [header, row] = parse(await readFile(join(tmp.path, 'bad.csv'), 'utf8')) as string[][];
      expect(header, extra.join(' ')).to.deep.equal(['Name', 'Phone', '', '', 'sf__Error', 'sf__Row', 'sf__Attempts']);
      expect(row?.slice(0, 4)).to.deep.equal(['Firm 6', '6', '', long]);
      const back = await cli(['load', 'Account', 'bad.csv', '--success', 'ok2.csv', '--errors', 'bad2.csv']);
      expect(back.code, back.stderr).to.equal(2);
      expect(back.stderr).to.include(`a value (${JSON.stringify(`${long.slice(0, 40)}...`)}) in column 4, which the header leaves without a name`);
    }
  });

  it('a line short only by the trailing unnamed columns (its `;;` left out) is a whole record: fast path and record path, some lines or all', async () => {
    await writeFile(join(tmp.path, 'ragged.csv'), 'Name;Phone;;\nA1;1;;\nA2;2\nA3;3;\nA4;;;\n');
    await writeFile(join(tmp.path, 'allshort.csv'), 'Name;Phone;;\nF1;1\nF2;2\n');
    for (const extra of [[], ['--date-format', 'dd/MM/yyyy']]) {
      const run = await cli(['load', 'Account', 'ragged.csv', '--success', 'ok.csv', '--errors', 'bad.csv', ...extra]);
      expect(run.code, run.stderr).to.equal(0);
      expect((await csvRows('ok.csv')).map((r) => [r.Name, r.Phone])).to.deep.equal([
        ['A1', '1'],
        ['A2', '2'],
        ['A3', '3'],
        ['A4', ''],
      ]);
      const all = await cli(['load', 'Account', 'allshort.csv', '--success', 'ok.csv', '--errors', 'bad.csv', ...extra]);
      expect(all.code, all.stderr).to.equal(0);
      expect((await csvRows('ok.csv')).map((r) => r.Name)).to.deep.equal(['F1', 'F2']);
    }
    // Short by a named column: still the field count's error.
    await writeFile(join(tmp.path, 'named.csv'), 'Name;Phone;;\nB1;1;;\nB2\n');
    const named = await cli(['load', 'Account', 'named.csv', '--success', 'ok.csv', '--errors', 'bad.csv']);
    expect(named.code, named.stderr).to.equal(3);
    expect((await csvRows('bad.csv')).map((r) => [r.sf__Row, r.sf__Error?.split(':')[0]])).to.deep.equal([['2', 'BULKPIPE_FIELD_COUNT']]);
  });

  it('a header with no name at all is one usage error on every path: the fast path, the record path and the dry run', async () => {
    await writeFile(join(tmp.path, 'nameless.csv'), ';;\n;;\na;;\n');
    for (const extra of [[], ['--date-format', 'dd/MM/yyyy'], ['--dry-run']]) {
      const run = await cli(['load', 'Account', 'nameless.csv', ...extra]);
      expect(run.code, run.stderr).to.equal(2);
      expect(run.stderr.trim().split('\n').at(-1), extra.join(' ')).to.equal(
        'bulkpipe: nameless.csv, line 1: no column of line 1 has a name: is line 1 the header? (no job was created)',
      );
    }
  });

  it('one boundary on every path: a value in the first --batch-size records stops the load (exit 2), one past them costs its record (exit 3)', async () => {
    for (const row of [2, 3]) {
      const lines = Array.from({ length: 5 }, (_, i) => `F${i + 1};${i + 1};;${i + 1 === row ? 'v' : ''}`);
      await writeFile(join(tmp.path, 'edge.csv'), `Name;Phone;;\n${lines.join('\n')}\n`);
      for (const extra of [[], ['--date-format', 'dd/MM/yyyy'], ['--group-by', 'Name'], ['--dry-run']]) {
        const run = await cli(['load', 'Account', 'edge.csv', '--batch-size', '2', '--success', 'ok.csv', '--errors', 'bad.csv', ...extra]);
        expect(run.code, `row ${row} ${extra.join(' ')}: ${run.stderr}`).to.equal(row <= 2 ? 2 : 3);
      }
    }
  });
});
