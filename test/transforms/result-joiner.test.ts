/**
 * ResultJoiner with the standard battery: validation, the join in input order against the local
 * org, rejected records merged in, failed and mismatched batches, a result body that disagrees with
 * its batch's count (scripted server), backpressure, errors and destroy; `whenRoom`, and the
 * BacklogGate in front of a joiner that fails.
 */
import { expect } from 'chai';
import { readdir, writeFile } from 'node:fs/promises';
import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BulkClient } from '../../lib/http/client.js';
import { LoadSpool } from '../../lib/load/load-spool.js';
import { RejectWriter } from '../../lib/load/reject-file.js';
import type { FinishedBatch, JoinedBlock, SpooledBatch } from '../../lib/load-types.js';
import { CSV_RESULT_HEADER, dmlResultCsvRow } from '../../lib/wire/dml-results.js';
import { BacklogGate } from '../../transforms/backlog-gate.js';
import { ResultJoiner } from '../../transforms/result-joiner.js';
import { rejection } from '../helpers/fixtures.js';
import { startTestOrg, type TestOrg } from '../helpers/local-org.js';
import { ScriptedServer } from '../helpers/scripted-server.js';
import { collector, slowSink } from '../helpers/streams.js';
import { useTempDir } from '../helpers/temp-dir.js';

describe('transforms/result-joiner', () => {
  const tmp = useTempDir('bulkpipe-joiner-');
  let t: TestOrg;
  let jobId: string;
  before(async () => {
    t = await startTestOrg();
  });
  after(async () => {
    await t.close();
  });
  beforeEach(async () => {
    jobId = (await t.client.createJob({ operation: 'insert', object: 'Account', contentType: 'CSV' })).id;
  });

  /** A segment of Name records starting at `firstRow`, spooled, uploaded (as `uploaded`, when given) and finished. */
  async function finished(spool: LoadSpool, seq: number, names: string[], firstRow: number, uploaded = names): Promise<FinishedBatch> {
    const path = await spool.path(seq, 'payload', 'csv');
    await writeFile(path, `Name\n${names.join('\n')}\n`);
    const info = await t.client.addBatch(jobId, `Name\n${uploaded.join('\n')}\n`);
    await t.org.whenIdle();
    const done = await t.client.getBatch(jobId, info.id);
    return {
      kind: 'finished',
      seq,
      path,
      contentType: 'CSV',
      records: names.length,
      rejected: 0,
      bytes: 0,
      rows: [[firstRow, names.length]],
      columns: ['Name'],
      jobId,
      batchId: info.id,
      state: done.state,
      stateMessage: done.stateMessage,
      processed: done.numberRecordsProcessed,
    };
  }

  const rowsOf = (blocks: JoinedBlock[]) => blocks.flatMap((b) => b.rows.map((r) => [r.row, r.success, r.line?.toString(), r.error.split(':')[0]]));

  it('validates its options', () => {
    const spool = new LoadSpool();
    expect(() => new ResultJoiner({ client: t.client, spool, prefetch: 9 }))
      .to.throw()
      .with.property('code', 'BULK_INVALID_OPTION');
    expect(() => new ResultJoiner({ client: t.client, spool: 'dir' as never }))
      .to.throw()
      .with.property('option', 'spool');
  });

  it('joins segments in input order whatever order they finish in, marks each one\u2019s last block, and releases their files', async () => {
    const spool = new LoadSpool({ dir: tmp.path });
    const a = await finished(spool, 0, ['a1', '"a, 2"'], 1);
    const b = await finished(spool, 1, ['b1'], 3);
    const c = await finished(spool, 2, ['c1', '""'], 4); // the empty Name fails on the server
    const sink = collector<JoinedBlock>();
    await pipeline(Readable.from([c, a, b]), new ResultJoiner({ client: t.client, spool, prefetch: 2 }), sink);
    expect(rowsOf(sink.items)).to.deep.equal([
      [1, true, 'a1', ''],
      [2, true, '"a, 2"', ''],
      [3, true, 'b1', ''],
      [4, true, 'c1', ''],
      [5, false, '""', 'REQUIRED_FIELD_MISSING'],
    ]);
    expect(sink.items.map((block) => [block.seq, block.last, block.restart])).to.deep.equal([
      [0, true, false],
      [1, true, false],
      [2, true, false],
    ]);
    expect(sink.items[0]?.rows[0]?.id).to.match(/^0015g/);
    expect(await readdir(tmp.path)).to.deep.equal([]);
  });

  it('merges a segment\u2019s rejected records in by row, and passes on a segment of rejected records only', async () => {
    const spool = new LoadSpool({ dir: tmp.path });
    const batch = await finished(spool, 0, ['one', 'three'], 1);
    const writer = new RejectWriter(await spool.path(0, 'rejects'));
    writer.add({ row: 2, error: 'STRING_TOO_LONG:long:Name --', line: 'two' });
    await writer.flush();
    const withRejects: FinishedBatch = {
      ...batch,
      rows: [
        [1, 1],
        [3, 1],
      ],
      rejected: 1,
    };
    const onlyRejects = new RejectWriter(await spool.path(1, 'rejects'));
    onlyRejects.add({ row: 4, error: 'BULKPIPE_UNKNOWN_FIELD:x:Extra --', line: 'four' });
    await onlyRejects.flush();
    const rejectedOnly: SpooledBatch = { kind: 'batch', seq: 1, path: null, contentType: 'CSV', records: 0, rejected: 1, bytes: 0, rows: [], columns: ['Name'] };
    const sink = collector<JoinedBlock>();
    await pipeline(Readable.from([rejectedOnly, withRejects]), new ResultJoiner({ client: t.client, spool }), sink);
    expect(rowsOf(sink.items)).to.deep.equal([
      [1, true, 'one', ''],
      [2, false, 'two', 'STRING_TOO_LONG'],
      [3, true, 'three', ''],
      [4, false, 'four', 'BULKPIPE_UNKNOWN_FIELD'],
    ]);
    expect(sink.items.flatMap((b) => b.rows.map((r) => r.batchId))).to.deep.equal([batch.batchId, null, batch.batchId, null]);
  });

  it('sends every row of a Failed or NotProcessed batch to the errors with its state message', async () => {
    const spool = new LoadSpool({ dir: tmp.path });
    const failed = await finished(spool, 0, ['x'], 1, ['x']);
    const items = [
      { ...failed, state: 'Failed' as const, stateMessage: 'InvalidBatch : Field name not found : Nope' },
      { ...(await finished(spool, 1, ['y'], 2)), state: 'NotProcessed' as const, stateMessage: undefined },
    ];
    const sink = collector<JoinedBlock>();
    await pipeline(Readable.from(items), new ResultJoiner({ client: t.client, spool }), sink);
    expect(sink.items.flatMap((b) => b.rows.map((r) => [r.row, r.success, r.error]))).to.deep.equal([
      [1, false, 'InvalidBatch : Field name not found : Nope'],
      [2, false, 'batch NotProcessed'],
    ]);
  });

  it('a Failed batch whose payload cannot be read back: every row still to the errors, by row number, with the org\u2019s message', async () => {
    const spool = new LoadSpool({ dir: tmp.path });
    const failed = await finished(spool, 0, ['a', 'b', 'c'], 5);
    await writeFile(failed.path as string, 'Name\n"never closed\nb\n'); // reads back as fewer records than the batch has
    const item = { ...failed, state: 'Failed' as const, stateMessage: 'InvalidBatch : the org could not read it' };
    const sink = collector<JoinedBlock>();
    await pipeline(Readable.from([item]), new ResultJoiner({ client: t.client, spool }), sink);
    // Rows pushed before the payload gave out are voided by the restart; the outputs then hold each row once.
    const restart = sink.items.findIndex((b) => b.restart);
    expect(restart).to.be.at.least(0);
    const kept = sink.items.slice(restart).flatMap((b) => b.rows.map((r) => [r.row, r.success, r.error]));
    expect(kept).to.deep.equal([5, 6, 7].map((row) => [row, false, 'InvalidBatch : the org could not read it']));
  });

  it('a batch that processed another number of records than it has: its rows to the errors, naming job, batch and counts; the others joined', async () => {
    const spool = new LoadSpool({ dir: tmp.path });
    // The spooled payload has three records, the org saw two (as with a blank line it skips).
    const short = await finished(spool, 0, ['p', 'q', 'r'], 1, ['p', 'q']);
    expect(short.processed).to.equal(2);
    const fine = await finished(spool, 1, ['s'], 4);
    const sink = collector<JoinedBlock>();
    await pipeline(Readable.from([short, fine]), new ResultJoiner({ client: t.client, spool }), sink);
    const rows = sink.items.flatMap((b) => b.rows);
    expect(rows.map((r) => [r.row, r.success])).to.deep.equal([
      [1, false],
      [2, false],
      [3, false],
      [4, true],
    ]);
    expect(rows[0]?.error).to.equal(
      `BULKPIPE_RESULT_MISMATCH:batch ${short.batchId} of job ${jobId} returned 2 results for its 3 records, so which result is whose is unknown; check these records in the org before loading them again:--`,
    );
  });

  it('a result body that disagrees with its batch\u2019s count: the rows pushed are taken back (restart) and the segment goes to the errors', async () => {
    const server = await new ScriptedServer().start();
    // Long enough for the payload to be read in several chunks, so that rows are out before the shortfall shows.
    const many = Array.from({ length: 3000 }, (_, i) => `${'n'.repeat(250)}${i}`);
    // The batch says 3,000 records; its result body stops after 2,500.
    server.fallback = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/csv' });
      res.end(
        CSV_RESULT_HEADER +
          Array.from({ length: 2500 }, (_, i) => dmlResultCsvRow({ id: `001000000000${String(i % 1000).padStart(3, '0')}AAA`, success: true, created: true, errors: [] })).join(''),
      );
    };
    const client = new BulkClient({ instanceUrl: server.url, accessToken: 'T' });
    try {
      const spool = new LoadSpool({ dir: tmp.path });
      const path = await spool.path(0, 'payload', 'csv');
      await writeFile(path, `Name\n${many.join('\n')}\n`);
      const batch: FinishedBatch = {
        kind: 'finished',
        seq: 0,
        path,
        contentType: 'CSV',
        records: 3000,
        rejected: 0,
        bytes: 0,
        rows: [[1, 3000]],
        columns: ['Name'],
        jobId: '750000000000009AAA',
        batchId: '751000000000009AAA',
        state: 'Completed',
        stateMessage: undefined,
        processed: 3000,
      };
      const sink = collector<JoinedBlock>();
      await pipeline(Readable.from([batch]), new ResultJoiner({ client, spool }), sink);
      const restart = sink.items.findIndex((b) => b.restart);
      expect(restart).to.be.above(0); // some rows had been pushed before the shortfall showed
      const after = sink.items.slice(restart).flatMap((b) => b.rows);
      expect(after).to.have.length(3000);
      expect(after.every((r) => !r.success && r.error.includes('returned 2500 results for its 3000 records'))).to.equal(true);
      expect(sink.items.at(-1)?.last).to.equal(true);
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('holds back: with a slow reader, few blocks are pushed ahead', async () => {
    const spool = new LoadSpool({ dir: tmp.path });
    const names = Array.from({ length: 9000 }, (_, i) => `${'w'.repeat(300)}${i}`);
    const batch = await finished(spool, 0, names, 1);
    let pushed = 0;
    let maxAhead = 0;
    const joiner = new ResultJoiner({ client: t.client, spool });
    const sink = slowSink<JoinedBlock>(5, () => {
      maxAhead = Math.max(maxAhead, pushed - sink.items.length);
    });
    const push = joiner.push.bind(joiner);
    joiner.push = (chunk: unknown) => {
      if (chunk) pushed++;
      return push(chunk);
    };
    await pipeline(Readable.from([batch]), joiner, sink);
    expect(sink.items.reduce((n, b) => n + b.rows.length, 0)).to.equal(9000);
    expect(pushed).to.be.above(8);
    expect(maxAhead).to.be.at.most(7);
  });

  it('refuses what is not a finished batch, naming the stage it needs before it, and a segment twice', async () => {
    const spool = new LoadSpool({ dir: tmp.path });
    const submitted = { kind: 'submitted', seq: 0 };
    const err = await rejection(pipeline(Readable.from([submitted]), new ResultJoiner({ client: t.client, spool }), collector()));
    expect(err).to.include({ code: 'BULK_PIPELINE' });
    expect(err.message).to.contain('StatusPoller');
    const batch = await finished(spool, 1, ['z'], 1);
    expect(await rejection(pipeline(Readable.from([batch, batch]), new ResultJoiner({ client: t.client, spool }), collector()))).to.include({ code: 'BULK_INVALID_OPTION' });
  });

  it('fails loudly when a segment never arrives, and stops at once when destroyed', async () => {
    const spool = new LoadSpool({ dir: tmp.path });
    const second = await finished(spool, 1, ['late'], 2);
    const err = await rejection(pipeline(Readable.from([second]), new ResultJoiner({ client: t.client, spool }), collector()));
    expect(err).to.include({ code: 'BULK_JOIN_MISMATCH' });
    expect(err.message).to.contain('segment 0');

    // Destroyed at its first block, out of a segment of many: nothing more arrives.
    const controller = new AbortController();
    const big = await finished(
      spool,
      0,
      Array.from({ length: 9000 }, (_, i) => `${'d'.repeat(60)}${i}`),
      1,
    );
    const sink = slowSink<JoinedBlock>(5, () => controller.abort());
    const run = rejection(pipeline(Readable.from([big]), new ResultJoiner({ client: t.client, spool }), sink, { signal: controller.signal }));
    expect(await run).to.have.property('name', 'AbortError');
    expect(sink.items.length).to.be.within(1, 2);
  });

  /** Whether the promise is still pending once the tasks queued before this look have run. */
  async function pending(promise: Promise<unknown>): Promise<boolean> {
    let settled = false;
    promise.then(
      () => (settled = true),
      () => (settled = true),
    );
    await new Promise((r) => setImmediate(r));
    return !settled;
  }

  it('whenRoom: holds once `backlog` finished results wait, in turn or not, only behind a segment that needs no more input; rejects once destroyed', async () => {
    const spool = new LoadSpool({ dir: tmp.path });
    const [first, second, third] = [await finished(spool, 0, ['a'], 1), await finished(spool, 1, ['b'], 2), await finished(spool, 2, ['c'], 3)];
    const joiner = new ResultJoiner({ client: t.client, spool, backlog: 2 });
    expect(await pending(joiner.whenRoom()), 'nothing waits').to.equal(false);
    joiner.write(second);
    joiner.write(third);
    // Two results wait behind segment 0, which is still being cut (or gathered in a 2.0 job): never held behind it.
    expect(await pending(joiner.whenRoom()), 'segment 0 needs input').to.equal(false);
    // Segment 0 is in the org (or waits on a record retry): its results are not in turn, yet the input waits.
    joiner.submitted(0);
    const held = joiner.whenRoom();
    expect(await pending(held), 'segment 0 in the org, two results waiting').to.equal(true);
    // It finishes; the reader takes the rows: room again.
    joiner.write(first);
    const rows: number[] = [];
    joiner.on('data', (block: JoinedBlock) => rows.push(...block.rows.map((r) => r.row)));
    await held;
    joiner.end();
    await new Promise((r) => joiner.on('end', r));
    expect(rows).to.deep.equal([1, 2, 3]);

    const failing = new ResultJoiner({ client: t.client, spool, backlog: 1, firstSeq: 3 });
    failing.write(await finished(spool, 4, ['e'], 5));
    failing.on('error', () => undefined); // told by whenRoom
    failing.submitted(3);
    const waiting = failing.whenRoom();
    expect(await pending(waiting)).to.equal(true);
    failing.destroy(Object.assign(new Error('join failed'), { code: 'BULK_X' }));
    expect(await rejection(waiting)).to.include({ code: 'BULK_X' });
    expect(await rejection(failing.whenRoom())).to.include({ code: 'BULK_X' });
  });

  it('BacklogGate: a joiner that fails while the gate holds a batch: the batch is never passed on', async () => {
    const spool = new LoadSpool({ dir: tmp.path });
    const items: FinishedBatch[] = [];
    for (let seq = 0; seq < 8; seq++) items.push(await finished(spool, seq, [`g${seq}`], seq + 1));
    const joiner = new ResultJoiner({ client: t.client, spool, backlog: 2 });
    let held: Promise<void> | undefined;
    const gate = new BacklogGate(() => (held = joiner.whenRoom()));
    const passed: number[] = [];
    const next = new PassThrough({
      objectMode: true,
      highWaterMark: 1,
      transform(item: FinishedBatch, _e, cb) {
        passed.push(item.seq);
        cb(null, item);
      },
    });
    const stuck = new Writable({ objectMode: true, highWaterMark: 1, write() {} }); // a reader that never takes the next block
    const run = rejection(pipeline(Readable.from(items), gate, next, joiner, stuck));
    // Until the gate waits on the joiner's room.
    while (!(held && (await pending(held)))) await new Promise((r) => setTimeout(r, 10));
    const before = passed.length;
    expect(before).to.be.below(items.length);
    joiner.destroy(Object.assign(new Error('join failed'), { code: 'BULK_X' }));
    expect(await run).to.include({ code: 'BULK_X' });
    expect(passed.length, 'batches passed on after the joiner failed').to.equal(before);
  });
});
