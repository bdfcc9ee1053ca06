import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { UploadRegistry } from '../../../lib/load/upload-registry.js';

/** A promise and its resolve, to hold an upload or a search where the test wants it. */
function gate<T = void>(): { promise: Promise<T>; open: (value: T) => void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

describe('lib/load/upload-registry', () => {
  it('validates maxJobs', () => {
    for (const maxJobs of [0, -1, 1.5, Number.NaN])
      expect(() => new UploadRegistry({ maxJobs }))
        .to.throw()
        .with.property('code', 'BULK_INVALID_OPTION');
  });

  it('keeps the claims of each job: claimed in bulk, by the upload that made the batch, and forgotten with the job', () => {
    const uploads = new UploadRegistry();
    uploads.claim('J1', ['B1', 'B2']);
    const upload = uploads.begin('J1');
    upload.created('B3');
    upload.end();
    upload.end(); // idempotent
    expect(['B1', 'B2', 'B3', 'B4'].map((b) => uploads.claimed('J1', b))).to.deep.equal([true, true, true, false]);
    expect(uploads.claimed('J2', 'B1')).to.equal(false);
    uploads.forget('J1');
    expect(uploads.claimed('J1', 'B1')).to.equal(false);
  });

  it('a lost upload searches once the job’s other uploads in flight have settled, and passes over their batches', async () => {
    const uploads = new UploadRegistry();
    const other = uploads.begin('J1');
    const elsewhere = uploads.begin('J2'); // another job's upload is not waited for
    const lost = uploads.begin('J1');
    const seen: string[][] = [];
    const search = lost.lost(async (claimed) => {
      seen.push(['B1', 'B2'].filter((b) => !claimed(b)));
      return 'B2';
    });
    await sleep(10);
    expect(seen).to.deep.equal([]); // still waiting for `other`
    other.created('B1');
    expect(await search).to.equal('B2');
    expect(seen).to.deep.equal([['B2']]);
    expect(uploads.claimed('J1', 'B2')).to.equal(true);
    lost.end();
    other.end();
    elsewhere.end();
  });

  it('runs one search at a time per job: two lost uploads of the same bytes take one batch each', async () => {
    const uploads = new UploadRegistry();
    const first = uploads.begin('J1');
    const second = uploads.begin('J1');
    const held = gate();
    let running = 0;
    let most = 0;
    const find = async (claimed: (batchId: string) => boolean) => {
      most = Math.max(most, ++running);
      await held.promise;
      running--;
      return ['B1', 'B2'].find((b) => !claimed(b));
    };
    const searches = Promise.all([first.lost(find), second.lost(find)]);
    await sleep(10);
    held.open();
    expect((await searches).sort()).to.deep.equal(['B1', 'B2']);
    expect(most).to.equal(1);
  });

  it('an upload whose search found nothing is in flight again: the next search waits for it', async () => {
    const uploads = new UploadRegistry();
    const resent = uploads.begin('J1');
    expect(await resent.lost(async () => undefined)).to.equal(undefined);
    const lost = uploads.begin('J1');
    let searched = false;
    const search = lost.lost(async () => {
      searched = true;
      return undefined;
    });
    await sleep(10);
    expect(searched).to.equal(false);
    resent.end();
    await search;
    expect(searched).to.equal(true);
    lost.end();
  });

  it('a search that fails fails its upload only: the next search runs', async () => {
    const uploads = new UploadRegistry();
    const failing = uploads.begin('J1');
    const next = uploads.begin('J1');
    const failed = failing.lost(async () => {
      throw new Error('list failed');
    });
    const found = next.lost(async () => 'B1');
    expect(
      await failed.then(
        () => 'resolved',
        (err: Error) => err.message,
      ),
    ).to.equal('list failed');
    expect(await found).to.equal('B1');
  });

  it('forgets the oldest job beyond maxJobs', () => {
    const uploads = new UploadRegistry({ maxJobs: 2 });
    uploads.claim('J1', ['B1']);
    uploads.claim('J2', ['B2']);
    uploads.claim('J3', ['B3']);
    expect([uploads.claimed('J1', 'B1'), uploads.claimed('J2', 'B2'), uploads.claimed('J3', 'B3')]).to.deep.equal([false, true, true]);
  });
});
