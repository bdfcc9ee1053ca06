import { expect } from 'chai';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, realpath } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunLockedError } from '../../../lib/errors.js';
import { probeRunLock, RunLock, type RunLockKind } from '../../../lib/load/run-lock.js';
import { useTempDir } from '../../helpers/temp-dir.js';

const MODULE = fileURLToPath(new URL('../../../lib/load/run-lock.ts', import.meta.url));

/** A child process that takes the lock of `dir`, says `held` on stdout, and then `stay`s alive (or ends, the lock still taken). */
function holder(dir: string, kind: RunLockKind, stay: boolean, ...extra: string[]): { child: ChildProcessWithoutNullStreams; held: Promise<void>; exited: Promise<number | null> } {
  const script = `
    const { RunLock } = await import(${JSON.stringify(MODULE)});
    await RunLock.acquire(process.argv[1], { kind: process.argv[2] });
    process.stdout.write('held\\n');
    ${stay ? 'setInterval(() => undefined, 60_000);' : ''}
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', script, dir, kind, ...extra], { stdio: 'pipe' });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const held = new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('held\n')) resolve();
    });
    void exited.then(() => reject(new Error(`the holder exited before it held the lock: ${stderr}`)));
  });
  return { child, held, exited };
}

async function refusal(promise: Promise<unknown>): Promise<RunLockedError> {
  try {
    await promise;
  } catch (err) {
    return err as RunLockedError;
  }
  throw new Error('expected a refusal');
}

for (const kind of ['abstract', 'file'] as const) {
  describe(`lib/load/run-lock (${kind})`, function () {
    this.timeout(30_000);
    const tmp = useTempDir('bulkpipe-lock-');
    const run = () => join(tmp.path, 'run');
    beforeEach(() => mkdir(run()));

    it('refuses a second holder in the same process, naming it; once released, it can be taken again', async () => {
      const lock = await RunLock.acquire(run(), { kind });
      const err = await refusal(RunLock.acquire(run(), { kind }));
      expect(err).to.include({ code: 'BULK_LOCKED', name: 'RunLockedError', dir: run() });
      expect(err.holder).to.include({ pid: process.pid, host: hostname() });
      expect(Date.parse(err.holder?.since ?? '')).to.be.a('number').and.not.NaN;
      expect(err.message).to.include(`process ${process.pid} on ${hostname()}`);
      expect(await probeRunLock(run(), { kind })).to.deep.include({ held: true });
      await lock.release();
      await lock.release(); // idempotent
      expect(await probeRunLock(run(), { kind })).to.deep.equal({ held: false });
      await (await RunLock.acquire(run(), { kind })).release();
    });

    it('of many takers at once, exactly one holds it; the others are refused naming it', async () => {
      const tries = await Promise.allSettled(Array.from({ length: 12 }, () => RunLock.acquire(run(), { kind })));
      const held = tries.filter((t) => t.status === 'fulfilled');
      expect(held).to.have.length(1);
      for (const t of tries) if (t.status === 'rejected') expect((t.reason as RunLockedError).holder?.pid).to.equal(process.pid);
      await (held[0] as PromiseFulfilledResult<RunLock>).value.release();
    });

    it('a holder killed with SIGKILL frees it at once; its refusal named it, its secrets masked', async () => {
      const { child, held, exited } = holder(run(), kind, true, '--password', 'hunter2', '--access-token=s3cret');
      await held;
      const err = await refusal(RunLock.acquire(run(), { kind }));
      expect(err.code).to.equal('BULK_LOCKED');
      expect(err.holder).to.include({ pid: child.pid, host: hostname() });
      expect(err.holder?.command).to.include('--password *** --access-token=***');
      expect(err.holder?.command).not.to.match(/hunter2|s3cret/);
      expect(await probeRunLock(run(), { kind })).to.deep.include({ held: true });
      child.kill('SIGKILL');
      await exited;
      // No wait: the kernel let the name go with the process (a socket file is left, refusing connections: stale).
      expect(await probeRunLock(run(), { kind })).to.deep.equal({ held: false });
      const lock = await RunLock.acquire(run(), { kind });
      expect((await refusal(RunLock.acquire(run(), { kind }))).holder?.pid).to.equal(process.pid);
      await lock.release();
    });

    it('never keeps its process alive: a holder with nothing else to do exits by itself', async () => {
      const { held, exited } = holder(run(), kind, false);
      await held;
      expect(await exited).to.equal(0);
      await (await RunLock.acquire(run(), { kind })).release();
    });

    it('a taker that connects and never hangs up (a suspended prober) does not delay release or the next holder', async () => {
      const lock = await RunLock.acquire(run(), { kind });
      const real = await realpath(run());
      const name = kind === 'abstract' ? `\0bulkpipe-run-${createHash('sha256').update(real).digest('hex')}` : join(real, '.run-lock.0');
      // allowHalfOpen: this side never sends its end, as a process that is stopped (SIGSTOP) never does.
      const stalled = createConnection({ path: name, allowHalfOpen: true });
      stalled.on('error', () => undefined);
      try {
        // Answered: the owner has accepted the connection, which stays open from this side.
        await new Promise<void>((resolve) => stalled.once('data', () => resolve()));
        stalled.pause();
        const started = Date.now();
        await lock.release();
        // Well before the owner's own bound on a taker's connection would cut it.
        expect(Date.now() - started).to.be.below(1_000);
        await (await RunLock.acquire(run(), { kind })).release();
      } finally {
        stalled.destroy();
      }
    });

    it('a folder that does not exist is not held, and cannot be locked', async () => {
      expect(await probeRunLock(join(tmp.path, 'none'), { kind })).to.deep.equal({ held: false });
      expect(await refusal(RunLock.acquire(join(tmp.path, 'none'), { kind }))).to.include({ code: 'ENOENT' });
    });
  });
}

describe('lib/load/run-lock (file): stale files', function () {
  this.timeout(30_000);
  const tmp = useTempDir('bulkpipe-lock-');

  it('a stale socket file is never removed: the next taker binds the next number, and racing takers still get one holder', async () => {
    const dir = join(tmp.path, 'run');
    await mkdir(dir);
    for (let i = 0; i < 2; i++) {
      const { child, held, exited } = holder(dir, 'file', true);
      await held;
      child.kill('SIGKILL');
      await exited;
    }
    expect((await readdir(dir)).sort()).to.deep.equal(['.run-lock.0', '.run-lock.1']);
    const tries = await Promise.allSettled(Array.from({ length: 8 }, () => RunLock.acquire(dir, { kind: 'file' })));
    const held = tries.filter((t) => t.status === 'fulfilled');
    expect(held).to.have.length(1);
    expect((await readdir(dir)).sort()).to.deep.equal(['.run-lock.0', '.run-lock.1', '.run-lock.2']);
    // An owner that closes removes its own file only.
    await (held[0] as PromiseFulfilledResult<RunLock>).value.release();
    expect((await readdir(dir)).sort()).to.deep.equal(['.run-lock.0', '.run-lock.1']);
  });

  it('a folder whose path is too long for a socket keeps its lock in the temp folder', async () => {
    const dir = join(tmp.path, 'a'.repeat(60), 'b'.repeat(60));
    await mkdir(dir, { recursive: true });
    const inTemp = async () => new Set((await readdir(tmpdir())).filter((n) => n.startsWith('bulkpipe-run-')));
    const before = await inTemp();
    const lock = await RunLock.acquire(dir, { kind: 'file' });
    expect(await readdir(dir)).to.deep.equal([]);
    expect([...(await inTemp())].filter((n) => !before.has(n))).to.have.length(1);
    expect((await refusal(RunLock.acquire(dir, { kind: 'file' }))).code).to.equal('BULK_LOCKED');
    await lock.release();
    expect(await probeRunLock(dir, { kind: 'file' })).to.deep.equal({ held: false });
  });
});
