import { expect } from 'chai';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { checkWritable, Outputs } from '../../bin/load-outputs.js';
import { UsageError } from '../../bin/usage-error.js';
import { useTempDir } from '../helpers/temp-dir.js';

describe('bin/load-outputs', () => {
  const tmp = useTempDir('bulkpipe-outputs-');
  const sink = () => {
    const chunks: Buffer[] = [];
    return {
      chunks,
      stream: new Writable({
        write: (chunk: Buffer, _enc, done) => {
          chunks.push(chunk);
          done();
        },
      }),
    };
  };

  it('names default outputs for the job once the load completes, and keeps given names as they are', async () => {
    const base = join(tmp.path, 'accounts');
    const given = join(tmp.path, 'mine.errors.csv');
    const outputs = Outputs.given(base, { success: undefined, errors: given, results: undefined });
    expect(outputs.success.partial).to.match(/accounts\.bulkpipe-\d+\.success\.csv\.partial$/);
    expect(outputs.errors).to.deep.include({ partial: given, final: given, named: true });
    expect(outputs.results).to.equal(undefined);
    await writeFile(outputs.success.partial, 'Id\n');
    await writeFile(given, 'Id\n');
    await outputs.settle({ jobId: '750000000000001AAA', runId: 'r1', failed: 0 }, sink().stream);
    expect(outputs.success.final).to.equal(`${base}.750000000000001AAA.success.csv`);
    expect((await readdir(tmp.path)).sort()).to.deep.equal(['accounts.750000000000001AAA.success.csv', 'mine.errors.csv']);
  });

  it('a resume reads back the outputs the run saved, stdout ones included, with nothing decoded from a file name', async () => {
    const base = join(tmp.path, 'in');
    const runDir = join(tmp.path, 'run');
    const first = Outputs.given(base, { success: '-', errors: undefined, results: join(tmp.path, 'all.ndjson') });
    await mkdir(runDir);
    await first.save(runDir);
    const again = await Outputs.saved(runDir, { success: 'ignored', errors: 'ignored', results: 'ignored' });
    expect(again.success).to.deep.equal(first.success);
    expect(again.errors).to.deep.equal(first.errors);
    expect(again.results).to.deep.equal(first.results);
    expect(again.anyToStdout).to.equal(true);
    // Settled as the first run would have been: the stdout output is copied, the default one named for the job.
    await writeFile(again.success.partial, 'Id\n001\n');
    await writeFile(again.errors.partial, 'Id,sf__Error\n');
    const out = sink();
    await again.settle({ jobId: '750J', runId: 'r2', failed: 1 }, out.stream);
    expect(Buffer.concat(out.chunks).toString()).to.equal('Id\n001\n');
    expect(again.errors.final).to.equal(`${base}.750J.errors.csv`);
    expect(await readFile(`${base}.750J.errors.csv`, 'utf8')).to.equal('Id,sf__Error\n');
  });

  it('a run from before the outputs were saved: its default and stdout outputs are known by the working names that bulkpipe gave them, the rest kept in place', async () => {
    const runDir = join(tmp.path, 'old');
    const base = join(tmp.path, 'acc');
    const success = `${base}.bulkpipe-4242.success.csv.partial`;
    const errors = `${base}.bulkpipe-4242.errors.stdout.csv.partial`;
    const results = join(tmp.path, 'given.ndjson');
    const outputs = await Outputs.saved(runDir, { success, errors, results });
    expect(outputs.success).to.deep.equal({ partial: success, final: '', named: false, stdout: false });
    expect(outputs.errors).to.deep.equal({ partial: errors, final: '', named: false, stdout: true });
    expect(outputs.results).to.deep.include({ partial: results, final: results, named: true });
    await writeFile(success, 'Id\n001\n');
    await writeFile(errors, 'Id,sf__Error\n');
    await writeFile(results, '{}\n');
    const out = sink();
    await outputs.settle({ jobId: '750X', runId: 'r', failed: 1 }, out.stream);
    expect(Buffer.concat(out.chunks).toString()).to.equal('Id,sf__Error\n');
    expect((await readdir(tmp.path)).sort()).to.deep.equal(['acc.750X.success.csv', 'given.ndjson']);
    // A damaged outputs.json is read the same way, never a crash.
    await mkdir(runDir);
    await writeFile(join(runDir, 'outputs.json'), '{"version":1,"ba');
    expect((await Outputs.saved(runDir, { success, errors, results })).errors.stdout).to.equal(true);
  });

  it('refuses an output in a missing folder or on a folder, as a usage error', async () => {
    const missing = await checkWritable('--success', join(tmp.path, 'none', 'x.csv')).catch((err: unknown) => err);
    expect(missing).to.be.instanceOf(UsageError).with.property('message').that.contains('no folder');
    const folder = await checkWritable('--errors', tmp.path).catch((err: unknown) => err);
    expect(folder).to.be.instanceOf(UsageError).with.property('message').that.contains('it is a folder');
  });
});
