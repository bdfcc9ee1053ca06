import { expect } from 'chai';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ChunkedItem, InputRecord, SpooledBatch } from '../../lib/load-types.js';
import { readBatchPayload } from '../../lib/wire/batch-payload.js';
import { BatchChunker, batchChunker } from '../../transforms/batch-chunker.js';
import { rejection } from '../helpers/fixtures.js';
import { collector, slowSink } from '../helpers/streams.js';
import { useTempDir } from '../helpers/temp-dir.js';

const record = (row: number, fields: Record<string, string | null>): InputRecord => ({ row, line: row + 1, fields });

describe('transforms/batch-chunker', () => {
  const tmp = useTempDir('bulkpipe-chunker-');

  async function chunk(records: InputRecord[], options: Partial<ConstructorParameters<typeof BatchChunker>[0]> = {}): Promise<ChunkedItem[]> {
    const sink = collector<ChunkedItem>();
    await pipeline(Readable.from(records), batchChunker({ contentType: 'CSV', spoolDir: tmp.path, ...options }), sink);
    return sink.items;
  }

  /** The records of a spooled batch, read back as the org (and the joiner) read them. */
  async function readBack(batch: SpooledBatch): Promise<Array<Record<string, string | null | undefined>>> {
    const payload = readBatchPayload(await readFile(batch.path, 'utf8'), batch.contentType === 'CSV' ? 'csv' : batch.contentType === 'XML' ? 'xml' : 'json');
    return payload.rows.map((row) => Object.fromEntries(payload.columns.map((c, i) => [c, row[i]])));
  }

  describe('validation', () => {
    const bad: Array<[string, Record<string, unknown>]> = [
      ['contentType', { contentType: 'YAML' }],
      ['spoolDir', { spoolDir: '' }],
      ['maxRecords', { maxRecords: 10_001 }],
      ['maxBytes', { maxBytes: 10_000_001 }],
      ['maxCharacters', { maxCharacters: 0 }],
      ['columns', { columns: ['A', 'A'] }],
    ];
    for (const [name, options] of bad) {
      it(`rejects a bad ${name}`, () => {
        expect(() => new BatchChunker({ contentType: 'CSV', spoolDir: '/tmp', ...options } as never)).to.throw().with.property('code', 'BULK_INVALID_OPTION');
      });
    }
  });

  it('cuts at maxRecords and spools payloads that read back to the input', async () => {
    const input = Array.from({ length: 25 }, (_, i) => record(i + 1, { Name: `N ${i}, "q"`, Note: i % 3 === 0 ? null : `line\n${i}` }));
    const items = await chunk(input, { maxRecords: 10 });
    const batches = items as SpooledBatch[];
    expect(batches.map((b) => b.records)).to.deep.equal([10, 10, 5]);
    expect(batches.map((b) => b.rows)).to.deep.equal([[[1, 10]], [[11, 10]], [[21, 5]]]);
    const back = (await Promise.all(batches.map(readBack))).flat();
    expect(back).to.deep.equal(input.map((r) => r.fields));
    expect((await readFile(batches[0]?.path as string, 'utf8')).split('\n')[0]).to.equal('Name,Note');
  });

  it('cuts at maxBytes and maxCharacters, each batch within the limit', async () => {
    const input = Array.from({ length: 200 }, (_, i) => record(i + 1, { Name: `é${'x'.repeat(i % 50)}` }));
    for (const limits of [{ maxBytes: 1000 }, { maxCharacters: 700 }]) {
      const batches = (await chunk(input, limits)) as SpooledBatch[];
      expect(batches.reduce((n, b) => n + b.records, 0)).to.equal(200);
      for (const b of batches) {
        const text = await readFile(b.path, 'utf8');
        if ('maxBytes' in limits) expect(Buffer.byteLength(text)).to.be.at.most(1000);
        else expect(text.length).to.be.at.most(700);
      }
    }
  });

  it('writes XML and JSON payloads with nulls and parent references', async () => {
    const input = [record(1, { Name: 'A & <b>', 'Account.Ext__c': 'X-1', Gone: null }), record(2, { Name: 'B', 'Account.Ext__c': null, Gone: 'here' })];
    for (const contentType of ['XML', 'JSON'] as const) {
      const [batch] = (await chunk(input, { contentType })) as SpooledBatch[];
      expect(await readBack(batch as SpooledBatch), contentType).to.deep.equal(input.map((r) => r.fields));
    }
    const [json] = (await chunk(input, { contentType: 'JSON' })) as SpooledBatch[];
    expect(JSON.parse(await readFile(json?.path as string, 'utf8'))[0]).to.deep.equal({ Name: 'A & <b>', Account: { Ext__c: 'X-1' }, Gone: null });
  });

  it('rejects records with an unknown field or over the field limit, and keeps the rest with their row runs', async () => {
    const input = [record(1, { Name: 'a' }), record(2, { Name: 'b', Extra: 'x' }), record(3, { Name: 'c'.repeat(32_001) }), record(4, { Name: 'd' })];
    const items = await chunk(input, { columns: ['Name'] });
    const rejected = items.filter((i) => i.kind === 'rejected');
    expect(rejected.map((r) => (r as { row: number }).row)).to.deep.equal([2, 3]);
    expect((rejected[0] as { error: string }).error).to.match(/^BULKPIPE_UNKNOWN_FIELD:the field Extra is not one of the columns \(Name\):Extra --$/);
    expect((rejected[1] as { error: string }).error).to.match(/^STRING_TOO_LONG:/);
    const [batch] = items.filter((i) => i.kind === 'batch') as SpooledBatch[];
    expect(batch?.rows).to.deep.equal([[1, 1], [4, 1]]);
  });

  it('holds back: with a slow consumer at most a couple of batches are ahead', async () => {
    let produced = 0;
    let maxAhead = 0;
    function* source() {
      for (let i = 1; i <= 2000; i++) {
        produced++;
        yield record(i, { Name: `N${i}` });
      }
    }
    const sink = slowSink<ChunkedItem>(5, () => {
      maxAhead = Math.max(maxAhead, produced - sink.items.length * 100);
    });
    await pipeline(Readable.from(source()), batchChunker({ contentType: 'CSV', spoolDir: tmp.path, maxRecords: 100 }), sink);
    expect(sink.items).to.have.length(20);
    expect(maxAhead).to.be.below(450);
  });

  it('propagates errors and emits no partial batch when destroyed', async () => {
    const failing = new Readable({
      objectMode: true,
      read() {
        this.push(record(1, { Name: 'a' }));
        this.destroy(new Error('upstream failed'));
      },
    });
    const err = await rejection(pipeline(failing, batchChunker({ contentType: 'CSV', spoolDir: tmp.path }), collector()));
    expect(err.message).to.equal('upstream failed');
    expect(await readdir(tmp.path)).to.deep.equal([]);
    const missing = await rejection(chunk([record(1, { Name: 'a' })], { spoolDir: join(tmp.path, 'nope') }));
    expect(missing).to.have.property('code', 'ENOENT');
  });
});
