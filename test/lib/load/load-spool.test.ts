import { expect } from 'chai';
import { readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoadSpool, spoolOwner } from '../../../lib/load/load-spool.js';
import { rejection } from '../../helpers/fixtures.js';
import { useTempDir } from '../../helpers/temp-dir.js';

/** The spool folders this process's tests could have left in the OS temp dir. */
const spoolFolders = async () => (await readdir(tmpdir())).filter((f) => f.startsWith('bulkpipe-spool-')).sort();

describe('lib/load/load-spool', () => {
  const tmp = useTempDir('bulkpipe-spooltest-');

  it('does no I/O until the first file: a spool made and disposed of leaves nothing', async () => {
    const before = await spoolFolders();
    const spool = new LoadSpool();
    await spool.dispose();
    expect(await spoolFolders()).to.deep.equal(before);
  });

  it('makes its own folder at the first file, names files by segment and kind, and removes the folder', async () => {
    const before = await spoolFolders();
    const spool = new LoadSpool();
    const payload = await spool.path(3, 'payload', 'csv');
    const rejects = await spool.path(3, 'rejects');
    expect(payload).to.match(/bulkpipe-spool-\d+-\w+\/segment-000003\.csv$/);
    expect(rejects).to.match(/segment-000003\.rejects\.ndjson$/);
    await writeFile(payload, 'x');
    expect((await spoolFolders()).length).to.equal(before.length + 1);
    await spool.dispose();
    expect(await spoolFolders()).to.deep.equal(before);
    await spool.dispose(); // twice is fine
    expect(await rejection(spool.path(4, 'payload', 'csv')))
      .to.have.property('message')
      .that.contains('disposed');
  });

  it('knows the segments not yet released, and a release removes their files', async () => {
    const spool = new LoadSpool({ dir: tmp.path });
    for (const seq of [0, 1, 2]) {
      await writeFile(await spool.path(seq, 'payload', 'csv'), 'x');
      spool.describe(seq, [[seq * 10 + 1, 10]], 10, seq);
    }
    expect(spool.pending().map((s) => [s.seq, s.records, s.rejected, s.rows])).to.deep.equal([
      [0, 10, 0, [[1, 10]]],
      [1, 10, 1, [[11, 10]]],
      [2, 10, 2, [[21, 10]]],
    ]);
    await spool.release(1);
    expect(spool.pending().map((s) => s.seq)).to.deep.equal([0, 2]);
    expect((await readdir(tmp.path)).sort()).to.deep.equal(['segment-000000.csv', 'segment-000002.csv']);
    // A folder of the caller's is kept, with only our files removed.
    await writeFile(join(tmp.path, 'theirs.txt'), 'keep');
    await spool.dispose();
    expect(await readdir(tmp.path)).to.deep.equal(['theirs.txt']);
    expect((await stat(tmp.path)).isDirectory()).to.equal(true);
  });

  it('reports a folder it cannot make at the first file', async () => {
    await writeFile(join(tmp.path, 'file'), 'x');
    const spool = new LoadSpool({ dir: join(tmp.path, 'file', 'spool') });
    expect(await rejection(spool.path(0, 'payload', 'csv'))).to.have.property('code', 'ENOTDIR');
    await spool.dispose();
  });
  it("takes on an earlier run's files (a resume), keeps them all when told to, and names temp folders by their process", async () => {
    const dir = join(tmp.path, 'spool');
    const first = new LoadSpool({ dir });
    const payload = await first.path(0, 'payload', 'csv');
    await writeFile(payload, 'Name\nA\n');
    await first.dispose(true); // a run with a ledger that did not finish
    expect(await readdir(dir)).to.deep.equal(['segment-000000.csv']);
    const resumed = new LoadSpool({ dir });
    resumed.adopt(0, [payload]);
    expect(resumed.pending().map((s) => s.seq)).to.deep.equal([0]);
    await resumed.dispose();
    expect(await readdir(dir)).to.deep.equal([]);
    expect(spoolOwner(`bulkpipe-spool-${process.pid}-abc123`)).to.equal(process.pid);
    expect(spoolOwner('bulkpipe-spool-abc123')).to.equal(undefined);
  });
});
