/**
 * Whether a Bulk API 2.0 upload is still streaming in. A PUT stages its internal batches under a
 * token stored on the job (`upload_token`) and marks the upload received in one transaction at the
 * end of its body; until then the job has no data. A token whose upload is no longer alive (the
 * client cut it, or the server that read it died, even by kill -9) names staged batches to drop.
 *
 * Several processes may serve one org file, so liveness cannot be a flag in memory or in the file:
 * each upload holds an OS lock on a file of its own (`<org>-upload-<token>.lock`, file-lock.ts),
 * which its process lets go when the upload ends or the process dies. Whoever finds a token can
 * test it: taking that lock succeeds only when no live upload holds it. The holder ends its upload
 * in the database before it lets go, and every change to the staged data is conditional on the
 * token, so a test that races an upload's end changes nothing.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, realpathSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Db } from '../store/database.js';
import { FileLock } from '../store/file-lock.js';
import type { JobsStore } from '../store/jobs-store.js';
import type { V2UploadsStore } from '../store/v2-uploads-store.js';

export interface UploadLease {
  readonly token: string;
  /** The upload has ended (its outcome is in the database): its token is no longer live. */
  release(): void;
}

export class UploadLeases {
  /** This process's uploads in flight (a `:memory:` org has no other). */
  readonly #live = new Map<string, FileLock | undefined>();
  readonly #base: string | undefined;

  /**
   * `file`: the org's database file, or undefined for an org in memory (one process). Its real path
   * names the locks: a process that opened the org through a symbolic link must test the same files.
   */
  constructor(file: string | undefined) {
    this.#base = file === undefined ? undefined : realpathSync(file);
  }

  begin(): UploadLease {
    const token = randomUUID();
    let lock: FileLock | undefined;
    if (this.#base !== undefined) {
      lock = new FileLock(this.#lockPath(token));
      // A fresh name: no one else can hold it.
      if (!lock.tryAcquire()) throw new Error(`the upload lock ${this.#lockPath(token)} is held by another process`);
    }
    this.#live.set(token, lock);
    return {
      token,
      release: () => {
        if (!this.#live.delete(token)) return;
        lock?.release();
        this.#remove(token);
      },
    };
  }

  /**
   * Whether the upload of this token is still streaming in, here or in another process. A held lock
   * is tested again for a moment: another process testing the same dead token holds it briefly too.
   */
  isLive(token: string): boolean {
    if (this.#live.has(token)) return true;
    if (this.#base === undefined) return false;
    const lock = new FileLock(this.#lockPath(token));
    let held = true;
    try {
      for (let attempt = 0; held && attempt < 4; attempt++) {
        if (attempt > 0) Atomics.wait(PAUSE, 0, 0, 15);
        held = !lock.tryAcquire();
      }
    } finally {
      lock.release();
    }
    // Dead: its lock file (re-created by this test if its holder had removed it) goes.
    if (!held) this.#remove(token);
    return held;
  }

  /**
   * Removes the lock files no live upload holds: those of uploads whose process died after its job
   * let the token go (an abort, a kill -9 after the upload was received) are found by no token.
   */
  sweep(): void {
    if (this.#base === undefined) return;
    const prefix = `${basename(this.#base)}-upload-`;
    const tokens = new Set<string>();
    for (const name of readdirSync(dirname(this.#base))) {
      const m = name.startsWith(prefix) ? /^(.+)\.lock(?:-journal)?$/.exec(name.slice(prefix.length)) : null;
      if (m) tokens.add(m[1] as string);
    }
    for (const token of tokens) this.isLive(token);
  }

  #lockPath(token: string): string {
    return join(dirname(this.#base as string), `${basename(this.#base as string)}-upload-${token}.lock`);
  }

  #remove(token: string): void {
    if (this.#base === undefined) return;
    const path = this.#lockPath(token);
    // SQLite may leave a rollback journal beside a lock file it took.
    for (const file of [path, `${path}-journal`]) rmSync(file, { force: true });
  }
}

/** A blocking pause of a few milliseconds (the lock test is synchronous, as SQLite's own busy wait is). */
const PAUSE = new Int32Array(new SharedArrayBuffer(4));

const leases = new WeakMap<Db, UploadLeases>();

/** The leases of the org whose database is `db` (one per connection, as the uploads of one process share it). */
export function uploadLeases(db: Db): UploadLeases {
  let found = leases.get(db);
  if (!found) {
    found = new UploadLeases(db.memory || db.name === '' ? undefined : db.name);
    leases.set(db, found);
  }
  return found;
}

/**
 * At start: uploads left staging by a process that is gone (killed mid-PUT) drop their batches; their
 * jobs stay Open for a new PUT, as a failed upload leaves a job without data. Uploads another live
 * process is still reading are left alone.
 */
export function dropCutUploads(db: Db, jobs: JobsStore, uploads: V2UploadsStore): void {
  const leases = uploadLeases(db);
  for (const { id, upload_token } of uploads.receivingUploads()) if (!leases.isLive(upload_token)) jobs.dropUpload(id, upload_token);
  leases.sweep();
}
