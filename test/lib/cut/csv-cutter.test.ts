import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { CsvCutter } from '../../../lib/cut/csv-cutter.js';
import { CsvKernel } from '../../../lib/cut/csv-kernel.js';
import type { CsvCutterOptions } from '../../../lib/cut/csv-cutter-options.js';
import type { CutEvents } from '../../../lib/cut/segment-cutter.js';
import type { ColumnPlan } from '../../../lib/load/column-plan.js';
import { LoadSpool } from '../../../lib/load/load-spool.js';
import type { RejectEntry } from '../../../lib/load/reject-file.js';
import type { SpooledBatch } from '../../../lib/load-types.js';
import { useTempDir } from '../../helpers/temp-dir.js';

describe('lib/cut/csv-cutter', () => {
  const tmp = useTempDir('bulkpipe-csv-cutter-');

  type Seen = { columns: ColumnPlan[]; rejected: RejectEntry[]; batches: SpooledBatch[] };

  function cutter(options: Partial<CsvCutterOptions> = {}): { cutter: CsvCutter; seen: Seen } {
    const seen: Seen = { columns: [], rejected: [], batches: [] };
    const events: CutEvents = { columns: (p) => seen.columns.push(p), rejected: (e) => seen.rejected.push(e), batch: (b) => seen.batches.push(b) };
    return { seen, cutter: new CsvCutter({ spool: new LoadSpool({ dir: tmp.path }), source: 'in.csv', ...options }, events) };
  }

  const step = (run: (done: (err?: Error | null) => void) => void) => new Promise<void>((resolve, reject) => run((err) => (err ? reject(err) : resolve())));

  /** Feeds the chunks and ends the input, as the stage does; resolves to each batch's payload text. */
  async function feed(c: CsvCutter, seen: Seen, chunks: readonly (string | Buffer)[]): Promise<string[]> {
    for (const chunk of chunks) await step((done) => c.write(Buffer.from(chunk), done));
    await step((done) => c.end(done));
    return Promise.all(seen.batches.map((b) => (b.path === null ? '' : readFile(b.path, 'utf8'))));
  }

  const INPUT = 'Name,Note\n"a","x\ny"\nb,2\r\nc,3\rd,4';

  it('cuts the bytes behind the header by records, whatever the chunks, with each segment end', async () => {
    const whole = cutter({ maxRecords: 2 });
    const texts = await feed(whole.cutter, whole.seen, [INPUT]);
    expect(texts).to.deep.equal(['Name,Note\n"a","x\ny"\nb,2\r\n', 'Name,Note\nc,3\nd,4\n']);
    expect(whole.seen.batches.map((b) => [b.seq, b.rows, b.end])).to.deep.equal([
      [0, [[1, 2]], { row: 2, offset: 25, line: 5 }],
      [1, [[3, 2]], { row: 4, offset: INPUT.length, line: 7 }],
    ]);
    expect(whole.cutter.inputHeader).to.equal('Name,Note\n');
    expect(whole.seen.columns.map((p) => p.upload)).to.deep.equal([['Name', 'Note']]);
    for (let at = 1; at < INPUT.length; at++) {
      const split = cutter({ maxRecords: 2 });
      expect(await feed(split.cutter, split.seen, [INPUT.slice(0, at), INPUT.slice(at)]), `split at ${at}`).to.deep.equal(texts);
    }
  });

  it('rejects a record of another field count into its segment, by its row and line', async () => {
    const { cutter: c, seen } = cutter();
    const texts = await feed(c, seen, ['Name,Note\na,1\nb\nc,3\n']);
    expect(texts).to.deep.equal(['Name,Note\na,1\nc,3\n']);
    expect(seen.rejected.map((e) => [e.row, e.error.split(':')[0]])).to.deep.equal([[2, 'BULKPIPE_FIELD_COUNT']]);
    expect(seen.batches.map((b) => [b.records, b.rejected, b.rows])).to.deep.equal([
      [
        2,
        1,
        [
          [1, 1],
          [3, 1],
        ],
      ],
    ]);
  });

  it('a resumed run reads on from an offset with the header it read before, numbering on', async () => {
    const { cutter: c, seen } = cutter({ resume: { seq: 3, row: 2, offset: 100, header: 'Name,Note\n' } });
    const texts = await feed(c, seen, ['c,3\nd,4\n']);
    expect(texts).to.deep.equal(['Name,Note\nc,3\nd,4\n']);
    expect(seen.batches.map((b) => [b.seq, b.rows, b.end])).to.deep.equal([[3, [[3, 2]], { row: 4, offset: 108, line: 6 }]]);
  });

  it('a stop ends the last segment at the first record not taken, and drops the rest', async () => {
    const { cutter: c, seen } = cutter();
    await step((done) => c.write(Buffer.from('Name\na\nb\npart'), done));
    expect(c.stop()).to.equal(true);
    await step((done) => c.write(Buffer.from('ial\ne\n'), done));
    await step((done) => c.end(done));
    expect(seen.batches.map((b) => [b.records, b.end])).to.deep.equal([[2, { row: 2, offset: 9, line: 4 }]]);
  });

  it('an input cut off drops its partial last record: the segment ends where it starts', async () => {
    const { cutter: c, seen } = cutter();
    c.endsCut();
    const texts = await feed(c, seen, ['Name\na\nb\n"par']);
    expect(texts).to.deep.equal(['Name\na\nb\n']);
    expect(seen.batches[0]?.end).to.deep.equal({ row: 2, offset: 9, line: 4 });
  });

  it('fails on a header it cannot use; with onError, reports it and ends normally', async () => {
    const plain = cutter();
    const err = await feed(plain.cutter, plain.seen, ['sf__Id\n1\n']).catch((e: Error) => e);
    expect(err).to.have.property('code', 'BULK_PARSE');
    const errors: Error[] = [];
    const stopping = cutter({ onError: (e) => errors.push(e) });
    expect(await feed(stopping.cutter, stopping.seen, ['sf__Id\n1\n'])).to.deep.equal([]);
    expect(errors.map((e) => (e as Error & { code: string }).code)).to.deep.equal(['BULK_PARSE']);
  });

  it('makes its WebAssembly kernel only when it scans with it: never for records it rewrites', async () => {
    const create = CsvKernel.create;
    let made = 0;
    CsvKernel.create = (...args) => {
      made++;
      return create.apply(CsvKernel, args);
    };
    try {
      const rewrites = [
        { delimiter: ';', input: 'Name;Note\na;1\nb;2\n' },
        { delimiter: '\t', input: 'Name\tNote\na\t1\n' },
        { delimiter: '|', input: 'Name|Note\na|1\n' },
      ];
      for (const { delimiter, input } of rewrites) {
        const { cutter: c, seen } = cutter({ delimiter });
        expect(await feed(c, seen, [input]), delimiter).to.have.length(1);
      }
      const unnamed = cutter();
      expect(await feed(unnamed.cutter, unnamed.seen, ['Name,,Note\na,,1\n'])).to.deep.equal(['Name,Note\na,1\n']);
      const created = cutter();
      expect(made, 'made before any chunk, or for rewritten records').to.equal(0);
      expect(await feed(created.cutter, created.seen, ['Name,Note\na,1\nb,2\n', 'c,3\n'])).to.deep.equal(['Name,Note\na,1\nb,2\nc,3\n']);
      expect(made, 'made once, on the first chunk it scans').to.equal(1);
    } finally {
      CsvKernel.create = create;
    }
  });

  describe('invalid UTF-8 at a chunk edge (the chunk check leaves out a character cut there)', () => {
    const create = CsvKernel.create;
    afterEach(() => {
      CsvKernel.create = create;
    });
    const bytes = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

    /** The input in two chunks split at every offset, with the kernel and by the JS scan alone: each batch's text and each reject's row and code. */
    async function everySplit(input: Buffer, check: (texts: string[], rejects: [number, string][], label: string) => void): Promise<void> {
      for (const kernel of [true, false]) {
        CsvKernel.create = kernel ? create : () => undefined;
        for (let at = 1; at < input.length; at++) {
          const { cutter: c, seen } = cutter();
          const texts = await feed(c, seen, [input.subarray(0, at), input.subarray(at)]);
          check(
            texts,
            seen.rejected.map((e) => [e.row, e.error]),
            `kernel ${kernel}, split at ${at}`,
          );
        }
      }
    }

    it('rejects a record that begins with a continuation byte at the start of a chunk', async () => {
      await everySplit(bytes('h1,h2\n', [0x80], 'a,b\nc,d\n'), (texts, rejects, label) => {
        expect(texts, label).to.deep.equal(['h1,h2\nc,d\n']);
        expect(
          rejects.map(([row, error]) => [row, error.split(':')[0]]),
          label,
        ).to.deep.equal([[1, 'BULKPIPE_INVALID_UTF8']]);
        expect(rejects[0]?.[1], label).to.contain('(in.csv, line 2, column 1, record 1, field h1)');
      });
    });

    it('rejects a record that ends in the last 3 bytes of a chunk with a lead byte in them', async () => {
      for (const input of [bytes('h1,h2\na,b', [0xc3], '\nx,y\n'), bytes('h1,h2\n', [0xc3], ',\nx,y\n')]) {
        await everySplit(input, (texts, rejects, label) => {
          expect(texts, label).to.deep.equal(['h1,h2\nx,y\n']);
          expect(
            rejects.map(([row, error]) => [row, error.split(':')[0]]),
            label,
          ).to.deep.equal([[1, 'BULKPIPE_INVALID_UTF8']]);
        });
      }
    });

    it('still takes valid characters cut between chunks, at either end of a record', async () => {
      await everySplit(bytes('h1,h2\na,\u00e9\n\u65e5,b\nc,\u00fc\u65e5\n'), (texts, rejects, label) => {
        expect(texts, label).to.deep.equal(['h1,h2\na,\u00e9\n\u65e5,b\nc,\u00fc\u65e5\n']);
        expect(rejects, label).to.deep.equal([]);
      });
    });
  });
});
