import { expect } from 'chai';
import { readFile, readdir } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ColumnPlan } from '../../lib/load/column-plan.js';
import { LoadSpool } from '../../lib/load/load-spool.js';
import type { LoadOperation, SpooledBatch } from '../../lib/load-types.js';
import { CsvBatchSplitter, csvBatchSplitter } from '../../transforms/csv-batch-splitter.js';
import { rejection } from '../helpers/fixtures.js';
import { collector, fromChunks, slowSink, splitAt } from '../helpers/streams.js';
import { useTempDir } from '../helpers/temp-dir.js';

describe('transforms/csv-batch-splitter', () => {
  const tmp = useTempDir('bulkpipe-splitter-');

  const spool = () => new LoadSpool({ dir: tmp.path });

  async function split(chunks: Buffer[], options: { maxRecords?: number; maxBytes?: number; operation?: LoadOperation } = {}): Promise<Array<{ batch: SpooledBatch; text: string }>> {
    const sink = collector<SpooledBatch>();
    await pipeline(fromChunks(chunks), csvBatchSplitter({ spool: spool(), source: 'in.csv', ...options }), sink);
    return Promise.all(sink.items.map(async (batch) => ({ batch, text: await readFile(batch.path as string, 'utf8') })));
  }

  const INPUT = '\uFEFFName,Note\r\n"Zoë","a\r\nb, ""c"""\r\n\r\n日本,x\r\nlast,"no newline at the end"';

  describe('validation', () => {
    for (const [name, options] of [['spool', { spool: 'tmp' }], ['maxRecords', { maxRecords: 0 }], ['maxBytes', { maxBytes: 10_000_001 }], ['operation', { operation: 'merge' }]] as const) {
      it(`rejects a bad ${name}`, () => expect(() => new CsvBatchSplitter(Object.assign({ spool: spool() }, options) as never)).to.throw().with.property('code', 'BULK_INVALID_OPTION'));
    }
  });

  it('slices batches with the header on each, BOM stripped, quoted newlines kept, empty lines dropped', async () => {
    const batches = await split([Buffer.from(INPUT)], { maxRecords: 2 });
    expect(batches.map((b) => b.text)).to.deep.equal(['Name,Note\r\n"Zoë","a\r\nb, ""c"""\r\n日本,x\r\n', 'Name,Note\r\nlast,"no newline at the end"\n']);
    expect(batches.map((b) => b.batch.rows)).to.deep.equal([[[1, 2]], [[3, 1]]]);
    expect(batches[0]?.batch.columns).to.deep.equal(['Name', 'Note']);
  });

  it('says where the input stands after each batch, and a splitter resumed there cuts the same batches that follow', async () => {
    const input = Buffer.from(INPUT);
    const whole = await split([input], { maxRecords: 1 });
    // The offset of the record after each batch (an empty line before it belongs to the batch before).
    expect(whole.map((b) => b.batch.end)).to.deep.equal([
      { row: 1, offset: input.indexOf('日本') },
      { row: 2, offset: input.indexOf('last') },
      { row: 3, offset: input.length },
    ]);
    const after = whole[0]?.batch.end as { row: number; offset: number };
    const sink = collector<SpooledBatch>();
    await pipeline(fromChunks([input.subarray(after.offset)]), csvBatchSplitter({ spool: spool(), maxRecords: 1, resume: { seq: 1, row: after.row, offset: after.offset, header: 'Name,Note\r\n' } }), sink);
    const resumed = await Promise.all(sink.items.map(async (batch) => ({ seq: batch.seq, rows: batch.rows, end: batch.end, text: await readFile(batch.path as string, 'utf8') })));
    expect(resumed).to.deep.equal(whole.slice(1).map((b) => ({ seq: b.batch.seq, rows: b.batch.rows, end: b.batch.end, text: b.text })));
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

  it('rewrites the records of a bulkpipe output without its result columns (sf__Id as the Id of an update)', async () => {
    const errors = 'Name,Note,sf__Error,sf__Row\n"Zoë, x",#N/A,"REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --",4\n,"two\nlines",E,5\n';
    const plans: ColumnPlan[] = [];
    const splitter = csvBatchSplitter({ spool: spool(), source: 'in.csv' });
    splitter.on('columns', (plan: ColumnPlan) => plans.push(plan));
    const sink = collector<SpooledBatch>();
    await pipeline(fromChunks(splitAt(errors, [30, 61])), splitter, sink);
    expect(await readFile(sink.items[0]?.path as string, 'utf8')).to.equal('Name,Note\n"Zoë, x",#N/A\n,"two\nlines"\n');
    expect(sink.items[0]?.columns).to.deep.equal(['Name', 'Note']);
    expect(plans[0]).to.include({ reload: 'errors' });
    const success = 'Name,sf__Id,sf__Created,sf__Row\nA,001000000000001AAA,true,1\n';
    expect((await split([Buffer.from(success)], { operation: 'update' })).map((b) => b.text)).to.deep.equal(['Name,Id\nA,001000000000001AAA\n']);
    expect((await split([Buffer.from(success)], { operation: 'hardDelete' })).map((b) => b.text)).to.deep.equal(['Id\n001000000000001AAA\n']);
    expect(await rejection(split([Buffer.from('A,sf__Error\n1,x,y\n')]))).to.include({ code: 'BULK_PARSE', record: 1 });
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
    await pipeline(Readable.from(source(), { objectMode: false, highWaterMark: 1 }), csvBatchSplitter({ spool: spool(), maxRecords: 100 }), sink);
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
    expect((await rejection(pipeline(failing, csvBatchSplitter({ spool: spool() }), collector()))).message).to.equal('read failed');
    expect(await readdir(tmp.path)).to.deep.equal([]);
  });
});
