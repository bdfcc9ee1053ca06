import { expect } from 'chai';
import { open, readFile, readdir, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileMatches, LoadSpool, spoolOwner, type SpoolWriteFile } from '../../../lib/load/load-spool.js';
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

  /** A file whose writes the disk takes `accept` bytes of in all (a short write, as the OS gives one), then fails with `code`. */
  const fillingDisk =
    (accept: number, code: string) =>
    async (path: string): Promise<SpoolWriteFile> => {
      const file = await open(path, 'w');
      let room = accept;
      return {
        writev: (async (buffers: Buffer[]) => {
          if (room === 0) throw Object.assign(new Error(`${code}: no space left on device, write`), { code, errno: -28 });
          const all = Buffer.concat(buffers);
          const part = all.subarray(0, Math.min(room, all.length));
          room -= part.length;
          const { bytesWritten } = await file.write(part);
          return { bytesWritten, buffers };
        }) as SpoolWriteFile['writev'],
        datasync: () => file.datasync(),
        stat: ((...args: Parameters<SpoolWriteFile['stat']>) => file.stat(...args)) as SpoolWriteFile['stat'],
        close: () => file.close(),
      };
    };

  it('writes a file whole: a short write is carried on, the bytes synced and checked, its size and hash kept for the ledger', async () => {
    const spool = new LoadSpool({ dir: tmp.path, openFile: fillingDisk(5, 'ENOSPC') });
    // The disk takes 5 bytes of the first write (as one filling up does), then fails: the rest is never silently dropped.
    const err = await rejection(spool.write(0, 'payload', 'csv', [Buffer.from('Name\n'), Buffer.from('A\nB\n')]));
    expect(err).to.include({ code: 'BULK_SPOOL' });
    expect(err.message).to.match(/segment-000000\.csv could not be written whole: the disk is full \(ENOSPC\)/);
    expect(await readdir(tmp.path)).to.deep.equal([]); // the partial file is gone: nothing names or uploads it
    const roomy = new LoadSpool({ dir: tmp.path, openFile: fillingDisk(3, 'EIO') });
    expect(await rejection(roomy.write(1, 'payload', 'csv', [Buffer.from('Name\nA\n')])))
      .to.have.property('message')
      .that.contains('I/O error');
    const ok = new LoadSpool({ dir: tmp.path });
    const path = await ok.write(2, 'payload', 'csv', [Buffer.from('Name\n'), Buffer.alloc(0), Buffer.from('A\nB\n')]);
    expect(await readFile(path, 'utf8')).to.equal('Name\nA\nB\n');
    const [check] = ok.checks(2);
    expect(check).to.include({ name: 'segment-000002.csv', bytes: 9 });
    expect(check?.sha256).to.match(/^[0-9a-f]{64}$/);
    expect(await fileMatches(path, check)).to.equal(true);
    // A file another writer made (a reject file, a zip) is sealed: synced, its check taken.
    const rejects = await ok.path(2, 'rejects');
    await writeFile(rejects, '{"row":3}\n');
    expect(await ok.seal(2, rejects)).to.include({ name: 'segment-000002.rejects.ndjson', bytes: 10 });
    // A file cut short, changed or gone does not match its check.
    await writeFile(path, 'Name\nA\nC\n');
    expect(await fileMatches(path, check)).to.equal(false);
    await truncate(path, 4);
    expect(await fileMatches(path, check)).to.equal(false);
    expect(await fileMatches(join(tmp.path, 'gone.csv'), check)).to.equal(false);
    await ok.dispose();
  });
});
