import { expect } from 'chai';
import { Writable } from 'node:stream';
import { ProgressLine, count, duration, plural } from '../../bin/progress-line.js';

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
  it('redraws one line in place, at most every 250 ms unless forced, cut to the terminal width, and wipes it', () => {
    const out = terminal();
    const line = new ProgressLine(out, true);
    line.update(() => 'first');
    line.update(() => 'too soon');
    line.update(() => `forced ${'x'.repeat(100)}`, true);
    expect(out.text).to.equal(`\r\x1b[2Kfirst\r\x1b[2Kforced ${'x'.repeat(32)}`);
    line.clear();
    expect(out.text.endsWith('\r\x1b[2K')).to.equal(true);
  });

  it('draws nothing when disabled (not a terminal, or --quiet)', () => {
    const out = terminal();
    const line = new ProgressLine(out, false);
    line.update(() => 'hidden', true);
    line.clear();
    expect(out.text).to.equal('');
  });

  it('formats counts, durations and plurals', () => {
    expect(count(1234567.4)).to.equal('1,234,567');
    expect([duration(42), duration(185), duration(7620)]).to.deep.equal(['42s', '3m05s', '2h07m']);
    expect([plural(1, 'batch', 'batches'), plural(3, 'batch', 'batches'), plural(2, 'row')]).to.deep.equal(['1 batch', '3 batches', '2 rows']);
  });
});
