import { expect } from 'chai';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { JoinedRows } from '../../lib/join/joined-rows.js';
import { ResultBlock } from '../../lib/join/result-block.js';
import type { JoinedBlock } from '../../lib/load-types.js';
import { OutcomeSink } from '../../sinks/outcome-sink.js';
import { rejection } from '../helpers/fixtures.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

const JOB = '750000000000001AAA';

/** A segment's block: rows as [row, CSV line, id or null, error]. */
function block(seq: number, rows: Array<[number, string, string | null, string]>, flags: { last?: boolean; restart?: boolean } = {}): JoinedRows {
  const out = new JoinedRows({ seq, jobId: JOB, batchId: `751000000000${seq}AAA`, columns: ['Name', 'Note'] }, rows.length);
  const results = new ResultBlock(rows.length);
  for (const [row, line, id, error] of rows) {
    const i = out.add(row, true, Buffer.from(line), 0, Buffer.byteLength(line));
    results.addText(id !== null, id !== null && row % 2 === 0, id, error);
    out.takeResult(i, results, i);
  }
  out.last = flags.last ?? true;
  out.restart = flags.restart ?? false;
  return out;
}

describe('sinks/outcome-sink', () => {
  const tmp = useTempDir('bulkpipe-sink-');
  const paths = () => ({ successPath: join(tmp.path, 'ok.csv'), errorPath: join(tmp.path, 'err.csv'), resultsPath: join(tmp.path, 'all.ndjson') });

  it('writes the lines as they are with sf__Id, sf__Created, sf__Row or sf__Error, sf__Row, and every row to NDJSON', async () => {
    const sink = new OutcomeSink(paths());
    await pipeline(
      Readable.from([
        block(0, [
          [1, '"Zoë, x",#N/A', '001000000000001AAA', ''],
          [2, 'B,', null, 'E:say "no":Name --'],
        ]),
        block(1, [[4, ',n', '001000000000002AAA', '']]),
      ]),
      sink,
    );
    expect(await readFile(paths().successPath, 'utf8')).to.equal('Name,Note,sf__Id,sf__Created,sf__Row\n"Zoë, x",#N/A,001000000000001AAA,false,1\n,n,001000000000002AAA,true,4\n');
    expect(await readFile(paths().errorPath, 'utf8')).to.equal('Name,Note,sf__Error,sf__Row\nB,,"E:say ""no"":Name --",2\n');
    const all = (await readFile(paths().resultsPath, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(all.map((r) => [r.row, r.success, r.fields])).to.deep.equal([
      [1, true, { Name: 'Zoë, x', Note: null }],
      [2, false, { Name: 'B', Note: '' }],
      [4, true, { Name: '', Note: 'n' }],
    ]);
    expect([sink.succeeded, sink.failed]).to.deep.equal([2, 1]);
  });

  it('writes the same files whether rows go one at a time (with NDJSON) or in the success-row loop: buffer edges, text ids, field rows and failures between', async () => {
    const many = (seq: number) => {
      const out = new JoinedRows({ seq, jobId: JOB, batchId: `751000000000${seq}AAA`, columns: ['Name', 'Note'] }, 3000);
      const results = new ResultBlock(3000);
      const ids = Buffer.from('001000000000001AAA,001000000000002AAA');
      for (let k = 0; k < 3000; k++) {
        const row = seq * 3000 + k + 1;
        const line = `Name ${row} ${'x'.repeat(k % 300)},"note, ${row}"`;
        const i = k % 11 === 5 ? out.add(row, true, { Name: `Field ${row}`, Note: null }) : out.add(row, true, Buffer.from(line), 0, Buffer.byteLength(line));
        if (k % 7 === 3) results.addText(false, false, null, `E${row}:failed:--`);
        else if (k % 5 === 1) results.addText(true, true, `001000000000${String(row).padStart(3, '0')}ZZZ`, '');
        else results.addBytes(true, k % 2 === 0, ids, k % 3 === 0 ? 0 : 19, k % 3 === 0 ? 18 : 37, '', k % 4);
        out.takeResult(i, results, i);
      }
      out.last = true;
      return out;
    };
    for (const attempts of [false, true]) {
      const rowByRow = { successPath: join(tmp.path, 'a-ok.csv'), errorPath: join(tmp.path, 'a-err.csv'), resultsPath: join(tmp.path, 'a.ndjson'), attempts };
      const loop = { successPath: join(tmp.path, 'b-ok.csv'), errorPath: join(tmp.path, 'b-err.csv'), attempts };
      await pipeline(Readable.from([many(0), many(1)]), new OutcomeSink(rowByRow));
      await pipeline(Readable.from([many(0), many(1)]), new OutcomeSink(loop));
      const ok = await readFile(loop.successPath, 'utf8');
      expect(ok).to.equal(await readFile(rowByRow.successPath, 'utf8'));
      expect(await readFile(loop.errorPath, 'utf8')).to.equal(await readFile(rowByRow.errorPath, 'utf8'));
      expect(ok.length).to.be.greaterThan(600_000); // past the 256 KiB buffer twice
      const lines = ok.split('\n');
      expect(lines[2]).to.equal(`Name 2 x,"note, 2",001000000000002ZZZ,true,2${attempts ? ',1' : ''}`);
      expect(lines[5]).to.equal(`Field 6,#N/A,001000000000002AAA,false,6${attempts ? ',1' : ''}`); // row 4 failed
    }
  });

  it('writes the fields of rows without a line (XML and JSON jobs) and of plain rows', async () => {
    const plain: JoinedBlock = {
      kind: 'joined',
      seq: 0,
      jobId: JOB,
      batchId: 'B',
      columns: ['Name', 'Note'],
      last: true,
      restart: false,
      rows: [{ row: 3, success: false, id: null, created: false, error: 'E:m:--', batchId: 'B', columns: ['Name', 'Note'], line: undefined, fields: { Name: 'a,b', Note: null } }],
    };
    await pipeline(Readable.from([plain]), new OutcomeSink({ errorPath: paths().errorPath }));
    expect(await readFile(paths().errorPath, 'utf8')).to.equal('Name,Note,sf__Error,sf__Row\n"a,b",#N/A,E:m:--,3\n');
  });

  it('drops what it wrote of a segment that starts again', async () => {
    const sink = new OutcomeSink(paths());
    const first = block(0, [[1, 'a,', '001000000000001AAA', '']]);
    const partial = block(1, [[2, 'b,', '001000000000002AAA', '']], { last: false });
    const again = block(1, [[2, 'b,', null, 'BULKPIPE_RESULT_MISMATCH:x:--']], { restart: true });
    await pipeline(Readable.from([first, partial, again]), sink);
    expect(await readFile(paths().successPath, 'utf8')).to.equal('Name,Note,sf__Id,sf__Created,sf__Row\na,,001000000000001AAA,false,1\n');
    expect(await readFile(paths().errorPath, 'utf8')).to.equal('Name,Note,sf__Error,sf__Row\nb,,BULKPIPE_RESULT_MISMATCH:x:--,2\n');
    expect((await readFile(paths().resultsPath, 'utf8')).trim().split('\n')).to.have.length(2);
    expect([sink.succeeded, sink.failed]).to.deep.equal([1, 1]);
  });

  it('after a failure keeps whole segments only, and counts only them', async () => {
    const sink = new OutcomeSink(paths());
    async function* source() {
      yield block(0, [[1, 'a,', '001000000000001AAA', '']]);
      await waitFor('the first segment written', () => sink.succeeded === 1);
      yield block(
        1,
        [
          [2, 'b,', '001000000000002AAA', ''],
          [3, 'c,', null, 'E:x:--'],
        ],
        { last: false },
      );
      await waitFor('the partial segment taken', () => sink.writableLength === 0);
      throw new Error('the join failed');
    }
    expect((await rejection(pipeline(source(), sink))).message).to.equal('the join failed');
    expect(await readFile(paths().successPath, 'utf8')).to.equal('Name,Note,sf__Id,sf__Created,sf__Row\na,,001000000000001AAA,false,1\n');
    expect(await readFile(paths().errorPath, 'utf8')).to.equal('Name,Note,sf__Error,sf__Row\n');
    expect((await readFile(paths().resultsPath, 'utf8')).trim().split('\n')).to.have.length(1);
    expect([sink.succeeded, sink.failed]).to.deep.equal([1, 0]);
  });

  it('refuses a file it cannot create as an option error, before anything else', async () => {
    const sink = new OutcomeSink({ successPath: join(tmp.path, 'ok.csv'), errorPath: join(tmp.path, 'no', 'such', 'err.csv') });
    const err = await rejection(sink.open());
    expect(err).to.include({ code: 'BULK_INVALID_OPTION', option: 'errorPath' });
    expect(err.message).to.contain('ENOENT');
  });

  it('fails cleanly on a file that cannot be written, naming it, its rows and the job', async () => {
    const sink = new OutcomeSink({ successPath: '/dev/full', errorPath: join(tmp.path, 'err.csv') });
    const rows = Array.from({ length: 30_000 }, (_, i): [number, string, string | null, string] => [i + 1, `name ${i},${'n'.repeat(40)}`, '001000000000001AAA', '']);
    const err = await rejection(pipeline(Readable.from([block(0, rows.slice(0, 10)), block(1, rows.slice(10))]), sink));
    // The disk took nothing: no row is said to be in the file, though a whole segment had been handed to it.
    expect(err).to.include({ code: 'BULK_OUTPUT', path: '/dev/full', rowsWritten: 0, jobId: JOB });
    expect(err.message).to.match(/^cannot write \/dev\/full \(ENOSPC\): 0 rows written to it; the results of job 750\w+ stay on the server for 7 days/);
    expect(await readdir(tmp.path)).to.deep.equal(['err.csv']);
  });

  it('reports each segment once its rows are in the files, and a resumed sink appends after those sizes', async () => {
    const written: Array<{ seq: number; succeeded: number; failed: number; sizes: Record<string, number> }> = [];
    const first = new OutcomeSink({ ...paths(), onSegmentWritten: async (w) => void written.push(w as never) });
    await pipeline(
      Readable.from([
        block(0, [
          [1, 'a,', '001000000000001AAA', ''],
          [2, 'b,', null, 'E:x:--'],
        ]),
      ]),
      first,
    );
    const sizes = written[0]?.sizes as Record<string, number>;
    expect(written.map((w) => [w.seq, w.succeeded, w.failed])).to.deep.equal([[0, 1, 1]]);
    expect(sizes.successPath).to.equal((await readFile(paths().successPath)).length);
    // A crash after the report: more bytes than the ledger knows of; the resume cuts them off.
    await writeFile(paths().successPath, `${await readFile(paths().successPath, 'utf8')}torn,row`);
    const resumed = new OutcomeSink({ ...paths(), resume: { sizes, succeeded: 1, failed: 1 } });
    await pipeline(Readable.from([block(1, [[3, 'c,', '001000000000003AAA', '']])]), resumed);
    expect(await readFile(paths().successPath, 'utf8')).to.equal('Name,Note,sf__Id,sf__Created,sf__Row\na,,001000000000001AAA,false,1\nc,,001000000000003AAA,false,3\n');
    expect(await readFile(paths().errorPath, 'utf8')).to.equal('Name,Note,sf__Error,sf__Row\nb,,E:x:--,2\n');
    expect([resumed.succeeded, resumed.failed]).to.deep.equal([2, 1]);
    // An output shorter than the ledger says is a loss, not something to append to.
    const short = new OutcomeSink({ successPath: paths().successPath, resume: { sizes: { successPath: 10_000 }, succeeded: 1, failed: 0 } });
    expect(await rejection(short.open())).to.include({ code: 'BULK_INVALID_OPTION' });
  });

  it('writes the header of a run that fails before its first segment', async () => {
    const sink = new OutcomeSink(paths());
    sink.knowColumns(['Name', 'Note']);
    await sink.open();
    sink.on('error', () => undefined); // the run's error, reported elsewhere
    await new Promise((resolve) => sink.once('close', resolve).destroy(new Error('the run failed')));
    expect(await readFile(paths().successPath, 'utf8')).to.equal('Name,Note,sf__Id,sf__Created,sf__Row\n');
    expect(await readFile(paths().errorPath, 'utf8')).to.equal('Name,Note,sf__Error,sf__Row\n');
  });

  it('refuses an input that is not a joined block', async () => {
    const err = await rejection(pipeline(Readable.from([{ kind: 'finished' }]), new OutcomeSink(paths())));
    expect(err).to.include({ code: 'BULK_PIPELINE' });
    expect(err.message).to.contain('ResultJoiner');
  });
});
