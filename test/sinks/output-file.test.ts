import { expect } from 'chai';
import { open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OutputFile } from '../../sinks/output-file.js';
import { rejection } from '../helpers/fixtures.js';
import { useTempDir } from '../helpers/temp-dir.js';

describe('sinks/output-file', () => {
  const tmp = useTempDir('bulkpipe-output-');
  const path = () => join(tmp.path, 'out.csv');

  async function add(file: OutputFile, text: string): Promise<void> {
    const pending = file.addText(text);
    if (pending) await pending;
  }

  it('writes every byte in order, through many buffers, pieces larger than a buffer and the put methods', async () => {
    const file = await OutputFile.create(path());
    let expected = '';
    for (let i = 0; i < 20_000; i++) {
      const line = `row ${i},Zoë,${'x'.repeat(i % 50)}`;
      const bytes = Buffer.from(`..${line}..`);
      const pending = file.addBytes(bytes, 2, bytes.length - 2);
      if (pending) await pending;
      const room = file.room(64);
      if (room) await room;
      file.putByte(0x2c);
      file.putText(i % 7 === 0 ? 'é' : 'id');
      file.putInteger(i);
      file.putBytes(Buffer.from('\n'), 0, 1);
      expected += `${line},${i % 7 === 0 ? 'é' : 'id'}${i}\n`;
    }
    const huge = 'h'.repeat(600_000);
    await add(file, huge);
    expected += huge;
    const room = file.room(32);
    if (room) await room;
    for (const n of [0, 9, 10, 2147483647, 2147483653]) file.putInteger(n);
    expected += '09102147483647' + '2147483653';
    await file.close();
    expect(await readFile(path(), 'utf8')).to.equal(expected);
  });

  it('rolls back to the last boundary, from the buffer or from the file', async () => {
    const file = await OutputFile.create(path());
    await add(file, 'kept\n');
    file.commit();
    await add(file, 'dropped while buffered\n');
    await file.rollback();
    await add(file, `${'w'.repeat(700_000)}\n`); // flushed to the file before the rollback
    await file.rollback();
    await add(file, 'after\n');
    await file.close();
    expect(await readFile(path(), 'utf8')).to.equal('kept\nafter\n');
  });

  it('after a failure keeps the file up to its last boundary, whatever was buffered or written after it', async () => {
    const file = await OutputFile.create(path());
    await add(file, 'segment 1\n');
    file.commit();
    await add(file, `${'partial '.repeat(100_000)}\n`);
    await file.abandon();
    expect(await readFile(path(), 'utf8')).to.equal('segment 1\n');
    await file.abandon(); // twice is fine

    const buffered = await OutputFile.create(path());
    await add(buffered, 'a\n');
    buffered.commit();
    await add(buffered, 'b\n');
    buffered.commit();
    await add(buffered, 'c');
    await buffered.abandon();
    expect(await readFile(path(), 'utf8')).to.equal('a\nb\n');
  });

  it('after a failed write cuts the file at the last boundary the disk took whole, never inside a segment', async () => {
    const probe = await open(join(tmp.path, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as { write: (...args: unknown[]) => Promise<unknown> };
    await probe.close();
    const write = proto.write;
    let fail = false;
    proto.write = function (this: unknown, ...args: unknown[]) {
      if (fail) return Promise.reject(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }));
      return write.apply(this, args);
    };
    try {
      const file = await OutputFile.create(path());
      await add(file, 'segment 1\n');
      file.commit(1);
      await add(file, 'p'.repeat(300_000)); // a buffer of segment 2 reaches the disk
      await add(file, 'end of 2\n');
      file.commit(2);
      fail = true;
      expect(await rejection(file.flush())).to.have.property('code', 'ENOSPC');
      fail = false;
      expect(file.durableRows).to.equal(1);
      await file.abandon();
      expect(await readFile(path(), 'utf8')).to.equal('segment 1\n');
    } finally {
      proto.write = write;
    }
  });

  it('counts the rows the disk has taken whole, boundary by boundary', async () => {
    const file = await OutputFile.create(path());
    await add(file, 'a\n');
    file.commit(1);
    await add(file, 'b\n');
    file.commit(2);
    expect(file.durableRows).to.equal(0); // still in the buffer
    await add(file, 'x'.repeat(600_000)); // hands both boundaries to the disk
    await file.rollback(); // waits for the write in flight
    expect(file.durableRows).to.equal(2);
    await file.close();
  });

  it('passes on the file system\u2019s error (a full disk)', async () => {
    const file = await OutputFile.create('/dev/full');
    await add(file, 'x'.repeat(1000));
    expect(await rejection(file.close())).to.have.property('code', 'ENOSPC');
  });
  it('continues a file after the size an earlier run accounted for, cutting what lies past it; flush says the size', async () => {
    await writeFile(path(), 'kept line\ntorn li');
    const file = await OutputFile.continue(path(), 10);
    await add(file, 'next\n');
    expect(await file.flush()).to.equal(15);
    await file.close();
    expect(await readFile(path(), 'utf8')).to.equal('kept line\nnext\n');
    expect((await rejection(OutputFile.continue(path(), 1000))).message).to.contain('fewer than the 1000');
    const fresh = await OutputFile.continue(join(tmp.path, 'new.csv'), 0);
    await fresh.close();
    expect(await readFile(join(tmp.path, 'new.csv'), 'utf8')).to.equal('');
  });

  it('writes to a path that is no regular file (/dev/null): in order, with no sync or cut, which a device does not take', async () => {
    for (const open of [() => OutputFile.create('/dev/null'), () => OutputFile.continue('/dev/null', 100)]) {
      const file = await open();
      await add(file, 'Name\n');
      file.commit(1);
      await add(file, `${'x'.repeat(300_000)}\n`);
      await file.rollback();
      expect(await file.flush()).to.be.a('number');
      await file.close();
    }
    const abandoned = await OutputFile.create('/dev/null');
    await add(abandoned, 'y'.repeat(300_000));
    await abandoned.abandon();
  });

  it('syncs on flush only what changed since its last sync: written, cut back, or never synced', async () => {
    // Count the datasyncs of every FileHandle (the class is not exported: take it from an open one).
    const probe = await open(join(tmp.path, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as { datasync: () => Promise<void> };
    await probe.close();
    const datasync = proto.datasync;
    let syncs = 0;
    proto.datasync = function (this: unknown) {
      syncs++;
      return datasync.call(this);
    };
    try {
      const file = await OutputFile.create(path());
      expect(await file.flush()).to.equal(0);
      expect(syncs).to.equal(1); // a new file is synced once
      expect(await file.flush()).to.equal(0);
      expect(syncs).to.equal(1);
      await add(file, 'a,b\n');
      file.commit(1);
      expect(await file.flush()).to.equal(4);
      expect(syncs).to.equal(2);
      expect(await file.flush()).to.equal(4);
      expect(syncs).to.equal(2);
      // Bytes written past the boundary, then cut back to it: the cut is synced.
      await add(file, 'c'.repeat(300_000));
      await file.rollback();
      expect(await file.flush()).to.equal(4);
      expect(syncs).to.equal(3);
      await file.close();
      expect(await readFile(path(), 'utf8')).to.equal('a,b\n');
      const continued = await OutputFile.continue(path(), 2);
      expect(await continued.flush()).to.equal(2);
      expect(syncs).to.equal(4); // a continued file was cut when opened
      await continued.close();
    } finally {
      proto.datasync = datasync;
    }
  });
});
