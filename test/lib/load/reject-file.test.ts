import { expect } from 'chai';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readRejects, RejectWriter } from '../../../lib/load/reject-file.js';
import { collect } from '../../helpers/fixtures.js';
import { useTempDir } from '../../helpers/temp-dir.js';

describe('lib/load/reject-file', () => {
  const tmp = useTempDir('bulkpipe-rejects-');

  it('keeps entries in order with lines, fields, nulls, line breaks and non-ASCII text', async () => {
    const path = join(tmp.path, 'r.ndjson');
    const writer = new RejectWriter(path);
    const entries = [
      { row: 2, error: 'STRING_TOO_LONG:x:Name --', line: '"a\nb",Zoë' },
      { row: 7, error: 'BULKPIPE_UNKNOWN_FIELD:y:Extra --', fields: { Name: 'n', Extra: null } },
    ];
    for (const e of entries) expect(writer.add(e)).to.equal(undefined); // buffered
    await writer.flush();
    expect(writer.count).to.equal(2);
    expect(await collect(readRejects(path))).to.deep.equal(entries);
  });

  it('writes out every 64 KiB, so that any number of rejected records costs no memory', async () => {
    const path = join(tmp.path, 'big.ndjson');
    const writer = new RejectWriter(path);
    let written = 0;
    for (let row = 1; row <= 2000; row++) {
      const flushing = writer.add({ row, error: 'E:x:--', line: 'y'.repeat(100) });
      if (flushing) {
        written++;
        await flushing;
      }
    }
    await writer.flush();
    expect(written).to.be.at.least(2);
    expect((await stat(path)).size).to.be.above(200_000);
    expect((await collect(readRejects(path))).map((e) => e.row)).to.deep.equal(Array.from({ length: 2000 }, (_, i) => i + 1));
  });

  it('a write the disk refuses is BULK_SPOOL (the run fails and resumes), never an input fault that would end the reading for good', async function () {
    // /dev/full answers every write with ENOSPC, as a full disk does.
    if (!(await stat('/dev/full').catch(() => undefined))) this.skip();
    const writer = new RejectWriter('/dev/full');
    writer.add({ row: 1, error: 'E:x:--', line: 'y' });
    const err = await writer.flush().then(
      () => undefined,
      (e: unknown) => e as { code?: string; message: string },
    );
    expect(err?.code).to.equal('BULK_SPOOL');
    expect(err?.message).to.match(/full \(ENOSPC\)/);
  });
});
