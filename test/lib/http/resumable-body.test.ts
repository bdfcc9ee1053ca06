import { expect } from 'chai';
import { Readable } from 'node:stream';
import { resumableBody } from '../../../lib/http/resumable-body.js';
import { RetryPolicy } from '../../../lib/http/retry.js';
import { RetryBudget } from '../../../lib/http/with-retries.js';
import { collect, rejection } from '../../helpers/fixtures.js';

const BODY = Buffer.from(Array.from({ length: 1000 }, (_, i) => `line ${i}\n`).join(''));
const context = { method: 'GET', path: '/result', jobId: undefined, batchId: undefined };

/** The body in chunks of `size`, failing with `code` after `cutAt` bytes. */
function cutStream(cutAt: number, code = 'UND_ERR_SOCKET', size = 1000): Readable {
  return new Readable({
    read() {
      const at = (this as unknown as { at?: number }).at ?? 0;
      if (at >= cutAt) return void this.destroy(Object.assign(new Error('other side closed'), { code }));
      const end = Math.min(at + size, cutAt, BODY.length);
      (this as unknown as { at: number }).at = end;
      this.push(BODY.subarray(at, end));
      if (end >= BODY.length) this.push(null);
    },
  });
}

const budget = (retries = 5) => new RetryBudget(new RetryPolicy({ maxRetries: retries, minDelayMs: 1, maxDelayMs: 2 }), 'GET /result', undefined, undefined);

describe('lib/http/resumable-body', () => {
  it('requests the body again after a cut and skips what was read: the reader sees one whole body', async () => {
    const bodies = [cutStream(2500), cutStream(6100, 'ECONNRESET', 700), Readable.from([BODY])];
    const first = bodies.shift() as Readable;
    const body = resumableBody(first, { context, reopen: async () => bodies.shift() as Readable, budget: budget() });
    expect(Buffer.concat(await collect<Buffer>(body)).equals(BODY)).to.equal(true);
    expect(bodies).to.have.length(0);
  });

  it('gives up when the budget is spent, and never retries an error that is not a network one', async () => {
    const always = () => cutStream(100);
    const spent = await rejection(collect(resumableBody(always(), { context, reopen: async () => always(), budget: budget(2) })));
    expect(spent).to.include({ code: 'BULK_NETWORK', causeCode: 'UND_ERR_SOCKET' });
    let reopened = 0;
    const broken = await rejection(
      collect(
        resumableBody(cutStream(100, 'EACCES'), {
          context,
          reopen: async () => {
            reopened++;
            return always();
          },
          budget: budget(),
        }),
      ),
    );
    expect(broken).to.include({ code: 'BULK_NETWORK', causeCode: 'EACCES' });
    expect(reopened).to.equal(0);
  });
});
