/** The body of a 2.0 upload: the payloads joined under one header, every record end outside quotes sent as LF. */
import { expect } from 'chai';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LfRecordEnds, ingestUploadStream, uploadDigest } from '../../../lib/load/ingest-upload-body.js';
import { useTempDir } from '../../helpers/temp-dir.js';

async function text(stream: AsyncIterable<Buffer>): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += chunk.toString();
  return out;
}

describe('lib/load/ingest-upload-body', () => {
  const tmp = useTempDir('bulkpipe-upload-body-');

  it("joins the payloads under the first one's header, record ends as LF, quoted line breaks kept, a literal quote in an unquoted field no quote", async () => {
    const a = join(tmp.path, 'a.csv');
    const b = join(tmp.path, 'b.csv');
    await writeFile(a, 'Name,Description\r\nO"Brien,plain\r\n"two\r\nlines","say ""hi"""\r\n');
    await writeFile(b, 'Name,Description\r\nlone,cr\rlast,"no line end"');
    const body = await text(ingestUploadStream([a, b])());
    expect(body).to.equal('Name,Description\nO"Brien,plain\n"two\r\nlines","say ""hi"""\nlone,cr\nlast,"no line end"');
    // A replayable body: each call reads the files again.
    expect(await text(ingestUploadStream([a, b])())).to.equal(body);
  });

  it('converts across chunk edges: a CRLF cut between two chunks, a quote state carried over', () => {
    const ends = new LfRecordEnds();
    const parts = ['a,"x\r', '\ny",b\r', '\nc,d\r', '\r\n'].map((p) => ends.convert(Buffer.from(p)).toString());
    expect(parts.join('')).to.equal('a,"x\r\ny",b\nc,d\n\n');
  });

  it("uploadDigest: a hash over the segments' hashes, in order", () => {
    expect(uploadDigest(['a', 'b'])).to.match(/^[0-9a-f]{64}$/);
    expect(uploadDigest(['a', 'b'])).to.not.equal(uploadDigest(['b', 'a']));
  });
});
