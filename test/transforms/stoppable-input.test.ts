import { expect } from 'chai';
import { PassThrough, Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { stoppableInput } from '../../transforms/stoppable-input.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

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

  it('keeps no chunk alive once it is passed on, however long the stream runs (memory stays flat)', async () => {
    const source = new PassThrough();
    const stop = new AbortController();
    const seen: Array<WeakRef<Buffer>> = [];
    const input = stoppableInput(source, stop.signal);
    const reader = input[Symbol.asyncIterator]();
    for (let i = 0; i < 20; i++) {
      source.write(Buffer.alloc(64 * 1024, i));
      const { value } = await reader.next();
      seen.push(new WeakRef(value as Buffer));
    }
    // The stream is still running (no stop, no end): the chunks passed on must be collectable.
    await nextTurn();
    gc();
    await nextTurn();
    const alive = seen.slice(0, 15).filter((ref) => ref.deref() !== undefined).length;
    expect(alive).to.equal(0);
    stop.abort();
    await reader.return?.();
  });
});
