import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BatchAlignment } from '../../lib/load/batch-alignment.js';
import type { ColumnPlan } from '../../lib/load/column-plan.js';
import { csvRequestShape } from '../../lib/load/csv-payload-records.js';
import { LoadSpool } from '../../lib/load/load-spool.js';
import { readRejects } from '../../lib/load/reject-file.js';
import { readBatchPayload } from '../../lib/wire/batch-payload.js';
import type { LoadOperation, SpooledBatch } from '../../lib/load-types.js';
import { CsvBatchSplitter, csvBatchSplitter } from '../../transforms/csv-batch-splitter.js';
import { rejection } from '../helpers/fixtures.js';
import { chunked, mixedCsv, randomSizes } from '../helpers/mixed-lines.js';
import { collector, fromChunks, slowSink, splitAt } from '../helpers/streams.js';
import { useTempDir } from '../helpers/temp-dir.js';

describe('transforms/csv-batch-splitter', () => {
  const tmp = useTempDir('bulkpipe-splitter-');

  const spool = () => new LoadSpool({ dir: tmp.path });

  async function split(
    chunks: Buffer[],
    options: { maxRecords?: number; maxBytes?: number; operation?: LoadOperation; cuts?: readonly number[]; align?: BatchAlignment } = {},
  ): Promise<Array<{ batch: SpooledBatch; text: string }>> {
    const sink = collector<SpooledBatch>();
    await pipeline(fromChunks(chunks), csvBatchSplitter({ spool: spool(), source: 'in.csv', ...options }), sink);
    return Promise.all(sink.items.map(async (batch) => ({ batch, text: batch.path === null ? '' : await readFile(batch.path, 'utf8') })));
  }

  /** Each segment's payload text and its rejected records (row and error). */
  async function splitWithRejects(
    chunks: Buffer[],
    options: { maxRecords?: number; replaceInvalidUtf8?: boolean } = {},
  ): Promise<Array<{ text: string; rows: SpooledBatch['rows']; rejects: Array<[number, string]> }>> {
    const s = spool();
    const sink = collector<SpooledBatch>();
    await pipeline(fromChunks(chunks), csvBatchSplitter({ spool: s, source: 'in.csv', ...options }), sink);
    const out = [];
    for (const batch of sink.items) {
      const rejects: Array<[number, string]> = [];
      if (batch.rejected > 0) for await (const entry of readRejects(await s.path(batch.seq, 'rejects'))) rejects.push([entry.row, entry.error]);
      out.push({ text: batch.path === null ? '' : await readFile(batch.path, 'utf8'), rows: batch.rows, rejects });
    }
    return out;
  }

  const INPUT = '\uFEFFName,Note\r\n"Zoë","a\r\nb, ""c"""\r\n\r\n日本,x\r\nlast,"no newline at the end"';

  describe('validation', () => {
    for (const [name, options] of [
      ['spool', { spool: 'tmp' }],
      ['maxRecords', { maxRecords: 0 }],
      ['maxBytes', { maxBytes: 10_000_001 }],
      ['operation', { operation: 'merge' }],
    ] as const) {
      it(`rejects a bad ${name}`, () =>
        expect(() => new CsvBatchSplitter(Object.assign({ spool: spool() }, options) as never))
          .to.throw()
          .with.property('code', 'BULK_INVALID_OPTION'));
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
      { row: 1, offset: input.indexOf('日本'), line: 5 },
      { row: 2, offset: input.indexOf('last'), line: 6 },
      { row: 3, offset: input.length, line: 7 },
    ]);
    const after = whole[0]?.batch.end as { row: number; offset: number; line: number };
    const sink = collector<SpooledBatch>();
    await pipeline(
      fromChunks([input.subarray(after.offset)]),
      csvBatchSplitter({ spool: spool(), maxRecords: 1, resume: { seq: 1, row: after.row, offset: after.offset, line: after.line, header: 'Name,Note\r\n' } }),
      sink,
    );
    const resumed = await Promise.all(sink.items.map(async (batch) => ({ seq: batch.seq, rows: batch.rows, end: batch.end, text: await readFile(batch.path as string, 'utf8') })));
    expect(resumed).to.deep.equal(whole.slice(1).map((b) => ({ seq: b.batch.seq, rows: b.batch.rows, end: b.batch.end, text: b.text })));
  });

  it('cuts a batch after each row of `cuts` whatever its size, where the next record starts, for the input split at every byte offset', async () => {
    const input = Buffer.from(INPUT);
    const expected = ['Name,Note\r\n"Zoë","a\r\nb, ""c"""\r\n', 'Name,Note\r\n日本,x\r\nlast,"no newline at the end"\n'];
    for (let cut = 1; cut < input.length; cut++) {
      const batches = await split(splitAt(input, [cut]), { maxRecords: 5, cuts: [1] });
      expect(batches.map((b) => b.text)).to.deep.equal(expected);
      expect(batches[0]?.batch.end).to.deep.equal({ row: 1, offset: input.indexOf('日本'), line: 5 });
    }
  });

  it("cuts a segment that begins with an org batch's first record after that batch's record count (`align`): the same bytes, whatever the chunks", async () => {
    // A quoted line end, a CR alone (sent as an LF) and CRLF: the first records are hashed as they are written.
    const input = Buffer.from('Name,Note\r\n"a","x\r\ny"\r\nb,1\rc,2\r\nd,3\ne,4\n');
    const expected = ['Name,Note\r\n"a","x\r\ny"\r\n', 'Name,Note\r\nb,1\nc,2\r\n', 'Name,Note\r\nd,3\ne,4\n'];
    // The org's batches as the run cut them before (by a stop): their requests tell where each began and how many records it held.
    const align = new BatchAlignment();
    for (const request of expected.slice(0, 2)) {
      const shape = await csvRequestShape(fromChunks(splitAt(Buffer.from(request), [7, 14])), createHash('sha256'));
      align.add(shape.firstRecord as string, shape.records);
    }
    expect((await split([input], { maxRecords: 5 })).map((b) => b.text)).to.deep.equal(['Name,Note\r\n"a","x\r\ny"\r\nb,1\nc,2\r\nd,3\ne,4\n']);
    for (let cut = 1; cut < input.length; cut++) {
      expect(
        (await split(splitAt(input, [cut]), { maxRecords: 5, align })).map((b) => b.text),
        `cut ${cut}`,
      ).to.deep.equal(expected);
    }
    // A record that begins no segment aligns nothing: only where a segment starts does a batch begin.
    const later = new BatchAlignment();
    later.add((await csvRequestShape(fromChunks([Buffer.from(expected[1] as string)]), createHash('sha256'))).firstRecord as string, 2);
    expect((await split([input], { maxRecords: 5, align: later })).length).to.equal(1);
  });

  it('gives the same batches for the input split at every byte offset', async () => {
    const expected = (await split([Buffer.from(INPUT)], { maxRecords: 2 })).map((b) => b.text);
    const bytes = Buffer.from(INPUT);
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(
        (await split(splitAt(bytes, [cut]), { maxRecords: 2 })).map((b) => b.text),
        `cut ${cut}`,
      ).to.deep.equal(expected);
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
    const [rewritten] = await splitWithRejects([Buffer.from('A,sf__Error\n1,x,y\n2,z\n')]);
    expect(rewritten?.text).to.equal('A\n2\n');
    expect(rewritten?.rejects.map(([row]) => row)).to.deep.equal([1]);
    expect(rewritten?.rejects[0]?.[1]).to.include('BULKPIPE_FIELD_COUNT:the record has 3 fields, the header 2').and.include('in.csv, line 2, record 1');
  });

  // Each bad record, among good ones: rejected with its line and reason, before upload; the rest uploaded as they are.
  const BAD = [
    'Name,Phone\n',
    'a,1\n',
    'b,2,extra\n', // row 2: a field too many
    '   \n', // row 3: white space only
    'O"Brien,3\n', // row 4: a stray quote
    '"c"x,4\n', // row 5: text after a closing quote
    '"d\nd",5\n', // row 6: fine, a quoted newline
    'e\n', // row 7: a field too few
    `${'f'.repeat(32_001)},6\n`, // row 8: a field over 32,000 characters
    'g,7\n',
    'h,"open\n', // row 10: an unterminated quote, to the end
  ].join('');

  it('rejects each bad record with its line and reason, and uploads the good ones as they are', async () => {
    const [segment] = await splitWithRejects([Buffer.from(BAD)]);
    expect(segment?.text).to.equal('Name,Phone\na,1\n"d\nd",5\ng,7\n');
    expect(segment?.rows).to.deep.equal([
      [1, 1],
      [6, 1],
      [9, 1],
    ]);
    const errors = new Map(segment?.rejects);
    expect([...errors.keys()]).to.deep.equal([2, 3, 4, 5, 7, 8, 10]);
    expect(errors.get(2)).to.match(/^BULKPIPE_FIELD_COUNT:the record has 3 fields, the header 2.*\(in\.csv, line 3, record 2, field #3\):#3 --$/);
    expect(errors.get(3)).to.include('a line of white space only').and.include('line 4, record 3');
    expect(errors.get(4)).to.include('BULKPIPE_MALFORMED_RECORD:a stray quote').and.include('line 5, column 2, record 4, field Name');
    expect(errors.get(5)).to.include('text after a closing quote').and.include('line 6, column 4, record 5, field Name');
    expect(errors.get(7)).to.include('the record has 1 fields, the header 2').and.include('line 9, record 7, field Phone)');
    expect(errors.get(8)).to.include('STRING_TOO_LONG:32001 characters').and.include('line 10, record 8, field Name');
    expect(errors.get(10)).to.include('an unterminated quoted field').and.include('line 12, column 3, record 10, field Phone');
  });

  it('gives the same batches and rejections for the bad input split at every byte offset (and one chunk per byte)', async () => {
    const bytes = Buffer.from(BAD.replace('f'.repeat(32_001), 'f'.repeat(10)));
    const expected = await splitWithRejects([bytes], { maxRecords: 2 });
    expect(expected.flatMap((s) => s.rejects.map(([row]) => row))).to.deep.equal([2, 3, 4, 5, 7, 10]);
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(await splitWithRejects(splitAt(bytes, [cut]), { maxRecords: 2 }), `cut ${cut}`).to.deep.equal(expected);
    }
    expect(
      await splitWithRejects(
        splitAt(
          bytes,
          Array.from({ length: bytes.length }, (_, i) => i),
        ),
        { maxRecords: 2 },
      ),
    ).to.deep.equal(expected);
  });

  it('rejects invalid UTF-8 with its line, column and field, unless told to upload it', async () => {
    const bytes = Buffer.concat([Buffer.from('Name,Phone\nZoë,1\nb,2'), Buffer.from([0xe9]), Buffer.from('x\nc,3\n')]);
    for (const cut of [0, 15, 21, 22, 23]) {
      const [segment] = await splitWithRejects(splitAt(bytes, [cut]));
      expect(segment?.text, `cut ${cut}`).to.equal('Name,Phone\nZoë,1\nc,3\n');
      expect(segment?.rejects[0]?.[1], `cut ${cut}`).to.include('BULKPIPE_INVALID_UTF8:').and.include('line 3, column 4, record 2, field Phone');
    }
    const [replaced] = await splitWithRejects([bytes], { replaceInvalidUtf8: true });
    expect(replaced?.rejects).to.deep.equal([]);
  });

  it('passes over a record larger than a batch without keeping it, and reads on', async () => {
    const text = `A\n1\n${'x'.repeat(300)}\n3\n`;
    for (const cuts of [[], [10], [10, 100, 200], [150, 305]]) {
      const sink = collector<SpooledBatch>();
      const s = spool();
      await pipeline(fromChunks(splitAt(Buffer.from(text), cuts)), csvBatchSplitter({ spool: s, source: 'in.csv', maxBytes: 50 }), sink);
      expect(sink.items.flatMap((b) => b.rows)).to.deep.equal([
        [1, 1],
        [3, 1],
      ]);
      const rejects = [];
      for (const b of sink.items) if (b.rejected > 0) for await (const e of readRejects(await s.path(b.seq, 'rejects'))) rejects.push(e);
      expect(rejects.map((e) => e.row)).to.deep.equal([2]);
      expect(rejects[0]?.error).to.include('BULKPIPE_RECORD_TOO_LARGE:301 bytes').and.include('line 3, record 2');
    }
  });

  it('reads an empty input as no records, and fails on a header it cannot use', async () => {
    expect(await split([Buffer.from('')])).to.deep.equal([]);
    expect(await split([Buffer.from('\n\n')])).to.deep.equal([]);
    expect(await rejection(split([Buffer.from('Name,Phone,Name\na,1,b\n')])))
      .to.include({ code: 'BULK_COLUMNS', source: 'in.csv', line: 1 })
      .and.have.property('message')
      .that.includes('names the field Name twice (column 1 Name and column 3 Name');
    expect(await rejection(split([Buffer.from('Name,"Ph"x\na,1\n')]))).to.include({ code: 'BULK_PARSE', line: 1, column: 10 });
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

  describe('a stop (issue 22): the last segment ends at the next unread record, where a resumed splitter reads on', () => {
    // A BOM, CRLF, quoted fields with line ends and quotes, an empty line, a record of the wrong
    // field count (rejected), multi-byte text, a record too large for a batch (passed over), and a
    // last record without a line end.
    const input = Buffer.from(
      `\uFEFFName,Note\r\n"Zoë","a\r\nb, ""c"""\r\nplain,x\r\n\r\nbad,"two\r\nlines",extra\r\n日本,"q\r\n"\r\nlong,${'x'.repeat(70)}\r\nok,"é"\r\nlast,"no newline at the end"`,
    );
    const options = { source: 'in.csv', maxRecords: 1, maxBytes: 64 };

    /** What segments hold, flattened: payload bodies (header lines cut), rows, rejected rows with their errors; and the last segment. */
    interface Read {
      bodies: string;
      rows: number[];
      rejects: Array<[number, string]>;
      last: SpooledBatch | undefined;
      header: string | undefined;
    }

    /** The input given in `feed`'s way to a splitter (resumed after `after`'s last segment when given). */
    async function run(feed: (splitter: CsvBatchSplitter) => Promise<void>, after?: Read): Promise<Read> {
      const s = spool();
      const end = after?.last?.end;
      const splitter = csvBatchSplitter({
        spool: s,
        ...options,
        ...(after?.last && end
          ? { resume: { seq: after.last.seq + 1, row: end.row, offset: end.offset as number, line: end.line as number, header: after.header as string } }
          : {}),
      });
      const sink = collector<SpooledBatch>();
      const done = pipeline(splitter, sink);
      await feed(splitter);
      await done;
      const out: Read = { bodies: '', rows: [], rejects: [], last: sink.items.at(-1), header: splitter.inputHeader };
      for (const batch of sink.items) {
        if (batch.path !== null) {
          const text = await readFile(batch.path, 'utf8');
          out.bodies += text.slice(text.indexOf('\r\n') + 2);
        }
        for (const [first, count] of batch.rows) for (let row = first; row < first + count; row++) out.rows.push(row);
        if (batch.rejected > 0) for await (const entry of readRejects(await s.path(batch.seq, 'rejects'))) out.rejects.push([entry.row, entry.error]);
      }
      return out;
    }

    const write = (splitter: CsvBatchSplitter, bytes: Buffer) => new Promise<void>((resolve, reject) => splitter.write(bytes, (err) => (err ? reject(err) : resolve())));
    const whole = () =>
      run(async (splitter) => {
        splitter.end(input);
      });

    /** Resumes after a stopped run (from the start when it cut nothing), and checks that both together are the whole run. */
    async function expectResumedWhole(stopped: Read, all: Read, what: string): Promise<void> {
      const rest = await run(async (splitter) => {
        splitter.end(input.subarray(stopped.last?.end?.offset ?? 0));
      }, stopped);
      expect(stopped.bodies + rest.bodies, what).to.equal(all.bodies);
      expect([...stopped.rows, ...rest.rows], what).to.deep.equal(all.rows);
      expect([...stopped.rejects, ...rest.rejects], what).to.deep.equal(all.rejects);
      expect((rest.last ?? stopped.last)?.end, what).to.deep.equal(all.last?.end);
    }

    it('stopped between two chunks cut at every byte offset', async () => {
      const all = await whole();
      expect(all.rows).to.deep.equal([1, 2, 4, 6, 7]);
      expect(all.rejects.map(([row]) => row)).to.deep.equal([3, 5]);
      for (let cut = 1; cut < input.length; cut++) {
        const stopped = await run(async (splitter) => {
          await write(splitter, input.subarray(0, cut));
          splitter.stop();
          splitter.end(input.subarray(cut)); // read and dropped: a stop takes nothing more
        });
        const at = stopped.last?.end?.offset;
        if (at !== undefined) expect(at, `cut ${cut}`).to.be.at.most(cut);
        await expectResumedWhole(stopped, all, `cut ${cut}`);
      }
    });

    it('stopped mid-chunk, as each segment is cut: the records after it in the chunk are not taken', async () => {
      const all = await whole();
      const segments = all.last ? all.last.seq + 1 : 0;
      expect(segments).to.be.above(3);
      for (let seq = 0; seq < segments; seq++) {
        const stopped = await run(async (splitter) => {
          splitter.on('batch', (batch: SpooledBatch) => {
            if (batch.seq === seq) splitter.stop();
          });
          splitter.end(input);
        });
        // At most one more segment: the open one, cut where the stop left the input.
        expect(stopped.last?.seq, `segment ${seq}`).to.be.at.most(seq + 1);
        await expectResumedWhole(stopped, all, `segment ${seq}`);
      }
    });
  });

  describe('line ends, NUL, repeated columns, a cut input (issue 22)', () => {
    const { text, rows } = mixedCsv(300);
    const bytes = Buffer.from(text);

    /** Each segment's payload records (header dropped) as parsed back, its rows and its rejects; and the end of the last. */
    async function loadable(chunks: Buffer[], options: { maxRecords?: number; cut?: boolean } = {}) {
      const s = spool();
      const sink = collector<SpooledBatch>();
      const splitter = csvBatchSplitter({ spool: s, source: 'in.csv', ...(options.maxRecords ? { maxRecords: options.maxRecords } : {}) });
      if (options.cut) splitter.endsCut();
      await pipeline(fromChunks(chunks), splitter, sink);
      const records: string[][] = [];
      const rejects: Array<[number, string, Record<string, unknown> | undefined]> = [];
      const payloads: string[] = [];
      for (const batch of sink.items) {
        if (batch.path !== null) {
          const payload = await readFile(batch.path, 'utf8');
          payloads.push(payload);
          readBatchPayload(payload, 'csv').rows.forEach((row) => {
            records.push(row.map((v) => v ?? ''));
          });
        }
        if (batch.rejected > 0) for await (const e of readRejects(await s.path(batch.seq, 'rejects'))) rejects.push([e.row, e.error, e.fields]);
      }
      return { records, rejects, payloads, batches: sink.items };
    }

    it('slices every row of a file that mixes LF, CRLF and CR, a CR alone sent as LF, in any chunks', async () => {
      const expected = rows.map((r) => [r.fields.Name, r.fields.Phone, r.fields.Note]);
      const whole = await loadable([bytes], { maxRecords: 40 });
      expect(whole.records).to.deep.equal(expected);
      expect(whole.rejects).to.deep.equal([]);
      // Outside quotes every line end of a payload is an LF or a CRLF: a CR alone is none to the Bulk API.
      for (const payload of whole.payloads) expect(payload.replace(/"[^"]*"/g, '""')).to.not.match(/\r(?!\n)/);
      // The segments end at record boundaries, with the line of the record after them.
      for (const batch of whole.batches.slice(0, -1)) {
        const end = batch.end as { row: number; offset: number; line?: number };
        const next = rows[end.row];
        expect(end.line, `segment ${batch.seq}`).to.equal(next?.line);
        expect(text.slice(end.offset).startsWith(`${next?.fields.Name},`), `segment ${batch.seq}`).to.equal(true);
      }
      const sameAs = (got: Awaited<ReturnType<typeof loadable>>) => ({ records: got.records, payloads: got.payloads, ends: got.batches.map((b) => b.end) });
      expect(
        sameAs(
          await loadable(
            chunked(bytes, () => 1),
            { maxRecords: 40 },
          ),
        ),
      ).to.deep.equal(sameAs(whole));
      for (const seed of [4, 5, 6]) expect(sameAs(await loadable(chunked(bytes, randomSizes(seed, 50)), { maxRecords: 40 })), `seed ${seed}`).to.deep.equal(sameAs(whole));
    });

    it('names the lines of bad records after CR-only lines, their values kept', async () => {
      const input = Buffer.from('A,B\r1,2\r3,"x\ry"\r4,5,6\r7,8\r');
      for (const chunks of [[input], chunked(input, () => 1)]) {
        const got = await loadable(chunks);
        expect(got.records).to.deep.equal([
          ['1', '2'],
          ['3', 'x\ry'],
          ['7', '8'],
        ]);
        expect(got.rejects.map(([row]) => row)).to.deep.equal([3]);
        expect(got.rejects[0]?.[1]).to.match(/^BULKPIPE_FIELD_COUNT:the record has 3 fields, the header 2.*\(in\.csv, line 5, record 3, field #3\):#3 --$/);
        expect(got.rejects[0]?.[2]).to.deep.equal({ A: '4', B: '5' });
      }
    });

    it('rejects a record with a NUL byte, naming its line, record and field, its values kept', async () => {
      const input = Buffer.from('Name,Note\nok,1\nbad,"two\r\nli\0nes"\nal\0so,3\nlast,4\n');
      for (const chunks of [[input], chunked(input, () => 1), chunked(input, randomSizes(3, 9))]) {
        const got = await loadable(chunks);
        expect(got.records).to.deep.equal([
          ['ok', '1'],
          ['last', '4'],
        ]);
        expect(got.rejects.map(([row, error, fields]) => [row, error.split(':')[0], error.slice(error.lastIndexOf('(')), fields])).to.deep.equal([
          [2, 'BULKPIPE_NUL_CHARACTER', '(in.csv, line 4, record 2, field Note):Note --', { Name: 'bad', Note: 'two\r\nli\0nes' }],
          [3, 'BULKPIPE_NUL_CHARACTER', '(in.csv, line 5, record 3, field Name):Name --', { Name: 'al\0so', Note: '3' }],
        ]);
      }
    });

    it('passes over a record larger than a batch in a file of CR and CRLF line ends, the lines after it right, in any chunks', async () => {
      const input = Buffer.from(`A,B\r1,2\r\n"${'x\r'.repeat(40)}",big\r\n3,4,x\r5,"6\r"\r`);
      for (const chunks of [[input], chunked(input, () => 1), chunked(input, randomSizes(11, 30))]) {
        const s = spool();
        const sink = collector<SpooledBatch>();
        await pipeline(fromChunks(chunks), csvBatchSplitter({ spool: s, source: 'in.csv', maxBytes: 60 }), sink);
        const rejects = [];
        for (const b of sink.items) if (b.rejected > 0) for await (const e of readRejects(await s.path(b.seq, 'rejects'))) rejects.push(e);
        expect(rejects.map((e) => [e.row, e.error.split(':')[0]])).to.deep.equal([
          [2, 'BULKPIPE_RECORD_TOO_LARGE'],
          [3, 'BULKPIPE_FIELD_COUNT'],
        ]);
        expect(rejects[0]?.error).to.include('(in.csv, line 3, record 2)');
        // Line 3 and the 40 line ends quoted in it: the record after it starts on line 44, and the one after that (two lines) ends the input on line 46.
        expect(rejects[1]?.error).to.include('(in.csv, line 44, record 3, field #3)');
        expect(sink.items.at(-1)?.end).to.include({ row: 4, line: 47 });
        const payloads = await Promise.all(sink.items.filter((b) => b.path !== null).map((b) => readFile(b.path as string, 'utf8')));
        expect(payloads).to.deep.equal(['A,B\n1,2\r\n5,"6\r"\n']);
      }
    });

    it('stops at a header that names a field twice, regardless of case or through the map', async () => {
      const err = await rejection(split([Buffer.from('Name,Phone,PHONE\na,1,2\n')]));
      expect(err).to.include({ code: 'BULK_COLUMNS', source: 'in.csv', line: 1 });
      expect(err).to.have.deep.property('columns', ['Phone', 'PHONE']);
      const sink = collector<SpooledBatch>();
      const mapped = await rejection(
        pipeline(fromChunks([Buffer.from('Name,Tel,phone\na,1,2\n')]), csvBatchSplitter({ spool: spool(), source: 'm.csv', columnMap: new Map([['Tel', 'Phone']]) }), sink),
      );
      expect(mapped).to.include({ code: 'BULK_COLUMNS', source: 'm.csv', line: 1 });
      expect(mapped).to.have.deep.property('columns', ['Tel (mapped to Phone)', 'phone']);
      expect(sink.items).to.deep.equal([]);
    });

    it('at a cut input, batches every whole record before it and ends the segment where the partial one starts', async () => {
      const input = 'A,B\n1,2\r\n3,4\r5,6';
      const got = await loadable([Buffer.from(input)], { cut: true });
      expect(got.records).to.deep.equal([
        ['1', '2'],
        ['3', '4'],
      ]);
      expect(got.batches.at(-1)?.end).to.include({ row: 2, offset: input.indexOf('5,6') });
    });
  });
});
