/** bulkLoad end to end through the local org: every input record in exactly one output. */
import { expect } from 'chai';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { BulkClient } from '../../lib/http/client.js';
import { bulkLoad, type BulkLoadOptions, type LoadProgress } from '../../pipelines/bulk-load.js';
import type { InputFormat } from '../../transforms/record-parser.js';
import { FaultProxy } from '../helpers/fault-proxy.js';
import { rejection } from '../helpers/fixtures.js';
import { startTestOrg, type TestOrg } from '../helpers/local-org.js';
import { useTempDir } from '../helpers/temp-dir.js';

describe('pipelines/bulk-load (end to end)', () => {
  let t: TestOrg;
  const tmp = useTempDir('bulkpipe-load-');
  before(async () => {
    t = await startTestOrg({ schema: { objects: [{ name: 'Account', fields: [{ name: 'Ext_Id__c', type: 'string', length: 20, externalId: true, unique: true }] }] } });
  });
  after(async () => {
    await t.close();
  });

  async function load(name: string, text: string, options: Partial<BulkLoadOptions> & Pick<BulkLoadOptions, 'object' | 'operation'>) {
    const input = join(tmp.path, name);
    await writeFile(input, text);
    const successPath = join(tmp.path, `${name}.ok.csv`);
    const errorPath = join(tmp.path, `${name}.err.csv`);
    const format = (options.format ?? name.split('.').pop()) as InputFormat;
    const summary = await bulkLoad({ client: t.client, input, format, successPath, errorPath, minPollIntervalMs: 20, maxPollIntervalMs: 100, spoolDir: tmp.path, ...options });
    const ok = parse(await readFile(successPath), { columns: true }) as Array<Record<string, string>>;
    const failed = parse(await readFile(errorPath), { columns: true }) as Array<Record<string, string>>;
    return { summary, ok, failed };
  }

  it('rejects bad options before doing anything', async () => {
    for (const bad of [{ operation: 'merge' as never }, { joinAhead: 9 }, { joinAhead: -1 }, { object: '' }]) {
      const err = await rejection(bulkLoad({ client: t.client, input: 'never-read.csv', format: 'csv', object: 'Account', operation: 'insert', ...bad }));
      expect(err, JSON.stringify(bad)).to.include({ code: 'BULK_INVALID_OPTION' });
    }
  });

  it('inserts a CSV file (fast path): good rows in the success file, bad rows in the error file', async () => {
    const { summary, ok, failed } = await load('accounts.csv', 'Name,NumberOfEmployees\nAcme,10\n,5\n"Globex, Inc.",x\nInitech,3\n', {
      object: 'Account',
      operation: 'insert',
      joinAhead: 2,
    });
    expect(ok.map((r) => r.Name)).to.deep.equal(['Acme', 'Initech']);
    expect(ok.every((r) => /^0015g/.test(r.sf__Id as string) && r.sf__Created === 'true')).to.equal(true);
    expect(failed.map((r) => [r.Name, (r.sf__Error as string).split(':')[0]])).to.deep.equal([
      ['', 'REQUIRED_FIELD_MISSING'],
      ['Globex, Inc.', 'INVALID_FIELD'],
    ]);
    expect(summary).to.include({ recordsRead: 4, recordsSucceeded: 2, recordsFailed: 2, recordsProcessed: 4, batches: 1 });
    expect(summary.jobId).to.match(/^750/);
    expect((await t.client.getJob(summary.jobId as string)).state).to.equal('Closed');
    expect((await readdir(tmp.path)).filter((f) => f.startsWith('segment-'))).to.deep.equal([]); // spool files removed
  });

  for (const [format, text] of [
    ['ndjson', '{"Name":"N1","NumberOfEmployees":1}\n{"Name":"N2","NumberOfEmployees":"many"}\n'],
    ['json', '[{"Name":"N1","NumberOfEmployees":1},{"Name":"N2","NumberOfEmployees":"many"}]'],
    [
      'xml',
      '<sObjects><sObject><Name>N1</Name><NumberOfEmployees>1</NumberOfEmployees></sObject><sObject><Name>N2</Name><NumberOfEmployees>many</NumberOfEmployees></sObject></sObjects>',
    ],
  ] as const) {
    for (const contentType of ['CSV', 'JSON', 'XML'] as const) {
      it(`loads ${format} input into a ${contentType} job`, async () => {
        const { summary, ok, failed } = await load(`in.${format}`, text, { object: 'Account', operation: 'insert', contentType });
        expect(ok.map((r) => r.Name)).to.deep.equal(['N1']);
        expect(failed.map((r) => r.Name)).to.deep.equal(['N2']);
        expect(summary).to.include({ recordsRead: 2, recordsSucceeded: 1, recordsFailed: 1 });
      });
    }
  }

  it('upserts with relationship columns, then updates, deletes and hard-deletes', async () => {
    const accounts = await load('accounts.csv', 'Ext_Id__c,Name\nU-1,Umbrella\nU-2,Wayne\n', { object: 'Account', operation: 'upsert', externalIdField: 'Ext_Id__c' });
    expect(accounts.summary.recordsSucceeded).to.equal(2);
    const contacts = await load('contacts.csv', 'LastName,Account.Ext_Id__c\nSmith,U-1\nJones,U-404\n', { object: 'Contact', operation: 'insert' });
    expect(contacts.ok.map((r) => r.LastName)).to.deep.equal(['Smith']);
    expect(contacts.failed[0]?.sf__Error).to.contain('Foreign key external ID: U-404 not found');
    const again = await load('accounts2.csv', 'Ext_Id__c,Name\nU-1,Umbrella Corp\nU-3,Stark\n', { object: 'Account', operation: 'upsert', externalIdField: 'Ext_Id__c' });
    expect(again.ok.map((r) => r.sf__Created)).to.deep.equal(['false', 'true']);
    const ids = again.ok.map((r) => r.sf__Id as string);
    const updated = await load('update.csv', `Id,Phone\n${ids[0]},555\n001000000000000AAA,1\n`, { object: 'Account', operation: 'update' });
    expect(updated.summary).to.include({ recordsSucceeded: 1, recordsFailed: 1 });
    const deleted = await load('delete.csv', `Id\n${ids[0]}\n`, { object: 'Account', operation: 'delete' });
    expect(deleted.ok[0]?.sf__Id).to.equal(ids[0]);
    const hard = await load('hard.csv', `Id\n${ids[1]}\n`, { object: 'Account', operation: 'hardDelete' });
    expect(hard.summary.recordsSucceeded).to.equal(1);
  });

  it('sends every row of a Failed batch to the error file with the state message', async () => {
    const { summary, failed } = await load('bad.csv', 'Name,Nope__c\nA,1\nB,2\n', { object: 'Account', operation: 'insert' });
    expect(summary).to.include({ recordsFailed: 2, batchesFailed: 1 });
    expect(failed.map((r) => r.sf__Error)).to.deep.equal(['InvalidBatch : Field name not found : Nope__c', 'InvalidBatch : Field name not found : Nope__c']);
  });

  it('runs a Serial job', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => `S${i}`).join('\n');
    const { summary } = await load('serial.csv', `Name\n${rows}\n`, { object: 'Account', operation: 'insert', serial: true, batchSize: 10 });
    expect(summary).to.include({ batches: 3, recordsSucceeded: 30 });
    expect((await t.client.getJob(summary.jobId as string)).concurrencyMode).to.equal('Serial');
  });

  it('accounts for every row exactly once over 25+ batches, with rejected and failed rows, from a stream', async () => {
    const lines = Array.from({ length: 1000 }, (_, i) =>
      JSON.stringify(i % 97 === 0 ? { Name: `R${i}`, Unknown: 'x' } : i % 31 === 0 ? { NumberOfEmployees: i } : { Name: `R${i}`, NumberOfEmployees: i }),
    );
    const progress: LoadProgress[] = [];
    const resultsPath = join(tmp.path, 'results.ndjson');
    const summary = await bulkLoad({
      client: t.client,
      input: Readable.from([`${lines.join('\n')}\n`]),
      format: 'ndjson',
      object: 'Account',
      operation: 'insert',
      columns: ['Name', 'NumberOfEmployees'],
      batchSize: 39,
      concurrency: 3,
      successPath: join(tmp.path, 'ok.csv'),
      errorPath: join(tmp.path, 'err.csv'),
      resultsPath,
      minPollIntervalMs: 20,
      maxPollIntervalMs: 100,
      onProgress: (p) => progress.push(p),
    });
    expect(summary.batches).to.be.at.least(25);
    const ok = parse(await readFile(join(tmp.path, 'ok.csv')), { columns: true }) as Array<Record<string, string>>;
    const err = parse(await readFile(join(tmp.path, 'err.csv')), { columns: true }) as Array<Record<string, string>>;
    expect(ok.length + err.length).to.equal(1000);
    const results = (await readFile(resultsPath, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { row: number; success: boolean });
    const rows = results.map((r) => r.row).sort((a, b) => a - b);
    expect(rows).to.deep.equal(Array.from({ length: 1000 }, (_, i) => i + 1));
    const expectedRejected = lines.filter((_, i) => i % 97 === 0).length;
    const expectedMissing = lines.filter((_, i) => i % 97 !== 0 && i % 31 === 0).length;
    expect(err.length).to.equal(expectedRejected + expectedMissing);
    expect(err.filter((r) => (r.sf__Error as string).startsWith('BULKPIPE_UNKNOWN_FIELD'))).to.have.length(expectedRejected);
    expect(summary).to.include({ recordsRead: 1000, recordsProcessed: 1000, recordsSucceeded: ok.length, recordsFailed: err.length });
    expect(progress.at(-1)).to.include({ recordsProcessed: 1000 });
  });

  for (const [format, broken, bad] of [
    ['ndjson', `${Array.from({ length: 250 }, (_, i) => JSON.stringify({ Name: `M${i}` })).join('\n')}\n{"Name":\n${JSON.stringify({ Name: 'after' })}\n`, 'line 251, record 251'],
    ['csv', `Name\n${Array.from({ length: 250 }, (_, i) => `M${i}`).join('\n')}\nO"Brien\nafter\n`, 'line 252, column 2, record 251, field Name'],
    [
      'json',
      `[${Array.from({ length: 250 }, (_, i) => JSON.stringify({ Name: `M${i}` })).join(',\n')},\n{"Name":"x","Name":"y"},\n${JSON.stringify({ Name: 'after' })}]`,
      'line 251, record 251, field Name',
    ],
    [
      'xml',
      `<sObjects>\n${Array.from({ length: 250 }, (_, i) => `<sObject><Name>M${i}</Name></sObject>`).join('\n')}\n<sObject><Name>a & b</Name></sObject>\n<sObject><Name>after</Name></sObject></sObjects>`,
      'line 252, column 19, record 251',
    ],
  ] as const) {
    it(`${format}: a malformed record costs itself only: it goes to the error file with its place, the records after it are loaded`, async () => {
      const input = join(tmp.path, `broken.${format}`);
      await writeFile(input, broken);
      const summary = await bulkLoad({
        client: t.client,
        input,
        format,
        object: 'Account',
        operation: 'insert',
        batchSize: 100,
        successPath: join(tmp.path, 'ok.csv'),
        errorPath: join(tmp.path, 'err.csv'),
        minPollIntervalMs: 20,
      });
      const ok = parse(await readFile(join(tmp.path, 'ok.csv')), { columns: true }) as Array<Record<string, string>>;
      const failed = parse(await readFile(join(tmp.path, 'err.csv')), { columns: true }) as Array<Record<string, string>>;
      expect(ok.map((r) => r.sf__Row)).to.deep.equal([...Array.from({ length: 250 }, (_, i) => String(i + 1)), '252']);
      expect(ok.at(-1)?.Name).to.equal('after');
      expect(failed.map((r) => r.sf__Row)).to.deep.equal(['251']);
      expect(failed[0]?.sf__Error)
        .to.match(/^BULKPIPE_(MALFORMED_RECORD|DUPLICATE_FIELD):/)
        .and.include(`${input}, ${bad}`);
      expect(summary).to.include({ recordsRead: 252, recordsSucceeded: 251, recordsFailed: 1 });
    });
  }

  it('json: an array the input cuts off keeps every record before, then the run fails naming the place', async () => {
    const input = join(tmp.path, 'cut.json');
    await writeFile(input, `[${Array.from({ length: 150 }, (_, i) => JSON.stringify({ Name: `M${i}` })).join(',\n')}`);
    const progress: LoadProgress[] = [];
    const err = await rejection(
      bulkLoad({
        client: t.client,
        input,
        format: 'json',
        object: 'Account',
        operation: 'insert',
        batchSize: 100,
        successPath: join(tmp.path, 'ok.csv'),
        errorPath: join(tmp.path, 'err.csv'),
        minPollIntervalMs: 20,
        onProgress: (p) => progress.push(p),
      }),
    );
    expect(err).to.include({ code: 'BULK_PARSE', source: input, line: 150 });
    expect(err.message).to.include('the array is not closed');
    const ok = parse(await readFile(join(tmp.path, 'ok.csv')), { columns: true }) as Array<Record<string, string>>;
    expect(ok).to.have.length(150);
    expect(progress.at(-1)).to.include({ recordsProcessed: 150, recordsSucceeded: 150 });
  });

  it('stops on abort: uploads and polling cancelled, the job aborted when asked', async () => {
    const controller = new AbortController();
    const input = join(tmp.path, 'big.csv');
    await writeFile(input, `Name\n${Array.from({ length: 5000 }, (_, i) => `A${i}`).join('\n')}\n`);
    let jobSeen = false;
    let jobId = '';
    const run = bulkLoad({
      onJob: (job) => {
        jobId = job.id;
      },
      client: t.client,
      input,
      format: 'csv',
      object: 'Account',
      operation: 'insert',
      batchSize: 100,
      concurrency: 1,
      signal: controller.signal,
      abortJobOnAbort: true,
      minPollIntervalMs: 1000,
      onProgress: (p) => {
        if (p.batchesSubmitted >= 2 && !jobSeen) {
          jobSeen = true;
          controller.abort(new Error('user stop'));
        }
      },
    });
    const err = await rejection(run);
    expect(err).to.include({ code: 'BULK_ABORTED' });
    const job = await t.client.getJob(jobId);
    expect(job.state).to.equal('Aborted');
    expect(job.numberBatchesTotal).to.be.below(50);
  });

  /** An input that never ends by itself (like stdin from a producer): CSV rows, a few at a time. */
  function endlessCsv(): Readable {
    let n = 0;
    return new Readable({
      read() {
        setTimeout(() => {
          const lines = Array.from({ length: 50 }, () => `Stop ${++n},${n}`).join('\n');
          this.push(n === 50 ? `Name,NumberOfEmployees\n${lines}\n` : `${lines}\n`);
        }, 5);
      },
    });
  }

  for (const format of ['csv', 'ndjson'] as const) {
    it(`a graceful stop ends the reading, loads what was read and accounts for it (${format})`, async () => {
      const stop = new AbortController();
      const successPath = join(tmp.path, `stop-${format}.ok.csv`);
      const errorPath = join(tmp.path, `stop-${format}.err.csv`);
      // ndjson goes through the parser and chunker; csv through the fast path.
      const toNdjson = async function* (chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          for (const line of chunk.toString().split('\n')) if (line && !line.startsWith('Name')) yield `${JSON.stringify({ Name: line.split(',')[0] })}\n`;
        }
      };
      const input = format === 'csv' ? endlessCsv() : Readable.from(toNdjson(endlessCsv()), { objectMode: false });
      // Stop once a few batches were cut: records have been read, whatever the machine's speed.
      const onProgress = (p: LoadProgress) => {
        if (p.recordsRead >= 300) stop.abort();
      };
      const summary = await bulkLoad({
        client: t.client,
        input,
        format,
        object: 'Account',
        operation: 'insert',
        batchSize: 100,
        successPath,
        errorPath,
        stopSignal: stop.signal,
        minPollIntervalMs: 20,
        maxPollIntervalMs: 100,
        spoolDir: tmp.path,
        onProgress,
      });
      expect(summary.stopped).to.equal(true);
      expect(summary.recordsRead).to.be.above(0);
      const ok = parse(await readFile(successPath), { columns: true }) as Array<Record<string, string>>;
      const failed = parse(await readFile(errorPath), { columns: true }) as Array<Record<string, string>>;
      expect(ok.length + failed.length).to.equal(summary.recordsRead);
      expect(ok.every((r) => /^Stop \d+$/.test(r.Name as string))).to.equal(true); // no truncated record
      expect((await t.client.getJob(summary.jobId as string)).state).to.equal('Closed');
    });
  }

  it('a graceful stop with abortJobOnStop aborts the job; its queued rows go to the errors as NotProcessed', async () => {
    const held = await startTestOrg({ faults: { holdInProgressMs: 400 } });
    try {
      const stop = new AbortController();
      const successPath = join(tmp.path, 'stop-abort.ok.csv');
      const errorPath = join(tmp.path, 'stop-abort.err.csv');
      let submitted = 0;
      const summary = await bulkLoad({
        client: held.client,
        input: endlessCsv(),
        format: 'csv',
        object: 'Account',
        operation: 'insert',
        batchSize: 50,
        serial: true,
        successPath,
        errorPath,
        stopSignal: stop.signal,
        abortJobOnStop: true,
        minPollIntervalMs: 20,
        maxPollIntervalMs: 100,
        spoolDir: tmp.path,
        onProgress: (p) => {
          submitted = p.batchesSubmitted;
          if (submitted >= 3) stop.abort();
        },
      });
      const ok = parse(await readFile(successPath), { columns: true }) as Array<Record<string, string>>;
      const failed = parse(await readFile(errorPath), { columns: true }) as Array<Record<string, string>>;
      expect(ok.length + failed.length).to.equal(summary.recordsRead);
      expect(failed.length).to.be.above(0);
      expect(failed.every((r) => /NotProcessed|abort/i.test(r.sf__Error as string))).to.equal(true);
      expect((await held.client.getJob(summary.jobId as string)).state).to.equal('Aborted');
      await held.org.whenIdle();
    } finally {
      await held.close();
    }
  });

  it('a load that fails before its column check ends its early describe: the client closes at once, no unhandled rejection (issue 28 review)', async () => {
    const proxy = await new FaultProxy(t.org.instanceUrl).start();
    // The org never answers a describe: before, client.close() waited for the describe started beside /limits (until its headers timeout).
    proxy.rule = (r) => (/\/describe/.test(r.url) ? 'hold' : 'pass');
    const client = new BulkClient({ instanceUrl: proxy.url, accessToken: t.session, apiVersion: '62.0' });
    const unhandled: unknown[] = [];
    const onUnhandled = (err: unknown) => unhandled.push(err);
    process.on('unhandledRejection', onUnhandled);
    try {
      const input = join(tmp.path, 'early-describe.csv');
      await writeFile(input, 'Name\nA\n');
      const err = await rejection(
        bulkLoad({
          client,
          object: 'Account',
          operation: 'insert',
          input,
          format: 'csv',
          successPath: join(tmp.path, 'no-such-dir', 's.csv'),
          checkColumns: true,
          ignoreLimits: true,
        }),
      );
      expect(err).to.include({ code: 'BULK_INVALID_OPTION' });
      const closed = await Promise.race([client.close().then(() => 'closed'), new Promise((resolve) => setTimeout(() => resolve('still waiting'), 3_000).unref())]);
      expect(closed).to.equal('closed');
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).to.deep.equal([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await proxy.close();
    }
  });
});
