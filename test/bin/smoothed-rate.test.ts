import { expect } from 'chai';
import { SmoothedRate } from '../../bin/smoothed-rate.js';

/** A seeded sequence in [0, 1): the same bursts every run. */
function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

describe('bin/smoothed-rate', () => {
  it('tells nothing before the first step and a second of steps after it: the first step is the start, not the pace', () => {
    const rate = new SmoothedRate();
    expect(rate.sample(0, 0)).to.equal(undefined);
    // 50,000 records seen at the first poll, 5 s in: the job, the uploads and the org's first batches, at no pace to go by.
    expect(rate.sample(50_000, 5_000)).to.equal(undefined);
    expect(rate.sample(51_000, 5_500)).to.equal(undefined); // half a second of steps
    expect(rate.sample(52_000, 6_000)).to.equal(2_000);
    expect(rate.rate(6_000)).to.equal(2_000);
  });

  it('holds the pace through bursty polls: batches of 10,000 that end at jittered times, seen at irregular polls', () => {
    const random = seeded(27);
    // 400 batches at 100,000 records/s on average, each ending up to 3 s late.
    const ends = Array.from({ length: 400 }, (_, i) => 2_000 + i * 100 + random() * 3_000).sort((a, b) => a - b);
    const rate = new SmoothedRate();
    rate.sample(0, 0);
    const smoothed: number[] = [];
    const stepRates: number[] = [];
    let before = { at: 0, total: 0 };
    for (let at = 0; at < 40_000; ) {
      at += 250 + random() * 5_000; // the poll loop's intervals, from short to long
      const total = ends.filter((end) => end <= at).length * 10_000;
      const perSecond = rate.sample(total, at);
      if (at > 8_000 && perSecond !== undefined) smoothed.push(perSecond);
      if (at > 8_000) stepRates.push(((total - before.total) / (at - before.at)) * 1000);
      before = { at, total };
    }
    // The records between two polls, over their time, swing by a third and more; the smoothed rate stays within 10% of the pace.
    expect(Math.max(...stepRates) / Math.min(...stepRates)).to.be.above(1.3);
    expect(smoothed.length).to.be.above(5);
    for (const perSecond of smoothed) expect(perSecond).to.be.within(90_000, 105_000);
  });

  it('a long gap and the large step that ends it count as what they are: one step over its whole span', () => {
    const rate = new SmoothedRate();
    rate.sample(0, 0);
    rate.sample(1_000, 1_000);
    for (let at = 2_000; at <= 10_000; at += 1_000) rate.sample(at, at); // 1,000/s
    // Nothing seen for 9 s, then 9 s of records at once: still 1,000/s, not 9,000/s.
    expect(rate.sample(19_000, 19_000)).to.be.closeTo(1_000, 1);
  });

  it('steady between steps, falling once no step comes for longer than two usual gaps: a stall shows', () => {
    const rate = new SmoothedRate();
    rate.sample(0, 0);
    for (let at = 500; at <= 20_000; at += 500) rate.sample(at * 10, at); // 10,000/s, a step every 500 ms
    const pace = rate.rate(20_000) as number;
    expect(pace).to.be.closeTo(10_000, 1);
    // Within two gaps of the last step, no sawtooth.
    expect(rate.rate(20_900)).to.equal(pace);
    expect(rate.sample(200_000, 20_900)).to.equal(pace);
    // Then the quiet counts as time with no records.
    expect(rate.rate(30_000)).to.be.below(pace * 0.7);
    expect(rate.rate(80_000)).to.be.below(pace * 0.05);
  });

  it('follows a change of pace within a few windows', () => {
    const rate = new SmoothedRate(10_000);
    rate.sample(0, 0);
    let total = 0;
    for (let at = 1_000; at <= 30_000; at += 1_000) rate.sample((total += 1_000), at);
    expect(rate.rate(30_000)).to.be.closeTo(1_000, 1);
    for (let at = 31_000; at <= 60_000; at += 1_000) rate.sample((total += 10_000), at);
    expect(rate.rate(60_000)).to.be.within(9_000, 10_000);
  });

  it('a lower total is no news, and a rise in the same ms as the last step waits for the next one', () => {
    const rate = new SmoothedRate();
    rate.sample(0, 0);
    rate.sample(100, 100);
    rate.sample(1_100, 1_100);
    expect(rate.rate(1_100)).to.equal(1_000);
    expect(rate.sample(900, 1_500)).to.equal(1_000);
    expect(rate.sample(1_200, 1_100)).to.equal(1_000);
    // The 100 records seen in that ms are in the next step: 1,000 more over one more second.
    expect(rate.sample(2_100, 2_100)).to.be.closeTo(1_000, 1);
  });
});
