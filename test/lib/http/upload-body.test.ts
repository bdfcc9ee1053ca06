import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { expect } from 'chai';
import { prepareBody } from '../../../lib/http/upload-body.js';
import { collect } from '../../helpers/fixtures.js';

const bytesOf = async (body: Uint8Array | Readable) => (body instanceof Readable ? Buffer.concat(await collect(body as AsyncIterable<Buffer>)) : Buffer.from(body));

describe('lib/http/upload-body', () => {
  describe('a replayable stream body ({ stream })', () => {
    const parts = ['Name\n', 'A\n', 'B\n'];
    const whole = Buffer.from(parts.join(''));

    it('is replayable: each send reads a new stream, gzip per send', async () => {
      let made = 0;
      const stream = () => {
        made++;
        return Readable.from(parts.map((p) => Buffer.from(p)));
      };
      const body = prepareBody({ stream }, true);
      expect(body.replayable).to.equal(true);
      expect(gunzipSync(await bytesOf(await body.open())).equals(whole)).to.equal(true);
      expect(gunzipSync(await bytesOf(await body.open())).equals(whole)).to.equal(true);
      expect(made).to.equal(2);
    });

    it('hashes a fresh stream: the digest of the bytes, as a Buffer body has', async () => {
      let made = 0;
      const stream = () => {
        made++;
        return Readable.from([whole]);
      };
      const body = prepareBody({ stream }, false);
      await bytesOf(await body.open());
      expect(await body.digest()).to.equal(createHash('sha256').update(whole).digest('hex'));
      expect(await body.digest()).to.equal(await prepareBody(whole, false).digest());
      expect(made).to.equal(3);
    });

    it('a Readable given as it is stays one-shot', async () => {
      const body = prepareBody(Readable.from([whole]), false);
      expect(body.replayable).to.equal(false);
      await bytesOf(await body.open());
      const err = await body.open().catch((e: unknown) => e);
      expect(err).to.include({ name: 'StreamBodyError' }).and.to.have.deep.property('context', { problem: 'sent-twice' });
    });
  });
});
