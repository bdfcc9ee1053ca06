import { expect } from 'chai';
import { readFile, readdir } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { SpooledBatch } from '../../lib/load-types.js';
import { CsvBatchSplitter, csvBatchSplitter } from '../../transforms/csv-batch-splitter.js';
import { rejection } from '../helpers/fixtures.js';
import { collector, fromChunks, slowSink, splitAt } from '../helpers/streams.js';
import { useTempDir } from '../helpers/temp-dir.js';

describe('transforms/csv-batch-splitter', () => {
  const tmp = useTempDir('bulkpipe-splitter-');

  async function split(chunks: Buffer[], options: { maxRecords?: number; maxBytes?: number } = {}): Promise<Array<{ batch: SpooledBatch; text: string }>> {
    const sink = collector<SpooledBatch>();
    await pipeline(fromChunks(chunks), csvBatchSplitter({ spoolDir: tmp.path, source: 'in.csv', ...options }), sink);
    return Promise.all(sink.items.map(async (batch) => ({ batch, text: await readFile(batch.path, 'utf8') })));
  }

  const INPUT = '\uFEFFName,Note\r\n"Zoë","a\r\nb, ""c"""\r\n\r\n日本,x\r\nlast,"no newline at the end"';

  describe('validation', () => {
    for (const [name, options] of [['spoolDir', { spoolDir: '' }], ['maxRecords', { spoolDir: '/tmp', maxRecords: 0 }], ['maxBytes', { spoolDir: '/tmp', maxBytes: 10_000_001 }]] as const) {
      it(`rejects a bad ${name}`, () => expect(() => new CsvBatchSplitter(options)).to.throw().with.property('code', 'BULK_INVALID_OPTION'));
    }
  });

  it('slices batches with the header on each, BOM stripped, quoted newlines kept, empty lines dropped', async () => {
    const batches = await split([Buffer.from(INPUT)], { maxRecords: 2 });
    expect(batches.map((b) => b.text)).to.deep.equal(['Name,Note\r\n"Zoë","a\r\nb, ""c"""\r\n日本,x\r\n', 'Name,Note\r\nlast,"no newline at the end"\n']);
    expect(batches.map((b) => b.batch.rows)).to.deep.equal([[[1, 2]], [[3, 1]]]);
    expect(batches[0]?.batch.columns).to.deep.equal(['Name', 'Note']);
  });

  it('gives the same batches for the input split at every byte offset', async () => {
    const expected = (await split([Buffer.from(INPUT)], { maxRecords: 2 })).map((b) => b.text);
    const bytes = Buffer.from(INPUT);
    for (let cut = 1; cut < bytes.length; cut++) {
      expect((await split(splitAt(bytes, [cut]), { maxRecords: 2 })).map((b) => b.text), `cut ${cut}`).to.deep.equal(expected);
    }
  });

  it('cuts at maxBytes with the header counted', async () => {
    const text = `Name\n${Array.from({ length: 100 }, (_, i) => `row-${String(i).padStart(3, '0')}`).join('\n')}\n`;
    const batches = await split([Buffer.from(text)], { maxBytes: 50 });
    for (const b of batches) expect(Buffer.byteLength(b.text)).to.be.at.most(50);
    expect(batches.reduce((n, b) => n + b.batch.records, 0)).to.equal(100);
    expect(batches.map((b) => b.text.split('\n')[0])).to.satisfy((headers: string[]) => headers.every((h) => h === 'Name'));
  });

  it('fails clearly on an unterminated quote, an empty input and an oversized record', async () => {
    expect(await rejection(split([Buffer.from('A\n"open\nstill')]))).to.include({ code: 'BULK_PARSE', source: 'in.csv', record: 1 });
    expect(await rejection(split([Buffer.from('')]))).to.include({ code: 'BULK_PARSE' });
    expect(await rejection(split([Buffer.from(`A\n${'x'.repeat(100)}\n`)], { maxBytes: 50 }))).to.include({ code: 'BULK_PARSE', record: 1 });
  });

  it('holds back: a slow consumer bounds how many batches are ahead', async () => {
    let produced = 0;
    let maxAhead = 0;
    async function* source() {
      yield Buffer.from('Name\n');
      for (let i = 0; i < 50; i++) {
        produced++;
        // ~10 KB chunks: the writable side buffers 16 KiB, under two of them.
        yield Buffer.from(`${Array.from({ length: 100 }, (_, k) => `r${i}-${k}-${'p'.repeat(90)}`).join('\n')}\n`);
      }
    }
    const sink = slowSink<SpooledBatch>(5, () => {
      maxAhead = Math.max(maxAhead, produced - sink.items.length);
    });
    await pipeline(Readable.from(source(), { objectMode: false, highWaterMark: 1 }), csvBatchSplitter({ spoolDir: tmp.path, maxRecords: 100 }), sink);
    expect(sink.items).to.have.length(50);
    expect(maxAhead).to.be.below(8);
  });

  it('propagates errors and leaves no partial batch when destroyed', async () => {
    const failing = new Readable({
      read() {
        this.push('Name\na\n');
        this.destroy(new Error('read failed'));
      },
    });
    expect((await rejection(pipeline(failing, csvBatchSplitter({ spoolDir: tmp.path }), collector()))).message).to.equal('read failed');
    expect(await readdir(tmp.path)).to.deep.equal([]);
  });
});
