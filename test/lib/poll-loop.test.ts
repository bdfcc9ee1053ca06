import { expect } from 'chai';
import { pollLoopOptions, pollTicks } from '../../lib/poll-loop.js';
import { rejection } from '../helpers/fixtures.js';

describe('lib/poll-loop', () => {
  it('validates the intervals, naming options as the caller spells them', () => {
    const names = { min: 'minPollIntervalMs', max: 'maxPollIntervalMs', timeout: 'pollTimeoutMs' };
    expect(() => pollLoopOptions(names, { min: 100, max: 50, timeout: 1000 }))
      .to.throw()
      .with.property('option', 'maxPollIntervalMs');
    expect(() => pollLoopOptions(names, { min: -1, max: 50, timeout: 1000 }))
      .to.throw()
      .with.property('option', 'minPollIntervalMs');
    expect(() => pollLoopOptions(names, { min: 1, max: 50, timeout: Number.NaN }))
      .to.throw()
      .with.property('code', 'BULK_INVALID_OPTION');
    expect(pollLoopOptions(names, { min: 1, max: 50, timeout: 1000 })).to.include({ minIntervalMs: 1, maxIntervalMs: 50, timeoutMs: 1000 });
  });

  it('polls at once, then waits longer while nothing changes, and the shortest time after a change', async () => {
    const waits: number[] = [];
    let last = performance.now();
    let n = 0;
    for await (const tick of pollTicks({ minIntervalMs: 8, maxIntervalMs: 30, timeoutMs: 60_000 }, () => undefined)) {
      const now = performance.now();
      waits.push(now - last);
      last = now;
      tick.changed = n === 3;
      if (++n === 7) break;
    }
    // Timers never fire early: each wait is at least the interval planned for it.
    const planned = [0, 8, 12, 18, 8, 12, 18];
    for (const [i, w] of waits.entries()) expect(w, `wait ${i}`).to.be.at.least((planned[i] as number) - 1);
  });

  it('a due time sooner than the wait ends that one wait then, never under the minimum interval; the backoff goes on after it (issue 28)', async () => {
    const waits: number[] = [];
    const planned: number[] = [];
    let last = performance.now();
    let n = 0;
    for await (const tick of pollTicks({ minIntervalMs: 200, maxIntervalMs: 2_000, timeoutMs: 60_000 }, () => undefined)) {
      const now = performance.now();
      waits.push(now - last);
      last = now;
      // Each tick says the wait it would take: 200, 300, 450 (the one after a due one backs off as before).
      planned.push(tick.waitMs);
      if (n === 1) tick.dueInMs = 250; // sooner than 300: polled after 250
      if (n === 2) tick.dueInMs = 10; // under the minimum: polled after 200, the shortest wait between two polls (review: it was 100 ms)
      if (++n === 4) break;
    }
    expect(planned).to.deep.equal([200, 300, 450, 675]);
    expect(waits[2]).to.be.at.least(249).and.below(295);
    expect(waits[3]).to.be.at.least(199).and.below(440);
    // A due time later than the wait changes nothing; a due time of 0 waits the minimum.
    const short: number[] = [];
    last = performance.now();
    for await (const tick of pollTicks({ minIntervalMs: 20, maxIntervalMs: 20, timeoutMs: 60_000 }, () => undefined)) {
      short.push(performance.now() - last);
      last = performance.now();
      tick.dueInMs = short.length === 1 ? 5_000 : 0;
      if (short.length === 3) break;
    }
    expect(short[1]).to.be.at.least(19).and.below(1_000);
    expect(short[2]).to.be.at.least(19);
  });

  it('ends with the caller\u2019s timeout error once the time is up and something is awaited; goes on while nothing is', async () => {
    let awaited = false;
    let turns = 0;
    const err = await rejection(
      (async () => {
        for await (const _tick of pollTicks({ minIntervalMs: 5, maxIntervalMs: 5, timeoutMs: 20 }, () => (awaited ? new Error('timed out') : undefined))) {
          if (++turns === 10) awaited = true;
        }
      })(),
    );
    expect(err.message).to.equal('timed out');
    expect(turns).to.be.at.least(10);
  });

  it('stops waiting at once on abort', async () => {
    const controller = new AbortController();
    // A 10-minute wait: the test ends (inside mocha's timeout) only if the abort ends the wait.
    const run = (async () => {
      for await (const _tick of pollTicks({ minIntervalMs: 600_000, maxIntervalMs: 600_000, timeoutMs: 600_000, signal: controller.signal }, () => undefined)) {
        setImmediate(() => controller.abort());
      }
    })();
    expect(await rejection(run)).to.have.property('name', 'AbortError');
  });
});
