/** FileLock: one holder at a time, in this process or another; let go by the OS when its holder is killed -9. */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { FileLock } from '../../server/store/file-lock.js';
import { useTempDir } from '../helpers/temp-dir.js';

/** A child process that takes the lock, says `held` (or `busy`) on stdout, and lives until killed. */
function holder(path: string) {
  const script = `import { FileLock } from ${JSON.stringify(new URL('../../server/store/file-lock.ts', import.meta.url).href)};
const lock = new FileLock(${JSON.stringify(path)});
process.stdout.write(lock.tryAcquire() ? 'held\\n' : 'busy\\n');
setInterval(() => {}, 60_000);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const said = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) resolve(out.trim());
    });
    child.once('exit', (code) => reject(new Error(`the holder exited with ${code}`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = () => {
    child.kill('SIGKILL');
    return exited;
  };
  return { said, kill };
}

describe('server: FileLock', function () {
  this.timeout(30_000);
  const tmp = useTempDir('bulkpipe-lock-');

  it('has one holder in a process: a second lock on the file is refused until the first lets go', () => {
    const path = join(tmp.path, 'a.lock');
    const first = new FileLock(path);
    const second = new FileLock(path);
    try {
      expect(first.tryAcquire()).to.equal(true);
      expect(first.held).to.equal(true);
      expect(first.tryAcquire(), 'taking it again is a no-op').to.equal(true);
      expect(second.tryAcquire()).to.equal(false);
      expect(second.held).to.equal(false);
      first.release();
      expect(first.held).to.equal(false);
      expect(second.tryAcquire()).to.equal(true);
      expect(first.tryAcquire()).to.equal(false);
    } finally {
      first.release();
      second.release();
    }
  });

  it('is refused while another process holds it, and free the moment that process is killed -9', async () => {
    const path = join(tmp.path, 'b.lock');
    const other = holder(path);
    expect(await other.said).to.equal('held');
    const lock = new FileLock(path);
    try {
      expect(lock.tryAcquire()).to.equal(false);
      await other.kill();
      expect(lock.tryAcquire()).to.equal(true);
      const late = holder(path);
      expect(await late.said, 'a third process is refused in turn').to.equal('busy');
      await late.kill();
    } finally {
      lock.release();
    }
  });
});
