import { createReadStream } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { readCsvResults } from '../../../lib/join/csv-results.js';
import type { ResultBlock } from '../../../lib/join/result-block.js';
import { type JobSegmentPayload, orderResults, type OrderResultsOptions, type UnorderedResultFiles } from '../../../lib/join/unordered-results.js';
import { collect } from '../../helpers/fixtures.js';
import { ingestCalls } from '../../helpers/ingest-v2-calls.js';
import { useTestOrg } from '../../helpers/local-org.js';
import { useTempDir } from '../../helpers/temp-dir.js';

interface Out {
  id: string | null;
  success: boolean;
  created: boolean;
  error: string;
}

/** What the org answered for one uploaded row; `echo` replaces the values it echoes (a re-serialized value). */
type Answer =
  | { kind: 'success'; id: string; created: boolean; echo?: string[] }
  | { kind: 'failed'; id: string; error: string; echo?: string[] }
  | { kind: 'unprocessed'; echo?: string[] };

const NOT_PROCESSED = 'BULKPIPE_NOT_PROCESSED:the job ended before the org processed this record:--';

/** Quoted only when needed, as an input file would be. */
const plain = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
/** Every value quoted, as the org writes results. */
const quoted = (v: string) => `"${v.replaceAll('"', '""')}"`;

/** A seeded shuffle (mulberry32), so that a failure repeats. */
function shuffle<T>(items: T[], seed: number): T[] {
  let s = seed >>> 0;
  const random = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

const readOut = async (path: string): Promise<Out[]> =>
  (await collect(readCsvResults(createReadStream(path)))).flatMap((b: ResultBlock) =>
    Array.from({ length: b.count }, (_, i) => ({ id: b.id(i), success: b.success[i] === 1, created: b.created[i] === 1, error: b.errors[i] ?? '' })),
  );

describe('lib/join/unordered-results', () => {
  const tmp = useTempDir('bulkpipe-unordered-');

  /** Writes the segments' payloads and the org's three files (rows shuffled across them by `seed`), then runs the join. */
  async function run(
    header: string[],
    segments: string[][][],
    answers: Answer[],
    opts: {
      eol?: string /** -1: each file in reverse */;
      seed?: number;
      extra?: { file: 'successful' | 'failed' | 'unprocessed'; line: string }[];
      failedId?: boolean;
      tweak?: Partial<OrderResultsOptions>;
    } = {},
  ) {
    const eol = opts.eol ?? '\n';
    const payloads: JobSegmentPayload[] = [];
    for (const [k, rows] of segments.entries()) {
      const path = join(tmp.path, `payload-${k}.csv`);
      await writeFile(path, [header, ...rows].map((r) => r.map(plain).join(',') + eol).join(''));
      payloads.push({ seq: 10 + k, path, records: rows.length });
    }
    const all = segments.flat();
    const lines = { successful: [] as string[], failed: [] as string[], unprocessed: [] as string[] };
    answers.forEach((a, i) => {
      const values = (a.echo ?? (all[i] as string[])).map(quoted);
      if (a.kind === 'success') lines.successful.push([quoted(a.id), quoted(String(a.created)), ...values].join(','));
      else if (a.kind === 'failed') lines.failed.push([...(opts.failedId === false ? [] : [quoted(a.id)]), quoted(a.error), ...values].join(','));
      else lines.unprocessed.push(values.join(','));
    });
    for (const e of opts.extra ?? []) lines[e.file].push(e.line);
    const heads = {
      successful: ['"sf__Id"', '"sf__Created"', ...header].join(','),
      failed: [...(opts.failedId === false ? [] : ['"sf__Id"']), '"sf__Error"', ...header].join(','),
      unprocessed: header.join(','),
    };
    const results: UnorderedResultFiles = { successful: join(tmp.path, 'ok.csv'), failed: join(tmp.path, 'failed.csv'), unprocessed: join(tmp.path, 'unprocessed.csv') };
    for (const file of ['successful', 'failed', 'unprocessed'] as const) {
      await writeFile(results[file], [heads[file], ...(opts.seed === -1 ? lines[file].reverse() : shuffle(lines[file], opts.seed ?? 7))].map((l) => `${l}\n`).join(''));
    }
    const outDir = join(tmp.path, 'out');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(outDir, { recursive: true });
    const spill = join(tmp.path, 'spill');
    await mkdir(spill, { recursive: true });
    const outcome = await orderResults({
      jobId: '750000000000001AAA',
      segments: payloads,
      results,
      outputPath: (seq) => join(outDir, `${seq}.csv`),
      notProcessed: NOT_PROCESSED,
      tmpDir: spill,
      ...opts.tweak,
    });
    const outputs = outcome.ok ? await Promise.all(payloads.map((p) => readOut(join(outDir, `${p.seq}.csv`)))) : [];
    expect(await readdir(spill), 'spill files removed').to.deep.equal([]);
    return { outcome, outputs, outDir, payloads };
  }

  /** What the output row of an answer is. */
  const expected = (a: Answer): Out =>
    a.kind === 'success'
      ? { id: a.id, success: true, created: a.created, error: '' }
      : a.kind === 'failed'
        ? { id: a.id === '' ? null : a.id, success: false, created: false, error: a.error }
        : { id: null, success: false, created: false, error: NOT_PROCESSED };

  const id = (i: number) => `001${String(i).padStart(12, '0')}AAA`;

  it('gives each row of each segment its result, in payload order, from results shuffled across files and segments', async () => {
    const header = ['Name', 'Phone', 'Amount'];
    const segments = [0, 1, 2].map((s) => Array.from({ length: 20 }, (_, i) => [`row ${s}-${i}`, `555-${i}`, String(s * 100 + i)]));
    const answers: Answer[] = segments
      .flat()
      .map((_, i) =>
        i % 5 === 1
          ? { kind: 'failed', id: '', error: `REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --` }
          : i % 7 === 3
            ? { kind: 'unprocessed' }
            : { kind: 'success', id: id(i), created: i % 2 === 0 },
      );
    const { outcome, outputs } = await run(header, segments, answers);
    expect(outcome).to.deep.equal({ ok: true });
    expect(outputs.flat()).to.deep.equal(answers.map(expected));
    expect(outputs.map((o) => o.length)).to.deep.equal([20, 20, 20]);
  });

  it('lets identical rows of one job take each other results, each row exactly one', async () => {
    const header = ['Name', 'City'];
    const segments = [
      [
        ['Acme', 'Paris'],
        ['Same', 'Oslo'],
        ['Same', 'Oslo'],
      ],
      [
        ['Same', 'Oslo'],
        ['Other', 'Rome'],
      ],
    ];
    const answers: Answer[] = segments.flat().map((_, i) => ({ kind: 'success', id: id(i), created: true }));
    for (const partitionRows of [undefined, 1]) {
      const { outcome, outputs } = await run(header, segments, answers, { seed: 3, tweak: partitionRows ? { partitionRows } : {} });
      expect(outcome.ok).to.equal(true);
      const flat = outputs.flat();
      expect(flat[0]?.id).to.equal(id(0));
      expect(flat[4]?.id).to.equal(id(4));
      expect([flat[1]?.id, flat[2]?.id, flat[3]?.id].sort()).to.deep.equal([id(1), id(2), id(3)]);
    }
    // One more identical result than identical rows: it has no row.
    const { outcome } = await run(header, segments, answers, { extra: [{ file: 'failed', line: '"","X:y:--","Same","Oslo"' }], tweak: { partitionRows: 2 } });
    expect(outcome).to.deep.equal({ ok: false, reason: '1 result matches no uploaded row (5 rows uploaded, 6 results)' });
  });

  it('says a result that matches no row and the row left without one, and writes nothing', async () => {
    const header = ['Name'];
    const segments = [[['a'], ['b'], ['c']]];
    const answers: Answer[] = [
      { kind: 'success', id: id(0), created: true },
      { kind: 'success', id: id(1), created: true, echo: ['not b'] },
      { kind: 'success', id: id(2), created: true },
    ];
    const { outcome, outDir } = await run(header, segments, answers);
    expect(outcome).to.deep.equal({ ok: false, reason: '1 result matches no uploaded row; 1 row has no result (3 rows uploaded, 3 results)' });
    expect(await readdir(outDir)).to.deep.equal([]);
  });

  it('says a missing result', async () => {
    const segments = [[['a'], ['b']], [['c']]];
    const { outcome } = await run(['Name'], segments, [
      { kind: 'success', id: id(0), created: true },
      { kind: 'success', id: id(1), created: true },
    ]);
    expect(outcome).to.deep.equal({ ok: false, reason: '1 row has no result (3 rows uploaded, 2 results)' });
  });

  it('says an extra result, also one that repeats a row', async () => {
    const segments = [[['a'], ['b']]];
    const answers: Answer[] = [
      { kind: 'success', id: id(0), created: true },
      { kind: 'success', id: id(1), created: true },
    ];
    const { outcome } = await run(['Name'], segments, answers, {
      extra: [
        { file: 'failed', line: '"","X:y:--","b"' },
        { file: 'unprocessed', line: '"zzz"' },
      ],
    });
    expect(outcome).to.deep.equal({ ok: false, reason: '2 results match no uploaded row (2 rows uploaded, 4 results)' });
  });

  it('matches quoted values with commas, quotes and line breaks, in LF and CRLF payloads', async () => {
    const header = ['Name', 'Description', 'Empty'];
    const rows = [
      ['Doe, John', 'said "hi"\nthen left', ''],
      ['"quoted"', 'a\r\nb', ''],
      ['O"Brien', ',', ''],
      ['', '""', 'x'],
      ['Zoë 😀', 'ünïcode', ' spaced '],
    ];
    for (const eol of ['\n', '\r\n']) {
      const answers: Answer[] = rows.map((_, i) =>
        i === 2 ? { kind: 'failed', id: id(i), error: 'FIELD_CUSTOM_VALIDATION_EXCEPTION:say "no", please:Name --' } : { kind: 'success', id: id(i), created: false },
      );
      const { outcome, outputs } = await run(header, [rows.slice(0, 2), rows.slice(2)], answers, { eol, seed: eol.length });
      expect(outcome, eol).to.deep.equal({ ok: true });
      expect(outputs.flat(), eol).to.deep.equal(answers.map(expected));
    }
  });

  it('matches values the org re-serialized, once the exact matches are taken', async () => {
    const header = ['Name', 'AnnualRevenue', 'Active__c', 'Fax', 'Since__c', 'OwnerId'];
    const rows = [
      ['Big', '912260031', 'TRUE', '#N/A', '2024-01-05 10:00:00', '005000000000001'],
      ['Bigger', '1000', 'true', '', '2024-01-05T10:00:00Z', '005000000000001'],
      ['Bigger', '1e3', 'true', '', '2024-01-05T10:00:00Z', '005000000000001'],
    ];
    const answers: Answer[] = [
      { kind: 'success', id: id(0), created: true, echo: ['Big', '9.12260031E8', 'true', '', '2024-01-05T10:00:00.000Z', '005000000000001AAA'] },
      { kind: 'success', id: id(1), created: true },
      // The third row's result comes first (seed -1: files in reverse), re-serialized as the second row's value could be
      // too: matched on normalized values at once, it would take the second row, whose exact result then finds none.
      { kind: 'success', id: id(2), created: false, echo: ['Bigger', '1000.0', 'true', '', '2024-01-05T10:00:00.000Z', '005000000000001AAA'] },
    ];
    // A segment before them whose rows all match exactly: the normalized pass skips its payload, and the rows after keep their numbers.
    const first = [['Small', '5', 'false', '', '', '']];
    for (const partitionRows of [undefined, 1]) {
      const { outcome, outputs } = await run(header, [first, rows], [{ kind: 'success', id: id(9), created: true }, ...answers], {
        seed: -1,
        tweak: partitionRows ? { partitionRows } : {},
      });
      expect(outcome).to.deep.equal({ ok: true });
      expect(outputs[1]).to.deep.equal(answers.map(expected));
      expect(outputs[0]).to.deep.equal([expected({ kind: 'success', id: id(9), created: true })]);
    }
  });

  it("never lets rows that differ only in text that reads as a number (a leading zero, a code of 20 digits) take each other's results", async () => {
    const header = ['Code__c', 'AnnualRevenue'];
    const rows = [
      ['007', '912260031'],
      ['7', '912260031'],
      ['12345678901234567890', '912260031'],
      ['12345678901234567891', '912260031'],
    ];
    const answers: Answer[] = rows.map((r, i) => ({ kind: 'success', id: id(i), created: true, echo: [r[0] as string, '9.12260031E8'] }));
    for (const seed of [-1, 1, 2, 3, 4, 5, 6, 7]) {
      const { outcome, outputs } = await run(header, [rows], answers, { seed });
      expect(outcome).to.deep.equal({ ok: true });
      expect(outputs[0]).to.deep.equal(answers.map(expected));
    }
  });

  it('gives unprocessed rows the notProcessed error, and reads failed results without sf__Id (API before 53)', async () => {
    const segments = [[['a'], ['b'], ['c']]];
    const answers: Answer[] = [{ kind: 'unprocessed' }, { kind: 'failed', id: '', error: 'X:y:--' }, { kind: 'unprocessed' }];
    const { outcome, outputs } = await run(['Name'], segments, answers, { failedId: false });
    expect(outcome.ok).to.equal(true);
    expect(outputs.flat()).to.deep.equal(answers.map(expected));
  });

  it('takes empty result files (header only, or no bytes at all) and empty segments', async () => {
    const segments = [[], [['a']], []];
    const { outcome, outputs, payloads } = await run(['Name'], segments, [{ kind: 'success', id: id(0), created: true }]);
    expect(outcome.ok).to.equal(true);
    expect(outputs).to.deep.equal([[], [expected({ kind: 'success', id: id(0), created: true })], []]);
    // A job that reached the org with no rows: every file empty, every output a header.
    await writeFile(join(tmp.path, 'none.csv'), '');
    const outcome2 = await orderResults({
      jobId: 'j',
      segments: [{ seq: 1, path: payloads[0]?.path as string, records: 0 }],
      results: { successful: join(tmp.path, 'none.csv'), failed: join(tmp.path, 'none.csv'), unprocessed: join(tmp.path, 'none.csv') },
      outputPath: () => join(tmp.path, 'empty-out.csv'),
      notProcessed: NOT_PROCESSED,
      tmpDir: tmp.path,
    });
    expect(outcome2.ok).to.equal(true);
    expect(await readOut(join(tmp.path, 'empty-out.csv'))).to.deep.equal([]);
  });

  it('joins a job of many segments whose rows cross read chunks', async () => {
    const header = ['Ext__c', 'Name', 'Notes'];
    const filler = 'x'.repeat(300);
    const segments = Array.from({ length: 40 }, (_, s) =>
      Array.from({ length: (s * 37) % 120 }, (_, i) => [`E-${s}-${i}`, i % 10 === 0 ? 'dup' : `n${i}`, `${filler}, "${s}"\n${i}`]),
    );
    // A payload longer than a read chunk (256 KiB), with a row longer than one too.
    segments.splice(
      20,
      0,
      Array.from({ length: 1500 }, (_, i) => [`BIG-${i}`, 'big', i === 700 ? `"${'y'.repeat(400_000)}"` : `${filler}${i}`]),
    );
    const total = segments.flat().length;
    const answers: Answer[] = Array.from({ length: total }, (_, i) =>
      i % 13 === 0 ? { kind: 'failed', id: id(i), error: `E${i}:m:--` } : { kind: 'success', id: id(i), created: i % 3 === 0 },
    );
    // In one partition, and in many (the hash join on disk; the duplicate rows share a partition).
    for (const partitionRows of [undefined, 100]) {
      const { outcome, outputs } = await run(header, segments, answers, { seed: 11, tweak: partitionRows ? { partitionRows } : {} });
      expect(outcome).to.deep.equal({ ok: true });
      expect(outputs.map((o) => o.length)).to.deep.equal(segments.map((s) => s.length));
      expect(outputs.flat()).to.deep.equal(answers.map(expected));
    }
  });

  it('throws typed errors for a malformed result file, a payload short of records, bad options and an abort', async () => {
    const segments = [[['a'], ['b']]];
    const answers: Answer[] = [
      { kind: 'success', id: id(0), created: true },
      { kind: 'success', id: id(1), created: true },
    ];
    const fails = async (p: Promise<unknown>) => {
      try {
        await p;
      } catch (err) {
        return err as { code: string };
      }
      throw new Error('expected a rejection');
    };
    const malformed = await fails(run(['Name'], segments, answers, { extra: [{ file: 'successful', line: '"x","true"' }] }));
    expect(malformed.code).to.equal('BULK_PARSE');
    const wrongColumns = await fails(
      run(['Name'], segments, answers, { extra: [], tweak: {} }).then(async () => {
        await writeFile(join(tmp.path, 'bad.csv'), '"sf__Id","sf__Created",Other\n"1","true","a"\n');
        return orderResults({ ...base(), results: { successful: join(tmp.path, 'bad.csv'), failed: join(tmp.path, 'bad.csv'), unprocessed: join(tmp.path, 'bad.csv') } });
      }),
    );
    expect(wrongColumns.code).to.equal('BULK_PARSE');
    const short = await fails(orderResults({ ...base(), segments: [{ seq: 10, path: join(tmp.path, 'payload-0.csv'), records: 3 }] }));
    expect(short.code).to.equal('BULK_JOIN_MISMATCH');
    expect((await fails(orderResults({ ...base(), segments: [{ seq: 1, path: 'p', records: -1 }] }))).code).to.equal('BULK_INVALID_OPTION');
    const aborted = await fails(orderResults({ ...base(), signal: AbortSignal.abort() }));
    expect(aborted.code).to.equal('BULK_ABORTED');
    expect((await readdir(tmp.path)).filter((f) => f.startsWith('bulkpipe-join2-'))).to.deep.equal([]);

    function base(): OrderResultsOptions {
      return {
        jobId: 'j',
        segments: [{ seq: 10, path: join(tmp.path, 'payload-0.csv'), records: 2 }],
        results: { successful: join(tmp.path, 'ok.csv'), failed: join(tmp.path, 'failed.csv'), unprocessed: join(tmp.path, 'unprocessed.csv') },
        outputPath: (seq) => join(tmp.path, `o${seq}.csv`),
        notProcessed: NOT_PROCESSED,
        tmpDir: tmp.path,
      };
    }
  });
});

describe('lib/join/unordered-results against the local org', () => {
  const t = useTestOrg();
  const tmp = useTempDir('bulkpipe-unordered-org-');
  const v2 = ingestCalls(() => t.org);

  it('joins the three files a real 2.0 job answers (two internal batches, served out of order) to its two segments', async () => {
    const header = 'Name,Description,NumberOfEmployees';
    const rows = Array.from({ length: 12_000 }, (_, i) =>
      i === 7 || i === 10_500 ? `,missing name ${i},1` : i === 20 || i === 21 ? 'Twin,"same, ""row""\nhere",5' : `Acct ${i},"d, ${i}",${i}`,
    );
    const job = await v2.load({ object: 'Account', operation: 'insert' }, `${header}\n${rows.join('\n')}\n`);
    expect(job.state).to.equal('JobComplete');
    const results = { successful: join(tmp.path, 's.csv'), failed: join(tmp.path, 'f.csv'), unprocessed: join(tmp.path, 'u.csv') };
    const kinds = { successful: 'successfulResults', failed: 'failedResults', unprocessed: 'unprocessedrecords' } as const;
    for (const file of ['successful', 'failed', 'unprocessed'] as const) await writeFile(results[file], (await v2.results(job.id as string, kinds[file])).body);
    const cut = 5_000;
    const segments = [rows.slice(0, cut), rows.slice(cut)].map((part, k) => ({ seq: k, path: join(tmp.path, `p${k}.csv`), records: part.length }));
    await writeFile(segments[0]?.path as string, `${header}\n${rows.slice(0, cut).join('\n')}\n`);
    await writeFile(segments[1]?.path as string, `${header}\r\n${rows.slice(cut).join('\r\n')}\r\n`);
    const outcome = await orderResults({
      jobId: job.id as string,
      segments,
      results,
      outputPath: (seq) => join(tmp.path, `out-${seq}.csv`),
      notProcessed: 'X:y:--',
      tmpDir: tmp.path,
    });
    expect(outcome).to.deep.equal({ ok: true });
    const out = [...(await readOut(join(tmp.path, 'out-0.csv'))), ...(await readOut(join(tmp.path, 'out-1.csv')))];
    expect(out).to.have.length(rows.length);
    // The org's own pairing of ids and names: each joined row must carry the id the org gave its values.
    const idsByName = new Map<string, string[]>();
    const successful = (await readFile(results.successful, 'utf8')).split('\n').slice(1).filter(Boolean);
    for (const line of successful) {
      const [id, , name] = line.split(',').map((v) => v.replaceAll('"', ''));
      idsByName.set(name as string, [...(idsByName.get(name as string) ?? []), id as string]);
    }
    out.forEach((o, i) => {
      if (i === 7 || i === 10_500) {
        expect(o.success, `row ${i}`).to.equal(false);
        expect(o.error).to.match(/^REQUIRED_FIELD_MISSING:/);
      } else {
        const name = i === 20 || i === 21 ? 'Twin' : `Acct ${i}`;
        expect(o.success, `row ${i}`).to.equal(true);
        expect(idsByName.get(name), `row ${i}`).to.include(o.id);
      }
    });
    expect(new Set(out.map((o) => o.id)).size).to.equal(rows.length - 1); // the two failed rows share the empty id
  });
});
