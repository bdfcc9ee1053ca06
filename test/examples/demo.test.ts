/** The quick start's demo (examples/demo.sh, `npm start`): it runs to the end, and says where its org lives and what to run on it next; those commands work. */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('examples/demo.sh', function () {
  this.timeout(300_000);

  it('runs, names its org and the next commands, which work on that org', () => {
    const demo = spawnSync('sh', ['examples/demo.sh'], { cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' } });
    expect(demo.status, demo.stderr).to.equal(0);
    const home = /export BULKPIPE_HOME="([^"]+)"/.exec(demo.stdout)?.[1];
    expect(home, demo.stdout).to.be.a('string');
    expect(demo.stdout).to.contain(`The demo's org lives in ${home}/org.db`);
    const next = demo.stdout.split('\n').filter((l) => l.startsWith('  node dist/bin/bulkpipe.js') && !l.includes(' server'));
    expect(next.length).to.be.at.least(3);
    for (const line of next) {
      const command = line
        .replace(/\s+#.*$/, '')
        .replace(/ > results\.csv$/, '')
        .trim();
      const run = spawnSync('sh', ['-c', command], { cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', BULKPIPE_HOME: home as string } });
      expect(run.status, `${command}\n${run.stderr}`).to.equal(0);
      expect(run.stdout.length, command).to.be.above(0);
    }
  });
});
