/**
 * lib/streams/stage-abort: a stage's one signal, listened on by each of its requests in flight,
 * takes as many listeners as the stage may have requests without Node's leak warning (which a
 * plain AbortController gives past 10: a load at --concurrency 25 printed it).
 */
import { expect } from 'chai';
import { stageAbort } from '../../../lib/streams/stage-abort.js';

/** The warnings Node emits while `listen` runs (emitted on the next tick). */
async function warningsWhile(listen: () => void): Promise<string[]> {
  const seen: string[] = [];
  const onWarning = (warning: Error) => seen.push(warning.name);
  process.on('warning', onWarning);
  try {
    listen();
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', onWarning);
  }
  return seen;
}

describe('lib/streams/stage-abort', () => {
  const listeners = (signal: AbortSignal, count: number) => {
    for (let i = 0; i < count; i++) signal.addEventListener('abort', () => undefined);
  };

  it('takes a listener per request in flight without the leak warning a plain controller gives', async () => {
    expect(await warningsWhile(() => listeners(new AbortController().signal, 26))).to.include('MaxListenersExceededWarning');
    expect(await warningsWhile(() => listeners(stageAbort(50).signal, 50))).to.deep.equal([]);
  });

  it('still warns past its bound (a real leak is told)', async () => {
    expect(await warningsWhile(() => listeners(stageAbort(2).signal, 20))).to.include('MaxListenersExceededWarning');
  });

  it('aborts as a plain controller does', () => {
    const controller = stageAbort(4);
    controller.abort(new Error('stop'));
    expect(controller.signal.aborted).to.equal(true);
    expect((controller.signal.reason as Error).message).to.equal('stop');
  });
});
