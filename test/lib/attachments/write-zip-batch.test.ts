import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fromBufferPromise, type Entry } from 'yauzl';
import { deflates, writeZipBatch } from '../../../lib/attachments/write-zip-batch.js';
import { zipBound } from '../../../lib/attachments/zip-budget.js';
import { readZipBatch } from '../../../server/processing/zip-batch.js';
import { rejection } from '../../helpers/fixtures.js';
import { useTempDir } from '../../helpers/temp-dir.js';

describe('lib/attachments/write-zip-batch', () => {
  const tmp = useTempDir('bulkpipe-zip-');

  async function filesOf(entries: Record<string, Buffer>) {
    const files = [];
    for (const [entry, bytes] of Object.entries(entries)) {
      const path = join(tmp.path, 'in', entry);
      await mkdir(join(path, '..'), { recursive: true });
      await writeFile(path, bytes);
      files.push({ entry, path, size: bytes.length });
    }
    return files;
  }

  it('writes request.txt and each file, readable by the org, within the bound it was cut by', async () => {
    const entries = { 'a.txt': Buffer.from('text '.repeat(10_000)), 'photos/b.jpg': randomBytes(200_000), 'c.bin': Buffer.from(Array.from({ length: 256 }, (_, i) => i)) };
    const files = await filesOf(entries);
    const manifest = Buffer.from('Name,Body\na,#a.txt\n');
    const path = join(tmp.path, 'batch.zip');
    const size = await writeZipBatch(path, manifest, files);
    expect(size).to.equal((await stat(path)).size);
    expect(size).to.be.at.most(zipBound(manifest.length, files));
    const zip = await readZipBatch(await readFile(path));
    expect(zip.manifest).to.equal(manifest.toString());
    for (const [entry, bytes] of Object.entries(entries)) expect(zip.files.get(entry)?.equals(bytes), entry).to.equal(true);
    const methods = new Map<string, number>();
    const archive = await fromBufferPromise(await readFile(path), { lazyEntries: true });
    await new Promise<void>((resolve, reject) => {
      archive.on('entry', (e: Entry) => {
        methods.set(e.fileName, e.compressionMethod);
        archive.readEntry();
      });
      archive.on('end', resolve).on('error', reject);
      archive.readEntry();
    });
    // Text is deflated; a JPEG, or a file too small to gain, is stored as it is.
    expect(Object.fromEntries(methods)).to.deep.equal({ 'request.txt': 8, 'a.txt': 8, 'photos/b.jpg': 0, 'c.bin': 0 });
  });

  it('deflates a file only where it pays: not a format compressed already, nor data whose sample does not shrink', async () => {
    const [text, random, png] = await filesOf({ 'notes.csv': Buffer.from('a,b,c\n'.repeat(50_000)), 'noise.dat': randomBytes(100_000), 'X.PNG': Buffer.from('a'.repeat(10_000)) });
    expect(await deflates(text as never)).to.equal(true);
    expect(await deflates(random as never)).to.equal(false);
    expect(await deflates(png as never)).to.equal(false);
  });

  it('fails with BULK_ATTACHMENT when a file went away or changed size since it was checked', async () => {
    const [gone] = await filesOf({ 'gone.bin': Buffer.from('x') });
    await rm(gone?.path as string);
    const err = await rejection(writeZipBatch(join(tmp.path, 'a.zip'), Buffer.from('Body\n'), [gone as never]));
    expect(err).to.include({ code: 'BULK_ATTACHMENT' });
    expect(err.message).to.contain('gone.bin');
    const [grown] = await filesOf({ 'grown.bin': Buffer.from('x') });
    await writeFile(grown?.path as string, 'grew since');
    expect(await rejection(writeZipBatch(join(tmp.path, 'b.zip'), Buffer.from('Body\n'), [grown as never]))).to.include({ code: 'BULK_ATTACHMENT' });
  });

  it('makes the same bytes for the same records and files at any time (a resumed load knows a batch cut again by its hash)', async () => {
    const files = await filesOf({ 'a.txt': Buffer.from('text '.repeat(1_000)), 'b.bin': randomBytes(2_000) });
    const manifest = Buffer.from('Name,Body\na,#a.txt\nb,#b.bin\n');
    await writeZipBatch(join(tmp.path, 'one.zip'), manifest, files);
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // a zip keeps whole seconds: a second later
    await writeZipBatch(join(tmp.path, 'two.zip'), manifest, files);
    expect((await readFile(join(tmp.path, 'one.zip'))).equals(await readFile(join(tmp.path, 'two.zip')))).to.equal(true);
  });
});
