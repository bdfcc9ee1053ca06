/**
 * An exclusive lock on a file that the operating system lets go when its holder dies, even by
 * kill -9: a POSIX record lock, taken through SQLite's own locking (Node has no flock). Not a pid
 * file, whose pid may belong to another process by the time it is read.
 */
import { type Db, Sqlite } from './database.js';

export class FileLock {
  readonly #path: string;
  #connection: Db | undefined;

  /** `path`: the lock file, created when missing; it stays empty (nothing is ever written to it). */
  constructor(path: string) {
    this.#path = path;
  }

  /** Whether this holds the lock. */
  get held(): boolean {
    return this.#connection?.inTransaction ?? false;
  }

  /** Takes the lock when no one holds it (another process, or another FileLock of this one); never waits. */
  tryAcquire(): boolean {
    if (this.held) return true;
    this.#connection ??= new Sqlite(this.#path, { timeout: 0 });
    try {
      // An exclusive transaction holds SQLite's EXCLUSIVE lock on the file until it ends: it never does while this lives.
      this.#connection.exec('BEGIN EXCLUSIVE');
      return true;
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_BUSY') return false;
      throw err;
    }
  }

  /** Lets the lock go (and closes the file). */
  release(): void {
    this.#connection?.close();
    this.#connection = undefined;
  }
}
