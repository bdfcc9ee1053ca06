import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { writeFile } from 'node:fs/promises';
import { LoadLedger, readLedger } from '../../lib/load/load-ledger.js';
import { LoadSpool } from '../../lib/load/load-spool.js';
import type { SpooledBatch } from '../../lib/load-types.js';
import { LedgerRecorder } from '../../transforms/ledger-recorder.js';
import { collector } from '../helpers/streams.js';
import { useTempDir } from '../helpers/temp-dir.js';

const batch = (seq: number, path: string | null, end?: { row: number; offset: number | null }): SpooledBatch => ({
  kind: 'batch',
  seq,
  path,
  contentType: 'CSV',
  records: path ? 2 : 0,
  rejected: path ? 0 : 1,
  bytes: 20,
  rows: path ? [[seq * 2 + 1, 2]] : [],
  columns: ['Name'],
  ...(end ? { end } : {}),
});

describe('transforms/ledger-recorder', () => {
  const tmp = useTempDir('bulkpipe-recorder-');

  async function record(batches: SpooledBatch[], readToEnd: boolean) {
    const ledger = new LoadLedger(join(tmp.path, 'run'));
    await ledger.start({
      runId: 'r',
      org: 'o',
      shape: { input: null, source: 'stdin', format: 'csv', contentType: 'CSV', object: 'Account', operation: 'insert', batchSize: 10_000, serial: false },
      inputFile: null,
    });
    const sink = collector<SpooledBatch>();
    const spool = new LoadSpool({ dir: ledger.spoolDir });
    for (const b of batches) {
      if (b.path) await writeFile(b.path, 'Name\nA\nB\n');
      if (b.rejected) await writeFile(await spool.path(b.seq, 'rejects'), '{}\n');
    }
    await pipeline(Readable.from(batches), new LedgerRecorder({ ledger, spool, header: () => 'Name\n', readToEnd: () => readToEnd }), sink);
    await ledger.close();
    return { passed: sink.items, state: await readLedger(ledger.dir) };
  }

  it('records each segment (file name, rows, where the input stands) before passing it on, and the end of the input', async () => {
    const { passed, state } = await record([batch(0, join(tmp.path, 'segment-000000.csv'), { row: 2, offset: 30 }), batch(1, join(tmp.path, 'segment-000001.csv'))], true);
    expect(passed.map((b) => b.seq)).to.deep.equal([0, 1]);
    expect(state.pending.map((s) => [s.seq, s.payload, s.end])).to.deep.equal([
      [0, 'segment-000000.csv', { row: 2, offset: 30 }],
      [1, 'segment-000001.csv', { row: 4, offset: null }],
    ]);
    expect(state).to.include({ inputHeader: 'Name\n', inputEnded: true, nextSeq: 2 });
    // Each file with the size and hash it was made whole with: what a resumed run checks it against.
    expect(state.pending[0]?.files).to.deep.equal([{ name: 'segment-000000.csv', bytes: 9, sha256: createHash('sha256').update('Name\nA\nB\n').digest('hex') }]);
  });

  it('does not say the input ended when the reading stopped early', async () => {
    const { state } = await record([batch(0, null, { row: 1, offset: null })], false);
    expect(state.pending[0]?.payload).to.equal(null);
    expect(state.pending[0]?.files).to.deep.equal([{ name: 'segment-000000.rejects.ndjson', bytes: 3, sha256: createHash('sha256').update('{}\n').digest('hex') }]);
    expect(state.inputEnded).to.equal(false);
  });
});
