/**
 * The local org's row locks on parent records, as Salesforce takes them while it writes children
 * (a Contact locks its Account for its transaction; spec §7.1: each chunk of 200 records of a batch
 * is one transaction). A transaction asks for its whole set of ids in one step and holds each from
 * the moment it is granted until it releases them all at its commit.
 *
 * Each id has a FIFO queue whose head holds it, so nothing starves. A transaction joins the queues of
 * all its ids at once (synchronously), so two transactions meet in the same order on every id they
 * share: a waiter only ever waits for transactions that asked before it, and no cycle (deadlock) can
 * form. A waiter whose set is not all granted within the timeout gives up the ids it still waits for
 * and keeps those it got: the records that need the others fail, the rest proceed.
 *
 * In memory, which is right: only one process at a time runs an org file's batches (the processor
 * lock, batch-processor.ts), so every transaction that could contend asks this one manager. The
 * REST API's writes (server/http/rest-dml.ts) take no locks. Memory: one queue entry per id asked
 * for by a running or waiting transaction (≤ parallelism × 200 × the locking fields of a record).
 */

/** What a transaction got: the ids it holds, until `release()` (idempotent). */
export interface LockGrant {
  readonly held: ReadonlySet<string>;
  release(): void;
}

interface Transaction {
  readonly held: Set<string>;
  /** Ids asked for and not granted yet. */
  readonly waiting: Set<string>;
  /** Resolves the transaction's acquire(); set while it waits. */
  wake?: () => void;
}

export class RowLocks {
  /** Per id, the transactions that asked for it in order: the first holds it. */
  readonly #queues = new Map<string, Transaction[]>();

  /**
   * Asks for every id at once; resolves when all are held, or after `timeoutMs` (or on `signal`)
   * with those that were granted by then. Release the grant in every case.
   */
  acquire(ids: Iterable<string>, timeoutMs: number, signal?: AbortSignal): Promise<LockGrant> {
    const tx: Transaction = { held: new Set(), waiting: new Set() };
    for (const id of ids) {
      if (tx.held.has(id) || tx.waiting.has(id)) continue;
      const queue = this.#queues.get(id);
      if (queue) {
        queue.push(tx);
        tx.waiting.add(id);
      } else {
        this.#queues.set(id, [tx]);
        tx.held.add(id);
      }
    }
    const grant = this.#grantOf(tx);
    if (tx.waiting.size === 0) return Promise.resolve(grant);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', giveUp);
        delete tx.wake;
        resolve(grant);
      };
      // Leaves the queues it still waits in: it was never their head, so no one else's grant changes.
      const giveUp = () => {
        for (const id of tx.waiting) {
          const queue = this.#queues.get(id) as Transaction[];
          queue.splice(queue.indexOf(tx), 1);
        }
        tx.waiting.clear();
        done();
      };
      const timer = setTimeout(giveUp, timeoutMs);
      tx.wake = done;
      if (signal?.aborted) giveUp();
      else signal?.addEventListener('abort', giveUp, { once: true });
    });
  }

  /** Ids held or waited for (tests: nothing is left behind). */
  get size(): number {
    return this.#queues.size;
  }

  #grantOf(tx: Transaction): LockGrant {
    let released = false;
    return {
      held: tx.held,
      release: () => {
        if (released) return;
        released = true;
        for (const id of tx.held) this.#handOn(id);
      },
    };
  }

  /** The head of the id's queue lets it go: the next in line holds it now. */
  #handOn(id: string): void {
    const queue = this.#queues.get(id) as Transaction[];
    queue.shift();
    const next = queue[0];
    if (!next) return void this.#queues.delete(id);
    next.waiting.delete(id);
    next.held.add(id);
    if (next.waiting.size === 0) next.wake?.();
  }
}
