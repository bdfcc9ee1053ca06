import { expect } from 'chai';
import { InputStop } from '../../../lib/streams/input-stop.js';

describe('lib/streams/input-stop', () => {
  it('without onError, fail passes the error to the callback and does not stop', () => {
    const stop = new InputStop(undefined);
    let got: Error | null | undefined;
    stop.fail(new Error('bad'), (err) => (got = err));
    expect(got?.message).to.equal('bad');
    expect(stop.stopped).to.equal(false);
    expect(stop.stopsOnError).to.equal(false);
  });

  it('with onError, fail reports the first error once, stops and calls back without error', () => {
    const reported: string[] = [];
    const stop = new InputStop((err) => reported.push(err.message));
    const results: unknown[] = [];
    stop.fail(new Error('first'), (err) => results.push(err));
    stop.fail(new Error('second'), (err) => results.push(err));
    stop.stop();
    expect(reported).to.deep.equal(['first']);
    expect(results).to.deep.equal([undefined, undefined]);
    expect(stop.stopped).to.equal(true);
  });
});
