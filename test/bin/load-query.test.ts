/**
 * The CLI's load, query and job list end to end: the built binary as a child process, against the
 * local org it falls back to (no credentials configured) or a test org given by flags.
 */
import { expect } from 'chai';
import type { ChildProcess } from 'node:child_process';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { runCli, startCli, type CliRun } from '../helpers/cli.js';
import { startTestOrg } from '../helpers/local-org.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

describe('bin/bulkpipe load, query, job list (built binary, end to end)', function () {
  this.timeout(60_000);
  const tmp = useTempDir('bulkpipe-cli-');
  /** The CLI in the test's folder, its local org in the test's folder too. */
  const cli = (args: string[], options: { stdin?: string; env?: Record<string, string> } = {}): Promise<CliRun> =>
    runCli(args, { cwd: tmp.path, env: { BULKPIPE_HOME: join(tmp.path, 'home'), ...options.env }, ...(options.stdin !== undefined ? { stdin: options.stdin } : {}) });
  const csvRows = (text: string) => parse(text, { columns: true }) as Array<Record<string, string>>;

  it('falls back to the local org, loads a CSV file, names the result files after the job, exits 0', async () => {
    await writeFile(join(tmp.path, 'accounts.csv'), 'Name,NumberOfEmployees\nAcme,10\nGlobex,20\n');
    const result = await cli(['load', 'Account', 'accounts.csv']);
    expect(result.code, result.stderr).to.equal(0);
    const lines = result.stderr.trim().split('\n');
    expect(lines[0]).to.match(/^bulkpipe: no Salesforce connection configured: using the local org in .*org\.db/);
    expect(lines.at(-1)).to.match(
      /^bulkpipe: insert Account: 2 records read, 2 succeeded, 0 failed .*job (750\w+); success: .*accounts\.750\w+\.success\.csv, errors: .*accounts\.750\w+\.errors\.csv$/,
    );
    const files = (await readdir(tmp.path)).filter((f) => f.startsWith('accounts.750')).sort();
    expect(files).to.have.length(2);
    expect(csvRows(await readFile(join(tmp.path, files[1] as string), 'utf8')).map((r) => r.Name)).to.deep.equal(['Acme', 'Globex']);
    // The same local org serves a later command: the data is there.
    const query = await cli(['query', 'SELECT Name FROM Account ORDER BY Name', '--quiet']);
    expect(query.code, query.stderr).to.equal(0);
    expect(query.stdout).to.equal('"Name"\n"Acme"\n"Globex"\n');
  });

  it('checks the columns against the describe before any job: a misspelt field is exit 2 with a did-you-mean; --no-check uploads anyway', async () => {
    await writeFile(join(tmp.path, 'typo.csv'), 'Name,Phnoe\nAcme,555\n');
    const refused = await cli(['load', 'Account', 'typo.csv', '--quiet']);
    expect(refused.code, refused.stderr).to.equal(2);
    expect(refused.stderr.trim().split('\n').at(-1)).to.equal(
      'bulkpipe: the columns do not fit Account, so no job was created: Phnoe is not a field of Account (did you mean Phone?)',
    );
    expect(await readFile(join(tmp.path, 'home', 'jobs.ndjson'), 'utf8').catch(() => '')).to.equal(''); // no job
    expect((await readdir(tmp.path)).filter((f) => f.startsWith('typo.') && f !== 'typo.csv')).to.deep.equal([]); // no outputs left
    await writeFile(join(tmp.path, 'contacts.csv'), 'Email\na@example.com\n');
    const required = await cli(['load', 'Contact', 'contacts.csv', '--quiet']);
    expect(required.code).to.equal(2);
    expect(required.stderr).to.contain('LastName is required on Contact and no column gives it');
    const unchecked = await cli(['load', 'Account', 'typo.csv', '--no-check', '--errors', 'typo.bad.csv', '--success', 'typo.ok.csv', '--quiet']);
    expect(unchecked.code, unchecked.stderr).to.equal(3);
    expect(csvRows(await readFile(join(tmp.path, 'typo.bad.csv'), 'utf8'))[0]?.sf__Error).to.match(/Phnoe/);
  });

  it('exits 3 when some records fail, with the failures in the error file', async () => {
    await writeFile(join(tmp.path, 'mixed.csv'), 'Name,NumberOfEmployees\nGood,1\n,2\nBad,many\n');
    const result = await cli(['load', 'Account', 'mixed.csv', '--success', 'ok.csv', '--errors', 'bad.csv', '--quiet']);
    expect(result.code).to.equal(3);
    expect(result.stderr).not.to.match(/insert Account/); // --quiet: no summary
    expect(csvRows(await readFile(join(tmp.path, 'ok.csv'), 'utf8')).map((r) => r.Name)).to.deep.equal(['Good']);
    const bad = csvRows(await readFile(join(tmp.path, 'bad.csv'), 'utf8'));
    expect(bad.map((r) => (r.sf__Error as string).split(':')[0])).to.deep.equal(['REQUIRED_FIELD_MISSING', 'INVALID_FIELD']);
  });

  for (const [format, text] of [
    ['ndjson', '{"Name":"N1","NumberOfEmployees":1}\n{"Name":"N2"}\n'],
    ['json', '[{"Name":"N1","NumberOfEmployees":1},{"Name":"N2"}]'],
    ['xml', '<sObjects><sObject><Name>N1</Name></sObject><sObject><Name>N2</Name></sObject></sObjects>'],
    ['csv', 'Name\nN1\nN2\n'],
  ] as const) {
    it(`loads ${format} from stdin, with --json`, async () => {
      const result = await cli(['load', 'Account', '-', '--format', format, '--json', '--quiet'], { stdin: text });
      expect(result.code, result.stderr).to.equal(0);
      const summary = JSON.parse(result.stdout) as { recordsRead: number; recordsSucceeded: number; jobId: string; successPath: string };
      expect(summary).to.include({ recordsRead: 2, recordsSucceeded: 2 });
      expect(summary.successPath).to.match(new RegExp(`stdin\\.${summary.jobId}\\.success\\.csv$`));
    });
  }

  it('upserts on an external id given by flags against another org, and never prints the password', async () => {
    const org = await startTestOrg({
      username: 'etl@example.com',
      password: 'Pw-7f3a9c-secret',
      schema: { objects: [{ name: 'Account', fields: [{ name: 'Ext__c', type: 'string', length: 20, externalId: true, unique: true }] }] },
    });
    try {
      const flags = ['--login-url', org.org.loginUrl, '--username', org.org.username, '--password', org.org.password];
      await writeFile(join(tmp.path, 'up.csv'), 'Ext__c,Name\nE1,First\nE2,Second\n');
      const first = await cli(['load', 'Account', 'up.csv', '--operation', 'upsert', '--external-id', 'Ext__c', ...flags]);
      expect(first.code, first.stderr).to.equal(0);
      expect(first.stderr).not.to.contain('local org');
      await writeFile(join(tmp.path, 'up.csv'), 'Ext__c,Name\nE1,First again\nE3,Third\n');
      const second = await cli(['load', 'Account', 'up.csv', '--operation', 'upsert', '--external-id', 'Ext__c', '--success', 'up-ok.csv', ...flags]);
      expect(second.code, second.stderr).to.equal(0);
      const ok = csvRows(await readFile(join(tmp.path, 'up-ok.csv'), 'utf8'));
      expect(ok.map((r) => [r.Ext__c, r.sf__Created])).to.deep.equal([
        ['E1', 'false'],
        ['E3', 'true'],
      ]);
      const query = await cli(['query', 'SELECT Ext__c, Name FROM Account ORDER BY Ext__c', '--format', 'ndjson', ...flags]);
      expect(
        query.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as unknown),
      ).to.deep.equal([
        { Ext__c: 'E1', Name: 'First again' },
        { Ext__c: 'E2', Name: 'Second' },
        { Ext__c: 'E3', Name: 'Third' },
      ]);
      expect(first.stderr + first.stdout + second.stderr + query.stderr).not.to.contain(org.org.password);
    } finally {
      await org.close();
    }
  });

  it('queries to a file with -o, with PK chunking, every row once', async () => {
    const rows = Array.from({ length: 300 }, (_, i) => `Row ${String(i).padStart(3, '0')}`);
    expect((await cli(['load', 'Account', '-', '--quiet'], { stdin: `Name\n${rows.join('\n')}\n` })).code).to.equal(0);
    const result = await cli(['query', 'SELECT Id, Name FROM Account', '--pk-chunking=100', '-o', 'out.csv', '--json']);
    expect(result.code, result.stderr).to.equal(0);
    expect(JSON.parse(result.stdout)).to.include({ rows: 300, batches: 3, output: 'out.csv' });
    const back = csvRows(await readFile(join(tmp.path, 'out.csv'), 'utf8'));
    expect(back.map((r) => r.Name).sort()).to.deep.equal(rows);
  });

  it('| head: a stdout closed early ends the run quietly with exit 0, and the job is closed', async () => {
    const many = Array.from({ length: 30_000 }, (_, i) => `Many ${i},${i}`).join('\n');
    expect((await cli(['load', 'Account', '-', '--quiet'], { stdin: `Name,NumberOfEmployees\n${many}\n` })).code).to.equal(0);
    const child = startCli(['query', 'SELECT Id, Name, NumberOfEmployees FROM Account', '--quiet'], { cwd: tmp.path, env: { BULKPIPE_HOME: join(tmp.path, 'home') } });
    child.stdin.end();
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    let head = '';
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (c: Buffer) => {
        head += c.toString();
        if (head.split('\n').length > 5) {
          child.stdout.destroy(); // what `head -5` does once it has its lines
          resolve();
        }
      });
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, stderr).to.equal(0);
    expect(stderr).to.equal(''); // --quiet: not even the local-org notice
    const list = await cli(['job', 'list', '--json', '--limit', '1']);
    const [job] = JSON.parse(list.stdout) as Array<{ operation: string; state: string }>;
    expect(job).to.include({ operation: 'query', state: 'Closed' });
  });

  it('Ctrl-C stops reading, loads and writes what was read, closes the job, prints its id, exits 130; a second one exits at once', async () => {
    const home = join(tmp.path, 'home');
    /** The jobs the CLI has recorded in its journal: a job is recorded once its first batch is on its way. */
    const journaled = async () => (await readFile(join(home, 'jobs.ndjson'), 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
    /** Fails the wait at once when the CLI died instead of waiting out the timeout. */
    const running = (process: ChildProcess, stderr: string) => {
      if (process.exitCode !== null) throw new Error(`the CLI exited with ${process.exitCode}: ${stderr}`);
      return true;
    };
    const child = startCli(['load', 'Account', '-', '--batch-size', '100', '--success', 'ok.csv', '--errors', 'bad.csv'], { cwd: tmp.path, env: { BULKPIPE_HOME: home } });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdin.on('error', () => undefined); // once it stops reading, our writes meet a closed pipe
    child.stdin.write('Name\n');
    let n = 0;
    // A producer that never ends, as `tail -f` would be.
    const feed = setInterval(() => child.stdin.write(`${Array.from({ length: 50 }, () => `Live ${++n}`).join('\n')}\n`), 10);
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    // The signal to interrupt: the job exists (records were read and a batch is uploading), however long the CLI took to start.
    await waitFor('the first job in the journal', async () => running(child, stderr) && (await journaled()) >= 1);
    child.kill('SIGINT');
    const code = await exited;
    clearInterval(feed);
    expect(code, stderr).to.equal(130);
    const jobId = /interrupted: stopped reading after [\d,]+ records; job (750\w+) closed/.exec(stderr)?.[1];
    expect(jobId, stderr).to.be.a('string');
    const ok = csvRows(await readFile(join(tmp.path, 'ok.csv'), 'utf8'));
    expect(ok.length).to.be.above(0);
    expect(ok.every((r) => /^Live \d+$/.test(r.Name as string))).to.equal(true);
    const list = JSON.parse((await cli(['job', 'list', '--json'])).stdout) as Array<{ id: string; state: string; processed: number }>;
    expect(list[0]).to.include({ id: jobId, state: 'Closed', processed: ok.length });

    // A slow first poll keeps the graceful stop busy while the second Ctrl-C comes.
    const hard = startCli(['load', 'Account', '-', '--poll-interval', '5000'], { cwd: tmp.path, env: { BULKPIPE_HOME: home } });
    let hardErr = '';
    hard.stderr.on('data', (c: Buffer) => (hardErr += c.toString()));
    hard.stdin.on('error', () => undefined);
    hard.stdin.write('Name\n');
    const hardFeed = setInterval(() => hard.stdin.write(`${Array.from({ length: 50 }, () => `Held ${++n}`).join('\n')}\n`), 10);
    const hardExited = new Promise<number | null>((resolve) => hard.on('close', resolve));
    await waitFor('the second job in the journal', async () => running(hard, hardErr) && (await journaled()) >= 2);
    hard.kill('SIGINT');
    // The second Ctrl-C comes once the first one is being handled (the CLI says so), while the slow poll holds the stop.
    await waitFor('the graceful stop to begin', () => running(hard, hardErr) && hardErr.includes('stopping (press Ctrl-C again'));
    hard.kill('SIGINT');
    const hardCode = await hardExited;
    clearInterval(hardFeed);
    expect(hardCode, hardErr).to.equal(130);
    expect(hardErr, hardErr).to.contain('stopped at once');
  });

  it('job results: every batch of a load as one results CSV; every row of a PK-chunked query with one header', async () => {
    const names = Array.from({ length: 250 }, (_, i) => `R${i}`);
    const load = await cli(['load', 'Account', '-', '--batch-size', '100', '--json', '--quiet'], {
      stdin: `Name,NumberOfEmployees\n${names.map((n, i) => `${n},${i === 7 ? 'x' : i}`).join('\n')}\n`,
    });
    const { jobId } = JSON.parse(load.stdout) as { jobId: string };
    const results = await cli(['job', 'results', jobId]);
    expect(results.code, results.stderr).to.equal(0);
    const rows = csvRows(results.stdout);
    expect(rows).to.have.length(250);
    expect(rows.filter((r) => r.Success === 'false').map((r) => (r.Error as string).split(':')[0])).to.deep.equal(['INVALID_FIELD']);
    const query = await cli(['query', 'SELECT Name FROM Account', '--pk-chunking=60', '--json', '-o', 'q.csv']);
    const queryJob = (JSON.parse(query.stdout) as { jobId: string }).jobId;
    const back = await cli(['job', 'results', queryJob]);
    expect(back.code, back.stderr).to.equal(0);
    expect(back.stderr).not.to.contain('NotProcessed'); // the chunked query's original batch is not a failure
    expect(
      csvRows(back.stdout)
        .map((r) => r.Name)
        .sort(),
    ).to.deep.equal(names.filter((_, i) => i !== 7).sort());
  });

  it('job list: the jobs started here, newest first, with their states', async () => {
    await cli(['load', 'Contact', '-', '--quiet'], { stdin: 'LastName\nOne\n' });
    await cli(['query', 'SELECT LastName FROM Contact', '--quiet']);
    const list = await cli(['job', 'list']);
    expect(list.code, list.stderr).to.equal(0);
    const lines = list.stdout.trim().split('\n');
    expect(lines[0]).to.match(/^JOB\s+OPERATION\s+OBJECT\s+STATE/);
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(1, 4))).to.deep.equal([
      ['query', 'Contact', 'Closed'],
      ['insert', 'Contact', 'Closed'],
    ]);
  });

  it('exit 1 on a failed run: input cut off after good records, which are still loaded and written', async () => {
    await writeFile(join(tmp.path, 'broken.json'), '[{"Name":"Kept"},\n{"Name":"Also"}');
    const result = await cli(['load', 'Account', 'broken.json', '--errors', 'e.csv', '--success', 's.csv']);
    expect(result.code).to.equal(1);
    const last = result.stderr.trim().split('\n').at(-1) as string;
    expect(last).to.match(/^bulkpipe: broken\.json, line 2: the array is not closed.*\[job 750\w+\]$/);
    expect(result.stderr).to.match(/results so far: 2 succeeded, 0 failed, 0 pending \(read, results not in the outputs yet\); success: .*s\.csv, errors: .*e\.csv/);
    expect(csvRows(await readFile(join(tmp.path, 's.csv'), 'utf8')).map((r) => r.Name)).to.deep.equal(['Kept', 'Also']);
  });

  it('exit 3 when bad records are rejected: each in the error file with its place, the rest loaded', async () => {
    await writeFile(join(tmp.path, 'bad.csv'), 'Name,Phone\nGood,1\nToo,many,fields\nO"Brien,2\nAlso good,3\n');
    const result = await cli(['load', 'Account', 'bad.csv', '--errors', 'e.csv', '--success', 's.csv']);
    expect(result.code, result.stderr).to.equal(3);
    expect(csvRows(await readFile(join(tmp.path, 's.csv'), 'utf8')).map((r) => r.Name)).to.deep.equal(['Good', 'Also good']);
    const errors = csvRows(await readFile(join(tmp.path, 'e.csv'), 'utf8'));
    expect(errors.map((r) => [r.sf__Row, r.Name])).to.deep.equal([
      ['2', 'Too'],
      ['3', 'O"Brien'],
    ]);
    expect(errors[0]?.sf__Error).to.include('BULKPIPE_FIELD_COUNT:the record has 3 fields, the header 2').and.include('bad.csv, line 3, record 2');
    expect(errors[1]?.sf__Error).to.include('a stray quote').and.include('bad.csv, line 4, column 2, record 3, field Name');
  });

  it('reads a semicolon- or tab-separated file by its header (or --delimiter), and uploads it with commas', async () => {
    await writeFile(join(tmp.path, 'semi.csv'), 'Name;Phone\n"Acme; Inc";1\nB;2\n');
    const detected = await cli(['load', 'Account', 'semi.csv', '--success', 's.csv', '--errors', 'e.csv']);
    expect(detected.code, detected.stderr).to.equal(0);
    expect(detected.stderr).to.include('separated by ";"');
    expect(csvRows(await readFile(join(tmp.path, 's.csv'), 'utf8')).map((r) => [r.Name, r.Phone])).to.deep.equal([
      ['Acme; Inc', '1'],
      ['B', '2'],
    ]);
    await writeFile(join(tmp.path, 'tabs.csv'), 'Name\tPhone\nC\t3\n');
    const given = await cli(['load', 'Account', '-', '--delimiter', 'tab', '--success', 's2.csv', '--errors', 'e2.csv'], {
      stdin: await readFile(join(tmp.path, 'tabs.csv'), 'utf8'),
    });
    expect(given.code, given.stderr).to.equal(0);
    expect(csvRows(await readFile(join(tmp.path, 's2.csv'), 'utf8')).map((r) => [r.Name, r.Phone])).to.deep.equal([['C', '3']]);
    expect((await cli(['load', 'Account', 'semi.csv', '--delimiter', '"'])).code).to.equal(2);
  });

  it('--bulk-api 2 loads through Bulk API 2.0 jobs of --job-size (a semicolon file too), the outputs as v1; what 2.0 cannot do is a usage error', async () => {
    const rows = Array.from({ length: 300 }, (_, i) => `"V2 ${i + 1}; x";${i % 50 === 49 ? 'many' : i}`);
    await writeFile(join(tmp.path, 'v2.csv'), `Name;NumberOfEmployees\n${rows.join('\n')}\n`);
    const run = await cli(['load', 'Account', 'v2.csv', '--bulk-api', '2', '--job-size', '4k', '--batch-size', '40', '--success', 'v2s.csv', '--errors', 'v2e.csv']);
    expect(run.code, run.stderr).to.equal(3);
    const ok = csvRows(await readFile(join(tmp.path, 'v2s.csv'), 'utf8'));
    const failed = csvRows(await readFile(join(tmp.path, 'v2e.csv'), 'utf8'));
    expect(ok).to.have.length(294);
    expect(failed.map((r) => Number(r.sf__Row))).to.deep.equal([50, 100, 150, 200, 250, 300]);
    for (const row of ok) expect(row.Name).to.equal(`V2 ${row.sf__Row}; x`);
    // `job list` reads a 2.0 job's state from the 2.0 resources.
    const list = await cli(['job', 'list', '--json', '--limit', '1']);
    const [job] = JSON.parse(list.stdout) as Array<{ operation: string; state: string; bulkApi?: number }>;
    expect(job).to.include({ operation: 'insert', state: 'JobComplete', bulkApi: 2 });
    for (const bad of [
      ['--bulk-api', '3'],
      ['--job-size', '1M'],
      ['--bulk-api', '2', '--serial'],
      ['--bulk-api', '2', '--content-type', 'JSON'],
      ['--bulk-api', '2', '--job-size', '200M'],
    ]) {
      const refused = await cli(['load', 'Account', 'v2.csv', ...bad]);
      expect(refused.code, bad.join(' ')).to.equal(2);
      expect(refused.stderr, bad.join(' ')).to.match(/--bulk-api|--job-size/);
    }
  });

  it('--dry-run: the would-be errors to the error file, exit 3, no job; --map renames columns, --date-format converts dates', async () => {
    await writeFile(join(tmp.path, 'dry.csv'), 'Surname,Birthdate\nA,01/31/2024\nB,1990-13-01\nC,31/01/2024\n');
    const dry = await cli(['load', 'Contact', 'dry.csv', '--dry-run', '--map', 'Surname=LastName', '--date-format', 'MM/dd/yyyy', '--errors', 'dry.errors.csv']);
    expect(dry.code, dry.stderr).to.equal(3);
    expect(dry.stderr).to.include('dry run of insert into Contact: 3 records read, 1 would be uploaded, 2 would fail').and.include('no job was created');
    expect(csvRows(await readFile(join(tmp.path, 'dry.errors.csv'), 'utf8')).map((r) => [r.sf__Row, r.LastName])).to.deep.equal([
      ['2', 'B'],
      ['3', 'C'],
    ]);
    await writeFile(join(tmp.path, 'contacts.sdl'), '# Data Loader mapping\nSurname=LastName\n');
    const load = await cli(['load', 'Contact', 'dry.csv', '--map', 'contacts.sdl', '--date-format', 'MM/dd/yyyy', '--success', 'ok.csv', '--errors', 'err.csv']);
    expect(load.code, load.stderr).to.equal(3);
    expect(csvRows(await readFile(join(tmp.path, 'ok.csv'), 'utf8')).map((r) => [r.LastName, r.Birthdate])).to.deep.equal([['A', '2024-01-31']]);
    const back = await cli(['query', "SELECT LastName, Birthdate FROM Contact WHERE LastName = 'A'", '--quiet']);
    expect(csvRows(back.stdout).map((r) => r.Birthdate)).to.deep.equal(['2024-01-31']);
    expect((await cli(['load', 'Contact', 'dry.csv', '--date-format', 'yyyy'])).code).to.equal(2);
    expect((await cli(['load', 'Contact', 'dry.csv', '--map', 'no-such-file.sdl'])).code).to.equal(2);
  });

  it('--attachments: a usage error for a missing folder or a delete; --dry-run checks the files as a load does', async () => {
    await mkdir(join(tmp.path, 'files'), { recursive: true });
    await writeFile(join(tmp.path, 'files', 'a.txt'), 'A');
    await writeFile(join(tmp.path, 'att.csv'), 'Name,ParentId,Body\na,001000000000001AAA,a.txt\nb,001000000000001AAA,#b.txt\n');
    const none = await cli(['load', 'Attachment', 'att.csv', '--attachments', 'no-such-folder']);
    expect([none.code, none.stderr.trim()]).to.deep.equal([2, 'bulkpipe: load: --attachments no-such-folder: not a folder']);
    const del = await cli(['load', 'Attachment', 'att.csv', '--attachments', 'files', '--operation', 'delete']);
    expect([del.code, del.stderr.trim()]).to.deep.equal([2, 'bulkpipe: load: --attachments is for insert, update and upsert, not delete']);
    const dry = await cli(['load', 'Attachment', 'att.csv', '--attachments', 'files', '--dry-run', '--errors', 'att.errors.csv']);
    expect(dry.code, dry.stderr).to.equal(3);
    const [failed, ...others] = csvRows(await readFile(join(tmp.path, 'att.errors.csv'), 'utf8'));
    expect(others).to.deep.equal([]);
    expect(failed?.sf__Error).to.match(/^BULKPIPE_ATTACHMENT:the value "#b\.txt" names .*b\.txt, which does not exist \(att\.csv, line 3, record 2, field Body\):Body --$/);
  });

  it('an empty input is 0 records in every format: exit 0 and no job', async () => {
    for (const name of ['empty.csv', 'empty.ndjson', 'empty.json', 'empty.xml']) {
      await writeFile(join(tmp.path, name), '');
      const result = await cli(['load', 'Account', name, '--json']);
      expect(result.code, `${name}: ${result.stderr}`).to.equal(0);
      expect(JSON.parse(result.stdout)).to.include({ recordsRead: 0, jobId: null });
    }
  });

  it('an output path that cannot be written is a usage error (exit 2) before any job; an error file loads back as it is', async () => {
    await writeFile(join(tmp.path, 'in.csv'), 'Name,NumberOfEmployees\nGood,1\nBad,many\n');
    for (const flag of ['--errors', '--success', '--results']) {
      const result = await cli(['load', 'Account', 'in.csv', flag, join(tmp.path, 'no', 'such', 'dir', 'out.csv')]);
      expect(result.code, flag).to.equal(2);
      expect(result.stderr.trim().split('\n'), flag).to.deep.equal([
        `bulkpipe: load: cannot write ${flag} ${join(tmp.path, 'no', 'such', 'dir', 'out.csv')}: no folder ${join(tmp.path, 'no', 'such', 'dir')}`,
      ]);
    }
    expect(await readFile(join(tmp.path, 'home', 'jobs.ndjson'), 'utf8').catch(() => 'none')).to.equal('none'); // no job was started

    const first = await cli(['load', 'Account', 'in.csv', '--success', 'ok.csv', '--errors', 'bad.csv']);
    expect(first.code).to.equal(3);
    expect((await readFile(join(tmp.path, 'bad.csv'), 'utf8')).split('\n')[1]).to.match(/^Bad,many,"?INVALID_FIELD:.*",2,1$/);
    await writeFile(join(tmp.path, 'bad.csv'), (await readFile(join(tmp.path, 'bad.csv'), 'utf8')).replace('Bad,many', 'Bad,2'));
    const again = await cli(['load', 'Account', 'bad.csv', '--success', 'ok2.csv', '--errors', 'bad2.csv']);
    expect(again.code, again.stderr).to.equal(0);
    expect(again.stderr).to.contain('bulkpipe: a bulkpipe error file: sf__Error, sf__Row, sf__Attempts are result columns, not uploaded\n');
    expect(again.stderr.trim().split('\n').at(-1)).to.match(/1 succeeded, 0 failed .*; the input was a bulkpipe error file \(sf__Error, sf__Row, sf__Attempts not uploaded\)$/);
    expect(await readFile(join(tmp.path, 'ok2.csv'), 'utf8')).to.match(/^Name,NumberOfEmployees,sf__Id,sf__Created,sf__Row,sf__Attempts\nBad,2,0015g\w{13},true,1,1\n$/);
    const quiet = await cli(['load', 'Account', 'bad.csv', '--quiet', '--success', 'ok3.csv', '--errors', 'bad3.csv']);
    expect(quiet.stderr).not.to.contain('result columns');
  });

  it('usage errors exit 2 with one line: a missing object, a bad value, an upsert without --external-id, an unknown extension', async () => {
    await writeFile(join(tmp.path, 'data.txt'), 'Name\nX\n');
    for (const args of [
      ['load'],
      ['load', 'Account', 'data.txt'],
      ['load', 'Account', '-', '--batch-size', '0'],
      ['load', 'Account', '-', '--operation', 'merge'],
      ['load', 'Account', '-', '--operation', 'upsert'],
      ['load', 'Account', 'missing.csv'],
      ['query'],
      ['query', 'SELECT Id FROM Account', '--format', 'xml'],
      ['query', 'SELECT Id FROM Account', '--pk-chunking=0'],
      ['load', 'Account', '-', '--frobnicate'],
    ]) {
      const result = await cli(args);
      expect(result.code, args.join(' ')).to.equal(2);
      expect(result.stderr.trim().split('\n'), args.join(' ')).to.have.length(1);
    }
  });

  it('--help on every command, with examples', async () => {
    for (const command of ['load', 'query', 'job', 'server']) {
      const result = await cli([command, '--help']);
      expect(result.code, command).to.equal(0);
      expect(result.stdout, command).to.contain('Examples:');
    }
  });
});
