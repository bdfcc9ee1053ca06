import { expect } from 'chai';
import { PassThrough, Readable } from 'node:stream';
import { stoppableInput } from '../../transforms/stoppable-input.js';

describe('transforms/stoppable-input', () => {
  it('passes everything through when never stopped', async () => {
    const out: string[] = [];
    for await (const c of stoppableInput(Readable.from([Buffer.from('a'), Buffer.from('b')]), new AbortController().signal)) out.push(String(c));
    expect(out.join('')).to.equal('ab');
  });

  it('ends normally on stop, without waiting for a source that never ends, and destroys the source', async () => {
    const source = new PassThrough();
    const stop = new AbortController();
    const input = stoppableInput(source, stop.signal);
    source.write('first');
    const out: string[] = [];
    const done = (async () => {
      for await (const c of input) {
        out.push(String(c));
        stop.abort(); // the source stays open and silent: the stop must not wait for it
      }
    })();
    await done;
    expect(out).to.deep.equal(['first']);
    expect(source.destroyed).to.equal(true);
  });

  it('ends at once when already stopped', async () => {
    const stop = new AbortController();
    stop.abort();
    const out: unknown[] = [];
    for await (const c of stoppableInput(new PassThrough(), stop.signal)) out.push(c);
    expect(out).to.deep.equal([]);
  });
});
