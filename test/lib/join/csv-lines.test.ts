import { expect } from 'chai';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readCsvLines } from '../../../lib/join/csv-lines.js';
import { useTempDir } from '../../helpers/temp-dir.js';

describe('lib/join/csv-lines', () => {
  const tmp = useTempDir('bulkpipe-lines-');

  async function lines(text: string, chunkBytes?: number): Promise<string[]> {
    const path = join(tmp.path, 'p.csv');
    await writeFile(path, text);
    const out: string[] = [];
    for await (const block of readCsvLines(path, chunkBytes)) {
      for (const [i, start] of block.starts.entries()) out.push((block.chunks[i] as Buffer).toString('utf8', start, block.ends[i]));
    }
    return out;
  }

  const TEXT = 'Name,Note\r\n"Zoë","a\r\nb, ""c"""\r\n\n日本,x\nlast,"no newline at the end"';
  const EXPECTED = ['"Zoë","a\r\nb, ""c"""', '日本,x', 'last,"no newline at the end"'];

  it('gives each record\u2019s bytes without its line end, the header and empty lines skipped', async () => {
    expect(await lines(TEXT)).to.deep.equal(EXPECTED);
    expect(await lines('Name\n')).to.deep.equal([]);
    expect(await lines('Name\n""\nx\n')).to.deep.equal(['""', 'x']);
  });

  it('gives the same lines for every chunk size, records spanning chunks included', async () => {
    for (let size = 1; size <= Buffer.byteLength(TEXT) + 1; size++) expect(await lines(TEXT, size), `chunk ${size}`).to.deep.equal(EXPECTED);
  });
});
