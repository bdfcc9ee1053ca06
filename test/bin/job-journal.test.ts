import { expect } from 'chai';
import { appendFile, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { listJournal, recordJob } from '../../bin/job-journal.js';
import { useTempDir } from '../helpers/temp-dir.js';

describe('bin/job-journal', () => {
  const tmp = useTempDir('bulkpipe-journal-');
  const entry = (id: string, org = 'https://a.example.com') => ({ id, org, operation: 'insert', object: 'Account', startedAt: '2026-11-30T00:00:00.000Z' });

  it('lists the newest jobs of one org first, skipping torn lines', async () => {
    const env = { BULKPIPE_HOME: tmp.path };
    await recordJob(env, entry('750A'));
    await recordJob(env, entry('750B', 'local:/x/org.db'));
    await appendFile(join(tmp.path, 'jobs.ndjson'), '{"id":"750C","org":"https://a.exa'); // a crash mid-line
    await appendFile(join(tmp.path, 'jobs.ndjson'), '\n');
    await recordJob(env, entry('750D'));
    expect((await listJournal(env, 'https://a.example.com', 10)).map((e) => e.id)).to.deep.equal(['750D', '750A']);
    expect((await listJournal(env, 'https://a.example.com', 1)).map((e) => e.id)).to.deep.equal(['750D']);
    expect(await listJournal({ BULKPIPE_HOME: join(tmp.path, 'none') }, 'x', 5)).to.deep.equal([]);
  });

  it('stays bounded: past 1 MiB the older half is dropped', async () => {
    const env = { BULKPIPE_HOME: tmp.path };
    const line = `${JSON.stringify(entry('750X'))}\n`;
    await writeFile(join(tmp.path, 'jobs.ndjson'), line.repeat(Math.ceil((1024 * 1024) / line.length)));
    await recordJob(env, entry('750LAST'));
    expect((await stat(join(tmp.path, 'jobs.ndjson'))).size).to.be.below(600 * 1024);
    expect((await readFile(join(tmp.path, 'jobs.ndjson'), 'utf8')).trim().split('\n').at(-1)).to.contain('750LAST');
  });

  it('never fails the run when the journal cannot be written', async () => {
    await writeFile(join(tmp.path, 'file'), 'x');
    const env = { BULKPIPE_HOME: join(tmp.path, 'file', 'below') }; // a file where a folder should be
    const outcome = await recordJob(env, entry('750E')).then(
      () => 'resolved',
      (err: unknown) => `rejected: ${String(err)}`,
    );
    expect(outcome).to.equal('resolved');
    expect(await readFile(join(tmp.path, 'file'), 'utf8')).to.equal('x'); // nothing written over
    expect(await listJournal(env, 'https://a.example.com', 5)).to.deep.equal([]);
  });
});
