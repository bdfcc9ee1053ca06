import { expect } from 'chai';
import { mkdir, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { InputRecord } from '../../lib/load-types.js';
import { AttachmentResolver } from '../../transforms/attachment-resolver.js';
import { rejection } from '../helpers/fixtures.js';
import { collector } from '../helpers/streams.js';
import { useTempDir } from '../helpers/temp-dir.js';

describe('transforms/attachment-resolver', () => {
  const tmp = useTempDir('bulkpipe-resolver-');

  async function resolveAll(records: InputRecord[], binary = ['Body']): Promise<InputRecord[]> {
    const sink = collector<InputRecord>();
    await pipeline(Readable.from(records), new AttachmentResolver({ dir: tmp.path, object: 'Attachment', source: 'm.csv', binaryFields: async () => binary }), sink);
    return sink.items;
  }

  it('gives each binary value its file (matched regardless of case), named #entry, and leaves the other fields and empty values alone', async () => {
    await mkdir(join(tmp.path, 'a'), { recursive: true });
    await writeFile(join(tmp.path, 'a', 'one.txt'), 'one');
    const [first, second, third] = await resolveAll([
      { row: 1, line: 2, fields: { Name: 'a/one.txt', body: 'a/one.txt' } },
      { row: 2, line: 3, fields: { Name: 'x', body: '' } },
      { row: 3, line: 4, fields: { Name: 'y', body: null } },
    ]);
    expect(first?.fields).to.deep.equal({ Name: 'a/one.txt', body: '#a/one.txt' });
    expect(first?.attachments).to.deep.equal([{ entry: 'a/one.txt', path: join(tmp.path, 'a', 'one.txt'), size: 3 }]);
    expect(second?.attachments).to.equal(undefined);
    expect(third?.fields).to.deep.equal({ Name: 'y', body: null });
  });

  it('rejects a record whose file is missing or too large with its source, line, record and field; passes rejected records on', async () => {
    await writeFile(join(tmp.path, 'huge.bin'), '');
    await truncate(join(tmp.path, 'huge.bin'), 10_000_000);
    const out = await resolveAll([
      { row: 1, line: 2, fields: { Body: '#nope.bin' } },
      { row: 2, line: 3, fields: { Body: 'huge.bin' } },
      { row: 3, line: 4, fields: {}, error: 'BULKPIPE_MALFORMED_RECORD:bad:--' },
    ]);
    expect(out[0]?.error).to.match(/^BULKPIPE_ATTACHMENT:the value "#nope\.bin" names .*nope\.bin, which does not exist \(m\.csv, line 2, record 1, field Body\):Body --$/);
    expect(out[1]?.error).to.contain('of 10000000 bytes: more than a zip batch can hold');
    expect(out[2]?.error).to.equal('BULKPIPE_MALFORMED_RECORD:bad:--');
  });

  it('refuses an object without a binary field, and columns without one, before any record goes on', async () => {
    expect((await rejection(resolveAll([{ row: 1, fields: { Name: 'x' } }], []))).message).to.contain('Attachment has none');
    expect((await rejection(resolveAll([{ row: 1, fields: { Name: 'x' } }]))).message).to.contain('binary field of Attachment (Body)');
  });
});
