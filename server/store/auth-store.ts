/** Users, sessions and id counters of the local org. Passwords are stored as scrypt hashes. */
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import type { CounterStore } from '../org/id-generator.js';
import { type Db, writeTransaction } from './database.js';

export interface UserRow {
  readonly id: string;
  readonly username: string;
  readonly full_name: string;
}

function hash(password: string, salt = randomBytes(16)): string {
  return `${salt.toString('hex')}:${scryptSync(password, salt, 32).toString('hex')}`;
}

/** A user's stored password when it has none: not `salt:digest`, so no password verifies against it. */
const NO_PASSWORD = '';

function verify(password: string, stored: string): boolean {
  const [salt, digest] = stored.split(':');
  if (!salt || !digest) return false;
  const actual = scryptSync(password, Buffer.from(salt, 'hex'), 32);
  return timingSafeEqual(actual, Buffer.from(digest, 'hex'));
}

export class AuthStore implements CounterStore {
  readonly #db: Db;
  readonly #s;

  constructor(db: Db) {
    this.#db = db;
    this.#s = {
      reserve: db.prepare('INSERT INTO id_counters (prefix, next) VALUES (?, ?) ON CONFLICT (prefix) DO UPDATE SET next = next + excluded.next - 1 RETURNING next'),
      userByName: db.prepare('SELECT id, username, full_name, password FROM users WHERE username = ?'),
      insertUser: db.prepare('INSERT INTO users (id, username, password, full_name) VALUES (?, ?, ?, ?)'),
      setPassword: db.prepare('UPDATE users SET password = ? WHERE id = ?'),
      user: db.prepare('SELECT id, username, full_name FROM users WHERE id = ?'),
      insertSession: db.prepare('INSERT INTO sessions (id, user_id, expires_at) VALUES (?, ?, ?)'),
      session: db.prepare('SELECT user_id, expires_at FROM sessions WHERE id = ?'),
      purge: db.prepare('DELETE FROM sessions WHERE expires_at < ?'),
      endSession: db.prepare('DELETE FROM sessions WHERE id = ?'),
    };
  }

  /** Numbers are handed out from 1; a reservation of `count` returns the first of them. */
  reserve(prefix: string, count: number): number {
    const { next } = this.#s.reserve.get(prefix, count + 1) as { next: number };
    return next - count;
  }

  /**
   * Creates the user, or sets its password when it differs: in one write transaction, so that
   * processes starting together on a fresh org file create it once.
   */
  ensureUser(id: () => string, username: string, password: string, fullName: string): UserRow {
    const found = this.#s.userByName.get(username) as (UserRow & { password: string }) | undefined;
    if (found && verify(password, found.password)) return { id: found.id, username: found.username, full_name: found.full_name };
    const hashed = hash(password); // scrypt takes milliseconds: not while holding the write lock
    return writeTransaction(this.#db, () => {
      const existing = this.#s.userByName.get(username) as UserRow | undefined;
      if (existing) {
        this.#s.setPassword.run(hashed, existing.id);
        return { id: existing.id, username: existing.username, full_name: existing.full_name };
      }
      const user = { id: id(), username, full_name: fullName };
      this.#s.insertUser.run(user.id, username, hashed, fullName);
      return user;
    });
  }

  /**
   * The user, created without a password when it is missing (a stored '' never verifies: no password
   * login until one is set); an existing user's password is kept as it is. No scrypt runs: for the
   * process that started the org and opens its own sessions (`LocalOrg.openSession`).
   */
  ensureUserWithoutPassword(id: () => string, username: string, fullName: string): UserRow {
    return writeTransaction(this.#db, () => {
      const existing = this.#s.userByName.get(username) as UserRow | undefined;
      if (existing) return { id: existing.id, username: existing.username, full_name: existing.full_name };
      const user = { id: id(), username, full_name: fullName };
      this.#s.insertUser.run(user.id, username, NO_PASSWORD, fullName);
      return user;
    });
  }

  checkPassword(username: string, password: string): UserRow | undefined {
    const row = this.#s.userByName.get(username) as (UserRow & { password: string }) | undefined;
    return row && verify(password, row.password) ? { id: row.id, username: row.username, full_name: row.full_name } : undefined;
  }

  user(id: string): UserRow | undefined {
    return this.#s.user.get(id) as UserRow | undefined;
  }

  createSession(userId: string, ttlMs: number, now: number): string {
    const id = `00D5g000000LOCAL!${randomBytes(36).toString('base64url')}`;
    this.#s.purge.run(now);
    this.#s.insertSession.run(id, userId, now + ttlMs);
    return id;
  }

  /** Ends a session (a SOAP logout); returns whether it was live. */
  endSession(sessionId: string, now: number): boolean {
    const live = this.sessionUser(sessionId, now) !== undefined;
    this.#s.endSession.run(sessionId);
    return live;
  }

  /** The user of a live session; undefined for unknown or expired sessions. */
  sessionUser(sessionId: string, now: number): string | undefined {
    const row = this.#s.session.get(sessionId) as { user_id: string; expires_at: number } | undefined;
    return row && row.expires_at > now ? row.user_id : undefined;
  }

  get db(): Db {
    return this.#db;
  }
}
