import { expect } from 'chai';
import { Writable } from 'node:stream';
import { ProgressLine, compact, count, duration, fitLine, plural } from '../../bin/progress-line.js';

function terminal(): Writable & { text: string; columns: number } {
  const stream = new Writable({
    write(chunk: Buffer, _e, cb) {
      stream.text += chunk.toString();
      cb();
    },
  }) as Writable & { text: string; columns: number };
  stream.text = '';
  stream.columns = 40;
  return stream;
}

describe('bin/progress-line', () => {
  it('redraws one line in place, at most every 250 ms unless forced, fitted to the terminal width, and wipes it', () => {
    const out = terminal();
    const line = new ProgressLine(out, true);
    line.update(() => ['first']);
    line.update(() => ['too soon']);
    line.update(() => ['42% done (420 of 1,000)', 'ETA 5s', 'reading 50% (500)'], true);
    // 39 columns: the third field does not fit and is left out whole.
    expect(out.text).to.equal('\r\x1b[2Kfirst\r\x1b[2K42% done (420 of 1,000) | ETA 5s');
    line.clear();
    expect(out.text.endsWith('\r\x1b[2K')).to.equal(true);
  });

  it('fits fields to a width: whole fields dropped from the end, never a word cut, a first field alone cut at a space', () => {
    expect(fitLine(['a b', 'cd', 'ef'], 8)).to.equal('a b | cd');
    expect(fitLine(['a b', 'cd', 'ef'], 7)).to.equal('a b');
    expect(fitLine(['12% done (1 of 9 records)', 'ETA 1s'], 15)).to.equal('12% done (1 of');
    expect(fitLine(['unbreakable'], 5)).to.equal('unbre');
    expect(fitLine([], 10)).to.equal('');
  });

  it('draws nothing when disabled (not a terminal, or --quiet)', () => {
    const out = terminal();
    const line = new ProgressLine(out, false);
    line.update(() => ['hidden'], true);
    line.clear();
    expect(out.text).to.equal('');
  });

  it('formats counts, rates, durations and plurals', () => {
    expect(count(1234567.4)).to.equal('1,234,567');
    expect([950, 9_460, 9_960, 229_600, 999_400, 999_600, 1_240_000, 12_400_000].map(compact)).to.deep.equal(['950', '9.5k', '10k', '230k', '999k', '1.0M', '1.2M', '12M']);
    expect([duration(42), duration(185), duration(7620)]).to.deep.equal(['42s', '3m05s', '2h07m']);
    expect([plural(1, 'batch', 'batches'), plural(3, 'batch', 'batches'), plural(2, 'row')]).to.deep.equal(['1 batch', '3 batches', '2 rows']);
  });
});
