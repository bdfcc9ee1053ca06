import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { CsvCutter } from '../../../lib/cut/csv-cutter.js';
import type { CsvCutterOptions } from '../../../lib/cut/csv-cutter-options.js';
import { CsvKernel } from '../../../lib/cut/csv-kernel.js';
import { CSV_KERNEL_WASM } from '../../../lib/cut/csv-kernel-wasm.js';
import type { CutEvents } from '../../../lib/cut/segment-cutter.js';
import { LoadSpool } from '../../../lib/load/load-spool.js';
import { compileCsvKernel } from '../../../scripts/build-csv-kernel.js';
import { random } from '../../../benchmarks/_util/random.js';
import { useTempDir } from '../../helpers/temp-dir.js';

/** Random CSV bytes with every kind of record the fast path meets, good ones mostly. */
function randomCsv(next: () => number, records: number): Buffer {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
  const columns = 1 + Math.floor(next() * 5);
  const quoteAll = next() < 0.3;
  const lineEnds = pick([['\n'], ['\r\n'], ['\n', '\r\n'], ['\n', '\r\n', '\r']]);
  const parts: Buffer[] = [Buffer.from(`${next() < 0.1 ? '\ufeff' : ''}${Array.from({ length: columns }, (_, i) => `c${i}`).join(',')}${pick(lineEnds)}`)];
  const text = () => pick(['a', 'bc', 'hello world', 'é', '日本語', '😀x', '', '12.5', 'x'.repeat(1 + Math.floor(next() * 40))]);
  const field = (): Buffer => {
    const r = next();
    if (r < 0.01) return Buffer.from([0x61, 0xff, 0x62]); // invalid UTF-8
    if (r < 0.015) return Buffer.from([0x61, 0xc3]); // a character cut off
    if (r < 0.02) return Buffer.from('a\0b');
    if (r < 0.03) return Buffer.from('O"Brien'); // a stray quote
    if (r < 0.04) return Buffer.from('"closed"after'); // text after a closing quote
    if (r < 0.05) return Buffer.from(`"with${pick(['\n', '\r\n', '\r'])}line"`);
    if (r < 0.07) return Buffer.from(`"a ""quoted"" word, and a comma"`);
    if (r < 0.08) return Buffer.from('""');
    if (r < 0.085) return Buffer.from('y'.repeat(32_001)); // over the field limit
    if (r < 0.09) return Buffer.from('"""x"""');
    return Buffer.from(quoteAll || r < 0.2 ? `"${text()}"` : text());
  };
  for (let n = 0; n < records; n++) {
    const r = next();
    if (r < 0.02) {
      parts.push(Buffer.from(pick(lineEnds))); // an empty line
      continue;
    }
    const count = r < 0.06 ? columns + (next() < 0.5 ? 1 : -1) : columns;
    const fields: Buffer[] = [];
    for (let f = 0; f < Math.max(1, count); f++) {
      if (f > 0) fields.push(Buffer.from(','));
      fields.push(field());
    }
    parts.push(...fields, Buffer.from(n === records - 1 && next() < 0.3 ? '' : pick(lineEnds)));
  }
  if (next() < 0.05) parts.push(Buffer.from('"never closed,x\n'));
  return Buffer.concat(parts);
}

/** The input in chunks of random sizes (1 to `most` bytes). */
function chunked(next: () => number, bytes: Buffer, most: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; ) {
    const size = 1 + Math.floor(next() * most);
    chunks.push(bytes.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

describe('lib/cut/csv-kernel', () => {
  const tmp = useTempDir('bulkpipe-csv-kernel-');
  const create = CsvKernel.create;
  afterEach(() => {
    CsvKernel.create = create;
  });

  it('the committed binary is the one its source compiles to', async () => {
    expect(Buffer.from(await compileCsvKernel()).toString('base64')).to.equal(CSV_KERNEL_WASM);
  });

  it('finds plain records and stops before the first one that is not', () => {
    const kernel = CsvKernel.create();
    expect(kernel, 'WebAssembly SIMD runs here').to.not.equal(undefined);
    const k = kernel as CsvKernel;
    const ends = (text: string, fields: number, maxLength = 1000) => {
      const chunk = Buffer.from(text);
      const n = k.plainRecords(chunk, 0, 0x2c, fields, maxLength);
      return Array.from({ length: n }, (_, i) => k.end(i));
    };
    expect(ends('a,b\n"c,d",e\r\nf,g\n', 2)).to.deep.equal([4, 13, 17]);
    expect(ends('a,b\nc\nd,e\n', 2)).to.deep.equal([4]); // a field count off
    expect(ends('a,b\nc"d,e\n', 2)).to.deep.equal([4]); // a stray quote
    expect(ends('a,b\n"c"d,e\n', 2)).to.deep.equal([4]); // text after a closing quote
    expect(ends('a,b\n"c\nd",e\n', 2)).to.deep.equal([4]); // a line end inside quotes
    expect(ends('a,b\rc,d\n', 2)).to.deep.equal([]); // a CR alone
    expect(ends('a,b\n\nc,d\n', 2)).to.deep.equal([4]); // an empty line
    expect(ends('a,b\nc,d', 2)).to.deep.equal([4]); // no line end yet
    expect(ends('"a""b",""\n"""",x\n', 2)).to.deep.equal([10, 17]);
    expect(ends('a,b\nccc,d\ne,f\n', 2, 4)).to.deep.equal([4]); // longer than maxLength
    const long = `${'x,'.repeat(40)}y\n`;
    expect(ends(long.repeat(3), 41)).to.deep.equal([long.length, long.length * 2, long.length * 3]);
  });

  type Outcome = { texts: string[]; batches: unknown[]; rejected: unknown[]; error: string | undefined };

  async function cut(chunks: readonly Buffer[], options: Partial<CsvCutterOptions>, dir: string): Promise<Outcome> {
    const seen: Outcome = { texts: [], batches: [], rejected: [], error: undefined };
    const paths: Array<string | null> = [];
    const events: CutEvents = {
      columns: () => undefined,
      rejected: (e) => seen.rejected.push(e),
      batch: (b) => {
        paths.push(b.path);
        seen.batches.push({ seq: b.seq, records: b.records, rejected: b.rejected, bytes: b.bytes, rows: b.rows, end: b.end });
      },
    };
    const cutter = new CsvCutter({ spool: new LoadSpool({ dir }), source: 'in.csv', ...options }, events);
    const step = (run: (done: (err?: Error | null) => void) => void) => new Promise<void>((resolve, reject) => run((err) => (err ? reject(err) : resolve())));
    try {
      for (const chunk of chunks) await step((done) => cutter.write(chunk, done));
      await step((done) => cutter.end(done));
    } catch (err) {
      seen.error = (err as Error).message;
    }
    seen.texts = await Promise.all(paths.map((p) => (p === null ? '' : readFile(p, 'latin1'))));
    return seen;
  }

  /** The input cut with the kernel (by default a small window, so that windows cut records) and by the JS scan alone: the same batches, rejects and errors. */
  async function same(chunks: readonly Buffer[], options: Partial<CsvCutterOptions>, label: string, window = 64): Promise<void> {
    CsvKernel.create = () => create.call(CsvKernel, window);
    const fast = await cut(chunks, options, `${tmp.path}/fast`);
    CsvKernel.create = () => undefined;
    const js = await cut(chunks, options, `${tmp.path}/js`);
    expect(fast, label).to.deep.equal(js);
  }

  it('cuts random CSV (quotes, line ends, UTF-8, bad records, limits) as the JS scan does, in any chunks', async function () {
    this.timeout(120_000);
    let kernelRecords = 0;
    const count = CsvKernel.prototype.plainRecords;
    CsvKernel.prototype.plainRecords = function (this: CsvKernel, ...args: Parameters<CsvKernel['plainRecords']>) {
      const n = count.apply(this, args);
      kernelRecords += n;
      return n;
    };
    try {
      for (let seed = 1; seed <= 60; seed++) {
        const next = random(seed);
        const input = randomCsv(next, 20 + Math.floor(next() * 200));
        const options: Partial<CsvCutterOptions> = {
          maxRecords: 1 + Math.floor(next() * 40),
          ...(next() < 0.3 ? { maxBytes: 200 + Math.floor(next() * 2000) } : {}),
          ...(next() < 0.2 ? { replaceInvalidUtf8: true } : {}),
          ...(next() < 0.2 ? { cuts: [3, 7, 20, 21, 50, 51, 52, 120] } : {}),
        };
        await same([input], options, `seed ${seed}, whole`, 1 << 20);
        await same([input], options, `seed ${seed}, whole, small windows`);
        await same(chunked(next, input, 300), options, `seed ${seed}, chunks`);
        await same(chunked(next, input, 7), options, `seed ${seed}, small chunks`);
      }
    } finally {
      CsvKernel.prototype.plainRecords = count;
    }
    expect(kernelRecords, 'records the kernel took').to.be.greaterThan(1000);
  });

  it('fills a batch to its byte limit and record limit exactly, as the JS scan does', async () => {
    const input = Buffer.from(`h\n${'xy\n'.repeat(40)}`);
    for (const maxBytes of [5, 11, 12, 13, 30]) {
      for (const maxRecords of [1, 3, 4, 40]) await same([input], { maxBytes, maxRecords }, `maxBytes ${maxBytes}, maxRecords ${maxRecords}`, 1 << 20);
    }
    CsvKernel.create = () => create.call(CsvKernel);
    const whole = await cut([input], { maxBytes: 11 }, `${tmp.path}/exact`);
    expect(whole.texts[0]).to.equal(`h\n${'xy\n'.repeat(3)}`);
  });

  it('cuts a record at every offset between two chunks as the JS scan does', async function () {
    this.timeout(120_000);
    const input = Buffer.from(`Name,Note\na,1\n"b,""x""",2\r\nc"d,3\ne,"f\ng"\n\n"h",4\nlong,${'z'.repeat(70)}\ni,5\r\nj,6`);
    for (let at = 1; at < input.length; at++) await same([input.subarray(0, at), input.subarray(at)], { maxRecords: 3 }, `split at ${at}`);
  });
});
