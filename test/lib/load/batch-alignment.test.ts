import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { BatchAlignment } from '../../../lib/load/batch-alignment.js';
import { csvRequestShape, eachCsvRecordDigest, recordDigest } from '../../../lib/load/csv-payload-records.js';
import { fromChunks, splitAt } from '../../helpers/streams.js';

describe('lib/load/batch-alignment', () => {
  it("tells how many records a segment that begins with a batch's first record holds; two batches of different sizes that begin alike tell nothing", () => {
    const align = new BatchAlignment();
    expect(align.empty).to.equal(true);
    align.add('a', 3);
    align.add('a', 3);
    align.add('b', 2);
    align.add('b', 6);
    expect(align.empty).to.equal(false);
    expect(align.recordsFrom('a')).to.equal(3);
    expect(align.recordsFrom('b')).to.equal(undefined);
    expect(align.recordsFrom('c')).to.equal(undefined);
  });

  it("reads a CSV request's records after its header, each as uploaded (quoted line ends inside it, its own line end kept), whatever the chunks", async () => {
    const request = Buffer.from('"Na\nme",Note\r\n"a","x\r\ny"\r\nb,1\nc,2');
    const records = ['"a","x\r\ny"\r\n', 'b,1\n', 'c,2'].map((r) => recordDigest(Buffer.from(r)));
    for (let cut = 1; cut < request.length; cut++) {
      const whole = createHash('sha256');
      expect(await csvRequestShape(fromChunks(splitAt(request, [cut])), whole), `cut ${cut}`).to.deep.equal({ firstRecord: records[0], records: 3 });
      expect(whole.digest('hex')).to.equal(createHash('sha256').update(request).digest('hex'));
      const seen: string[] = [];
      await eachCsvRecordDigest(fromChunks(splitAt(request, [cut])), (sha256) => {
        seen.push(sha256);
        return undefined;
      });
      expect(seen, `cut ${cut}`).to.deep.equal(records);
    }
    expect(await csvRequestShape(fromChunks([Buffer.from('Name\n')]), createHash('sha256'))).to.deep.equal({ firstRecord: undefined, records: 0 });
  });
});
