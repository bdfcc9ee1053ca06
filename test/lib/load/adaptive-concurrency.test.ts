/** AdaptiveConcurrency: validation, halving on lock failures, settling, recovery one at a time, bounds, determinism. */
import { expect } from 'chai';
import { AdaptiveConcurrency, describeConcurrencyChange } from '../../../lib/load/adaptive-concurrency.js';

/** The limits after each observation. */
function limits(controller: AdaptiveConcurrency, observations: ReadonlyArray<[number, number]>): number[] {
  return observations.map(([sent, failed]) => {
    controller.observe(sent, failed);
    return controller.current;
  });
}

describe('lib/load/adaptive-concurrency', () => {
  it('validates its options and observations', () => {
    for (const options of [{ max: 0 }, { max: 1.5 }, { max: 4, threshold: 1 }, { max: 4, threshold: -0.1 }, { max: 4, recoverAfter: 0 }])
      expect(() => new AdaptiveConcurrency(options))
        .to.throw()
        .with.property('code', 'BULK_INVALID_OPTION');
    const controller = new AdaptiveConcurrency({ max: 4 });
    for (const [sent, failed] of [
      [10, 11],
      [-1, 0],
      [1.5, 0],
      [10, -1],
    ] as const)
      expect(() => controller.observe(sent, failed))
        .to.throw()
        .with.property('code', 'BULK_INVALID_OPTION');
  });

  it('starts at the configured concurrency and keeps it while batches are clean', () => {
    const controller = new AdaptiveConcurrency({ max: 8 });
    expect(
      limits(
        controller,
        Array.from({ length: 20 }, () => [1000, 0] as [number, number]),
      ),
    ).to.deep.equal(Array(20).fill(8));
    expect(controller.lowest).to.equal(8);
  });

  it('halves the limit on a batch over the threshold, and says so', () => {
    const controller = new AdaptiveConcurrency({ max: 8 });
    const change = controller.observe(100, 12);
    expect(change).to.deep.equal({ from: 8, to: 4, sent: 100, lockFailed: 12 });
    expect(describeConcurrencyChange(change as NonNullable<typeof change>)).to.equal('concurrency 8 -> 4 (lock failures 12% of the last batch)');
    // At the threshold (2%) is not over it.
    expect(new AdaptiveConcurrency({ max: 8 }).observe(100, 2)).to.equal(undefined);
  });

  it('does not halve again for the batches that were in flight under the old limit, then does', () => {
    const controller = new AdaptiveConcurrency({ max: 8 });
    // 8 -> 4; the next 7 were sent under 8: no news. The 8th after is sent under 4: 4 -> 2.
    const seen = limits(
      controller,
      Array.from({ length: 9 }, () => [100, 50] as [number, number]),
    );
    expect(seen).to.deep.equal([4, 4, 4, 4, 4, 4, 4, 4, 2]);
    // 4 -> 2 leaves 3 settling batches; then 2 -> 1, and it stays at 1.
    expect(
      limits(
        controller,
        Array.from({ length: 6 }, () => [100, 50] as [number, number]),
      ),
    ).to.deep.equal([2, 2, 2, 1, 1, 1]);
    expect(controller.lowest).to.equal(1);
  });

  it('raises the limit by one after `recoverAfter` clean batches in a row, up to the configured one', () => {
    const controller = new AdaptiveConcurrency({ max: 4, recoverAfter: 2 });
    controller.observe(10, 5); // 4 -> 2, then 3 settling
    const clean = Array.from({ length: 9 }, () => [10, 0] as [number, number]);
    expect(limits(controller, clean)).to.deep.equal([2, 2, 2, 2, 3, 3, 4, 4, 4]);
    expect(controller.lowest).to.equal(2);
  });

  it('a lock failure over the threshold resets the clean count', () => {
    const controller = new AdaptiveConcurrency({ max: 2, recoverAfter: 3 });
    controller.observe(10, 10); // 2 -> 1, one settling
    expect(
      limits(controller, [
        [10, 0],
        [10, 0],
        [10, 0],
        [10, 5],
        [10, 0],
        [10, 0],
        [10, 0],
      ]),
    ).to.deep.equal([1, 1, 1, 1, 1, 1, 2]);
  });

  it('ignores a batch that sent nothing', () => {
    const controller = new AdaptiveConcurrency({ max: 4 });
    expect(controller.observe(0, 0)).to.equal(undefined);
    expect(controller.current).to.equal(4);
  });

  it('is deterministic: the same observations give the same limits', () => {
    const observations = Array.from({ length: 200 }, (_, i) => [100, (i * 37) % 7 === 0 ? 9 : 0] as [number, number]);
    expect(limits(new AdaptiveConcurrency({ max: 16 }), observations)).to.deep.equal(limits(new AdaptiveConcurrency({ max: 16 }), observations));
  });
});
