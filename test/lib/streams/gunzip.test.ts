import { expect } from 'chai';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { gunzippedHead, isGzipFile, ungzipped, withoutGz } from '../../../lib/streams/gunzip.js';
import { collect, rejection } from '../../helpers/fixtures.js';
import { useTempDir } from '../../helpers/temp-dir.js';

async function* chunksOf(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}
const text = async (source: AsyncIterable<Buffer>) => Buffer.concat(await collect(source)).toString();

describe('lib/streams/gunzip', () => {
  const tmp = useTempDir('bulkpipe-gunzip-');
  const csv = Buffer.from(`Name\n${Array.from({ length: 5000 }, (_, i) => `Row ${i}`).join('\n')}\n`);

  it('passes plain bytes through and decompresses gzip, whatever the chunk sizes, several members too', async () => {
    expect(await text(ungzipped(chunksOf(csv, 1000)))).to.equal(csv.toString());
    expect(await text(ungzipped(chunksOf(gzipSync(csv), 1)))).to.equal(csv.toString());
    const twoMembers = Buffer.concat([gzipSync('a,b\n'), gzipSync('1,2\n')]);
    expect(await text(ungzipped(chunksOf(twoMembers, 7)))).to.equal('a,b\n1,2\n');
    expect(await text(ungzipped(chunksOf(Buffer.from('x'), 1)))).to.equal('x');
    expect(await text(ungzipped(chunksOf(Buffer.alloc(0), 1)))).to.equal('');
  });

  it('fails on gzip cut short', async () => {
    const cut = gzipSync(csv).subarray(0, 200);
    expect(await rejection(text(ungzipped(chunksOf(cut, 50))))).to.have.property('code', 'Z_BUF_ERROR');
  });

  it('tells a gzip file by its name or its first bytes; reads a head as its reader will', async () => {
    await writeFile(join(tmp.path, 'a.csv'), gzipSync(csv));
    await writeFile(join(tmp.path, 'b.csv'), csv);
    await writeFile(join(tmp.path, 'c.csv.gz'), csv);
    expect([await isGzipFile(join(tmp.path, 'a.csv')), await isGzipFile(join(tmp.path, 'b.csv')), await isGzipFile(join(tmp.path, 'c.csv.gz'))]).to.deep.equal([true, false, true]);
    expect(gunzippedHead(gzipSync(csv).subarray(0, 100)).toString()).to.match(/^Name\nRow 0\n/);
    expect(gunzippedHead(csv.subarray(0, 10)).toString()).to.equal('Name\nRow 0');
    expect(withoutGz('x/accounts.csv.GZ')).to.equal('x/accounts.csv');
  });
});
