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
      for (let i = 0; i < block.count; i++) out.push(block.chunkOf(i).toString('utf8', block.starts[i], block.ends[i]));
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

  it('gives every line of a long payload, more lines in a chunk than the one before and records carried across chunks', async () => {
    const expected = Array.from({ length: 5000 }, (_, i) => (i % 97 === 0 ? `"multi\nline ${i}",${'y'.repeat(i % 13)}` : `row ${i},${'x'.repeat((i * 7) % 150)}`));
    const text = `Name,Note\n${expected.join('\n')}\n`;
    for (const size of [4096, 10_000, 65_536, 256 * 1024]) expect(await lines(text, size), `chunk ${size}`).to.deep.equal(expected);
  });
});
