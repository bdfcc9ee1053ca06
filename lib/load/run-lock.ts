/**
 * RunLock: one live owner per load. The owner of a run folder listens on a socket named for the
 * folder, and the operating system lets the name go when the process dies, however it dies (kill -9
 * too): no pid file, which a later process could be given the pid of. A second taker (a resume, a
 * `job clean`, a library user) fails to bind the name and is refused at once; it connects to the
 * owner, which answers with one JSON line saying who it is, so that the refusal names it.
 *
 * - Linux: an abstract socket (`\0bulkpipe-run-<sha256 of the folder's real path>`): bind is atomic
 *   and exclusive, nothing is left on disk, and the kernel frees the name with the last descriptor.
 *   Abstract names belong to a network namespace: processes in different containers that share a
 *   run folder do not see each other's lock (the CLI also counts a ledger of another host as live).
 * - Windows: a named pipe (`\\.\pipe\bulkpipe-run-<hash>`), the first instance of which is exclusive
 *   in the same way.
 * - Other Unix (macOS): a socket file, `.run-lock.<n>` in the run folder (in the temp folder when that
 *   path would pass the 104 bytes a socket path may have). A dead owner leaves its file, which refuses
 *   connections: it is stale. A stale file is never removed (removing it could remove the file a
 *   racing taker has just bound); a taker binds the next number instead. So the files are always some
 *   stale ones, numbered from 0, then at most one live one, and every taker binds the first number
 *   whose file is missing after finding every earlier one stale: two takers that race bind the same
 *   number and the loser is refused by the winner. An owner that closes removes its own file only
 *   (libuv unlinks it before the descriptor is closed). What it assumes: a live owner accepts
 *   connections (a listen backlog filled by 511 waiting connections would read as stale).
 *
 * The server is unref'd: a lock never keeps a process alive. Any local process can connect, so the
 * answer names the process (pid, host, start time, the command with secret-looking flags masked),
 * nothing of the load's data.
 */
import { createHash } from 'node:crypto';
import { realpath } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorCodeOf, RunLockedError, type RunHolder } from '../errors.js';

/** How the lock is named: an abstract socket (Linux), a named pipe (Windows), a socket file (other Unix). */
export type RunLockKind = 'abstract' | 'pipe' | 'file';

/** How long a taker waits for the owner to say who it is; an owner that does not answer in time is still the owner. */
const ANSWER_TIMEOUT_MS = 2_000;
/**
 * How long an owner keeps a taker's connection open after answering: a taker that does not hang up
 * (a suspended `bulkpipe job runs`) is cut off then, so that it holds nothing of the owner's.
 */
const HOLD_TIMEOUT_MS = ANSWER_TIMEOUT_MS;
/** Most bytes of an owner's answer read. */
const MAX_ANSWER_BYTES = 4_096;
/** A socket path longer than this does not bind on macOS (104 bytes with the terminating NUL). */
const MAX_SOCKET_PATH_BYTES = 103;
/** Takers that found the owner gone between their bind and their connect bind again, this many times. */
const ATTEMPTS = 5;

const platformKind = (): RunLockKind => (process.platform === 'linux' ? 'abstract' : process.platform === 'win32' ? 'pipe' : 'file');

export interface RunLockOptions {
  /** Default: by platform. Tests pick `file` to run the socket-file lock on Linux. */
  readonly kind?: RunLockKind;
}

export class RunLock {
  /** The run folder, as given. */
  readonly dir: string;
  readonly #server: Server;
  /** The takers' connections still open: `server.close()` waits for them, so release cuts them. */
  readonly #sockets: Set<Socket>;
  #released: Promise<void> | undefined;

  private constructor(dir: string, listening: Listening) {
    this.dir = dir;
    this.#server = listening.server;
    this.#sockets = listening.sockets;
  }

  /**
   * Takes the lock of the run folder `dir` (which must exist), or rejects with RunLockedError
   * (`BULK_LOCKED`) naming the process that holds it, another owner in this process included.
   */
  static async acquire(dir: string, options: RunLockOptions = {}): Promise<RunLock> {
    const kind = options.kind ?? platformKind();
    const names = await lockNames(dir, kind);
    const me = `${JSON.stringify(describeSelf())}\n`;
    for (let attempt = 1; ; attempt++) {
      for (let n = 0; ; n++) {
        const name = names(n);
        const listening = await bound(name, me);
        if (listening) return new RunLock(dir, listening);
        const answer = await ask(name);
        if (answer.live) throw new RunLockedError(dir, answer.holder);
        // Gone: an abstract name or pipe is free again (bind it again); a socket file is stale (bind the next).
        if (kind !== 'file' || answer.missing) {
          if (attempt < ATTEMPTS) break;
          throw new RunLockedError(dir, undefined);
        }
      }
    }
  }

  /** Lets the lock go (idempotent); resolves once another process can take it. */
  release(): Promise<void> {
    this.#released ??= new Promise((resolve) => {
      this.#server.close(() => resolve());
      // A taker that is still connected (stalled, suspended) would keep close() waiting, and the
      // process (the server is unref'd) could end with its exit code never set.
      for (const socket of this.#sockets) socket.destroy();
    });
    return this.#released;
  }
}

/** Whether a live process holds a run's lock, and who it says it is (undefined when it did not say in time). */
export type RunLockState = { readonly held: false } | { readonly held: true; readonly holder: RunHolder | undefined };

/**
 * Asks, without taking it, whether the lock of `dir` is held: a snapshot for listings (`job runs`);
 * whatever acts on a run takes the lock instead. A folder that is gone is not held.
 */
export async function probeRunLock(dir: string, options: RunLockOptions = {}): Promise<RunLockState> {
  const kind = options.kind ?? platformKind();
  let names: (n: number) => string;
  try {
    names = await lockNames(dir, kind);
  } catch (err) {
    if (errorCodeOf(err) === 'ENOENT') return { held: false };
    throw err;
  }
  for (let n = 0; ; n++) {
    const answer = await ask(names(n));
    if (answer.live) return { held: true, holder: answer.holder };
    if (kind !== 'file' || answer.missing) return { held: false };
  }
}

/** The lock's name for `dir`: one name, or for socket files the n-th. */
async function lockNames(dir: string, kind: RunLockKind): Promise<(n: number) => string> {
  const real = await realpath(dir);
  const hash = createHash('sha256').update(real).digest('hex');
  if (kind === 'abstract') return () => `\0bulkpipe-run-${hash}`;
  if (kind === 'pipe') return () => `\\\\.\\pipe\\bulkpipe-run-${hash}`;
  // The longest name this lock will use has a few more digits; a run with more stale files than that cannot happen in practice.
  const inFolder = Buffer.byteLength(join(real, '.run-lock.999999')) <= MAX_SOCKET_PATH_BYTES;
  return inFolder ? (n) => join(real, `.run-lock.${n}`) : (n) => join(tmpdir(), `bulkpipe-run-${hash.slice(0, 24)}.${n}`);
}

interface Listening {
  readonly server: Server;
  readonly sockets: Set<Socket>;
}

/** A server listening on `name` that answers each connection with `answer`, or undefined when the name is taken. */
function bound(name: string, answer: string): Promise<Listening | undefined> {
  return new Promise((resolve, reject) => {
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined); // a taker that hangs up early is no fault of the owner
      const cut = setTimeout(() => socket.destroy(), HOLD_TIMEOUT_MS);
      cut.unref();
      socket.once('close', () => {
        clearTimeout(cut);
        sockets.delete(socket);
      });
      socket.unref();
      socket.end(answer);
    });
    let listening = false;
    // After the bind an error has no one to go to: the name is held until the process ends or releases it.
    server.on('error', (err) => {
      if (listening) return;
      // EACCES: a Windows pipe whose first instance exists is refused this way.
      if (errorCodeOf(err) === 'EADDRINUSE' || (errorCodeOf(err) === 'EACCES' && name.startsWith('\\\\.\\pipe\\'))) resolve(undefined);
      else reject(err);
    });
    server.listen(name, () => {
      listening = true;
      server.unref();
      resolve({ server, sockets });
    });
  });
}

interface Answer {
  /** A process accepted the connection: the name is held. */
  readonly live: boolean;
  /** What it said it is; undefined when it did not say in time. */
  readonly holder: RunHolder | undefined;
  /** No socket by that name (a socket file that is not there). */
  readonly missing: boolean;
}

/** Connects to `name` and reads the holder's line. */
function ask(name: string): Promise<Answer> {
  return new Promise((resolve) => {
    let text = '';
    let live = false;
    const socket = createConnection(name);
    const done = (answer: Answer) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => done({ live, holder: undefined, missing: false }), ANSWER_TIMEOUT_MS);
    socket.once('connect', () => {
      live = true;
    });
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const end = text.indexOf('\n');
      if (end >= 0 || text.length > MAX_ANSWER_BYTES) done({ live: true, holder: holderOf(text.slice(0, end >= 0 ? end : MAX_ANSWER_BYTES)), missing: false });
    });
    socket.once('end', () => done({ live: true, holder: holderOf(text), missing: false }));
    socket.once('error', (err) => {
      const code = errorCodeOf(err);
      // Refused: nothing listens (a dead owner's socket file, or a free name). Any other failure is taken for an owner that cannot be asked.
      if (code === 'ECONNREFUSED' || code === 'ENOENT') done({ live: false, holder: undefined, missing: code === 'ENOENT' });
      else done({ live: true, holder: undefined, missing: false });
    });
  });
}

function holderOf(line: string): RunHolder | undefined {
  try {
    const value = JSON.parse(line) as Partial<RunHolder>;
    if (typeof value.pid !== 'number' || typeof value.host !== 'string') return undefined;
    return { pid: value.pid, host: value.host, command: String(value.command ?? ''), since: String(value.since ?? '') };
  } catch {
    return undefined;
  }
}

/** This process, as the owner of a lock says it: the command with the values of secret-looking flags masked. */
function describeSelf(): RunHolder {
  const args = process.argv.slice(1);
  const secret = /pass|token|secret|key|auth/i;
  const shown = args.map((arg, i) => {
    const eq = arg.indexOf('=');
    if (arg.startsWith('-') && eq > 0 && secret.test(arg.slice(0, eq))) return `${arg.slice(0, eq)}=***`;
    const before = args[i - 1];
    return before?.startsWith('-') && !before.includes('=') && secret.test(before) ? '***' : arg;
  });
  return { pid: process.pid, host: hostname(), command: shown.join(' ').slice(0, 500), since: new Date().toISOString() };
}
