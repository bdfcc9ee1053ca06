import { expect } from 'chai';
import { StringDecoder } from 'node:string_decoder';
import { Utf8ChunkDecoder, completeUtf8End } from '../../../lib/text/utf8-chunk-decoder.js';

describe('lib/text/utf8-chunk-decoder', () => {
  const text = 'ascii Zoë 日本 🎉 end';
  const bytes = Buffer.from(text);

  it('decodes the same text for every split point, one and two cuts', () => {
    for (let a = 0; a <= bytes.length; a++) {
      for (let b = a; b <= bytes.length; b++) {
        const d = new Utf8ChunkDecoder();
        const out = d.write(bytes.subarray(0, a)) + d.write(bytes.subarray(a, b)) + d.write(bytes.subarray(b)) + d.end();
        expect(out, `cuts ${a}, ${b}`).to.equal(text);
      }
    }
  });

  it('gives what StringDecoder gives for invalid or truncated input', () => {
    for (const bad of [Buffer.from([0x41, 0xe6, 0x97]), Buffer.from([0x80, 0x80, 0x41]), Buffer.from([0xff, 0x41])]) {
      const d = new Utf8ChunkDecoder();
      const s = new StringDecoder('utf8');
      expect(d.write(bad) + d.end()).to.equal(s.write(bad) + s.end());
    }
  });

  it('finds the last character boundary', () => {
    expect(completeUtf8End(Buffer.from('ab'))).to.equal(2);
    expect(completeUtf8End(Buffer.from('a日').subarray(0, 3))).to.equal(1);
    expect(completeUtf8End(Buffer.from('a🎉').subarray(0, 4))).to.equal(1);
    expect(completeUtf8End(Buffer.from('a🎉'))).to.equal(5);
    expect(completeUtf8End(Buffer.alloc(0))).to.equal(0);
  });
});
