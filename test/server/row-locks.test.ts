/** The local org's row lock manager (server/processing/row-locks.ts): FIFO per id, timeout, release, no deadlock. */
import { expect } from 'chai';
import { setImmediate as tick } from 'node:timers/promises';
import { type LockGrant, RowLocks } from '../../server/processing/row-locks.js';

const LONG = 60_000;

/** A pending acquire, with its grant once it resolves. */
function track(p: Promise<LockGrant>): { grant?: LockGrant; readonly done: Promise<LockGrant> } {
  const t: { grant?: LockGrant; done: Promise<LockGrant> } = { done: p };
  p.then((g) => {
    t.grant = g;
  });
  return t;
}

describe('server/processing/row-locks', () => {
  it('grants free ids at once, and every id of the set', async () => {
    const locks = new RowLocks();
    const a = await locks.acquire(['x', 'y', 'x'], LONG);
    expect([...a.held].sort()).to.deep.equal(['x', 'y']);
    a.release();
    a.release(); // idempotent
    expect(locks.size).to.equal(0);
  });

  it('hands an id on in the order it was asked for (FIFO), so no waiter starves', async () => {
    const locks = new RowLocks();
    const a = await locks.acquire(['x'], LONG);
    const b = track(locks.acquire(['x'], LONG));
    const c = track(locks.acquire(['x'], LONG));
    await tick();
    expect(b.grant, 'b waits while a holds x').to.equal(undefined);
    a.release();
    await b.done;
    await tick();
    expect([...(b.grant as LockGrant).held]).to.deep.equal(['x']);
    expect(c.grant, 'c waits behind b').to.equal(undefined);
    (b.grant as LockGrant).release();
    expect([...(await c.done).held]).to.deep.equal(['x']);
    (c.grant as LockGrant).release();
    expect(locks.size).to.equal(0);
  });

  it('a waiter that times out keeps what it got and gives up the rest; the queue goes on without it', async () => {
    const locks = new RowLocks();
    const a = await locks.acquire(['x'], LONG);
    const b = await locks.acquire(['y', 'x'], 20);
    expect([...b.held]).to.deep.equal(['y']);
    const c = track(locks.acquire(['x'], LONG));
    a.release();
    expect([...(await c.done).held], 'x goes to c: b left its queue').to.deep.equal(['x']);
    b.release();
    (c.grant as LockGrant).release();
    expect(locks.size).to.equal(0);
  });

  it('an aborted wait ends at once with what it holds', async () => {
    const locks = new RowLocks();
    const a = await locks.acquire(['x'], LONG);
    const abort = new AbortController();
    const b = track(locks.acquire(['x', 'z'], LONG, abort.signal));
    await tick();
    abort.abort();
    expect([...(await b.done).held]).to.deep.equal(['z']);
    (b.grant as LockGrant).release();
    a.release();
    expect(locks.size).to.equal(0);
    const aborted = await locks.acquire(['x'], LONG, AbortSignal.abort());
    expect([...aborted.held], 'a free id is granted even to an aborted signal').to.deep.equal(['x']);
    aborted.release();
  });

  it('overlapping sets asked for in any order never deadlock: every transaction gets its whole set', async () => {
    const locks = new RowLocks();
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % n;
    };
    const ids = ['a', 'b', 'c', 'd', 'e'];
    let held = 0;
    const owners = new Map<string, number>();
    const transaction = async (n: number) => {
      const want = Array.from({ length: 1 + random(4) }, () => ids[random(ids.length)] as string);
      // A deadlock would leave a waiter to its timeout, without its whole set.
      const grant = await locks.acquire(want, LONG);
      expect([...grant.held].sort()).to.deep.equal([...new Set(want)].sort());
      for (const id of grant.held) {
        expect(owners.has(id), `${id} held by two transactions`).to.equal(false);
        owners.set(id, n);
      }
      held++;
      for (let k = random(3); k > 0; k--) await tick();
      for (const id of grant.held) owners.delete(id);
      grant.release();
    };
    await Promise.all(Array.from({ length: 200 }, (_, n) => transaction(n)));
    expect(held).to.equal(200);
    expect(locks.size).to.equal(0);
  });
});
