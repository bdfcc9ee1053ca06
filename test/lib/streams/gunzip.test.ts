import { expect } from 'chai';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { constants, gunzipSync, gzipSync } from 'node:zlib';
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

  it('fails on gzip cut short or damaged, naming the input and the byte, after every byte before the break', async () => {
    const gz = gzipSync(csv);
    const cut = gz.subarray(0, Math.floor(gz.length / 2));
    for (const size of [1, 50, 4096, cut.length]) {
      const got: Buffer[] = [];
      const err = await rejection(
        (async () => {
          for await (const chunk of ungzipped(chunksOf(cut, size), { source: 'in.csv.gz' })) got.push(chunk);
        })(),
      );
      expect(err, `chunks of ${size}`).to.include({ code: 'BULK_PARSE', source: 'in.csv.gz' });
      expect(err.message).to.include(`ends cut off at byte ${cut.length} of the compressed input`);
      // Every byte that the cut data holds (zlib keeps none back).
      expect(Buffer.concat(got).toString(), `chunks of ${size}`).to.equal(gunzipSync(cut, { finishFlush: constants.Z_SYNC_FLUSH }).toString());
    }
    const damaged = Buffer.from(gz);
    damaged.fill(0xff, 100, 140);
    const err = await rejection(text(ungzipped(chunksOf(damaged, 64), { source: 'd.gz' })));
    expect(err).to.include({ code: 'BULK_PARSE', source: 'd.gz' });
    expect(err.message).to.include('is damaged');
  });

  it('with onCut, reports the cut there and ends after the bytes before it', async () => {
    const gz = gzipSync(csv);
    const cut = gz.subarray(0, gz.length - 3);
    const reported: Error[] = [];
    const read = await text(ungzipped(chunksOf(cut, 100), { source: 'x.gz', onCut: (err) => reported.push(err) }));
    expect(read).to.equal(csv.toString()); // the trailer is what is cut: every data byte is there
    expect(reported).to.have.length(1);
    expect(reported[0]).to.include({ code: 'BULK_PARSE', source: 'x.gz' });
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
