import { expect } from 'chai';
import { batchLimits } from '../../../lib/cut/batch-limits.js';
import { TextPayload } from '../../../lib/cut/text-payload.js';

describe('lib/cut/text-payload', () => {
  const payload = (maxBytes: number, maxCharacters = 1_000) => {
    const p = new TextPayload(batchLimits({ maxBytes, maxCharacters }));
    p.frame('[', ']');
    return p;
  };

  it('frames the records it takes, encoded, and hands the buffer over', () => {
    const p = payload(100);
    p.begin();
    p.append('"Zoë"');
    p.append(',"日本"');
    const { body, bytes } = p.take();
    expect(body.toString('utf8', 0, bytes)).to.equal('["Zoë","日本"]');
    expect(bytes).to.equal(Buffer.byteLength('["Zoë","日本"]'));
  });

  it('counts bytes exactly near the limit, characters always, with room for the tail', () => {
    const p = payload(10, 8);
    p.begin(); // '[': 1 byte
    expect(p.fits('日本')).to.equal(true); // 6 bytes, + 1 + 1 of tail = 8
    p.append('日本');
    expect(p.fits('ab')).to.equal(true); // 10 bytes with the tail
    expect(p.fits('abc')).to.equal(false); // 11 bytes
    const q = payload(100, 6);
    q.begin();
    expect(q.fits('abcd')).to.equal(true); // 1 + 4 + 1 characters
    expect(q.fits('abcde')).to.equal(false);
  });

  it('names the limit a record breaks even alone', () => {
    const p = payload(10, 8);
    expect(p.limitAlone('abcdef')).to.equal(undefined);
    expect(p.limitAlone('abcdefg')).to.equal('8 characters');
    expect(p.limitAlone('日本語')).to.equal('10 bytes'); // 9 bytes and the frame's 2
    expect([p.headLength, p.tailLength, p.frameLength]).to.deep.equal([1, 1, 2]);
  });

  it('fills the spare buffer once the one handed over is given back: two buffers at most', () => {
    const p = payload(16);
    p.begin();
    p.append('a');
    const first = p.take();
    p.swap();
    p.begin(); // no spare yet: a second buffer
    p.append('b');
    const second = p.take();
    expect(second.body).to.not.equal(first.body);
    p.recycle(first.body); // the first one is written
    p.swap();
    p.begin();
    p.append('c');
    const third = p.take();
    expect(third.body).to.equal(first.body);
    expect(third.body.toString('utf8', 0, third.bytes)).to.equal('[c]');
  });
});
