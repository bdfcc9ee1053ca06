/**
 * boundYoungGeneration: V8's new space stops growing at the bound, grows again once undone, and a
 * user's own semi-space flag is left alone. Each case runs in a child: V8's flags are per process.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MODULE = fileURLToPath(new URL('../../bin/young-generation.ts', import.meta.url));

/** The new space's largest size (MB) in a child that allocates objects of which many survive a scavenge. */
function newSpaceMB(bound: boolean, undo: boolean, nodeOptions = '', twice = false): number {
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8';
    import { setTimeout as sleep } from 'node:timers/promises';
    const { boundYoungGeneration } = await import(${JSON.stringify(MODULE)});
    const unbound = ${bound} ? boundYoungGeneration(8 * 1024 * 1024) : () => undefined;
    // Twice: a second connection's bound, the first one undone: the bound holds until both are.
    const second = ${twice} ? boundYoungGeneration(8 * 1024 * 1024) : () => undefined;
    if (${undo}) unbound();
    let keep = [];
    let most = 0;
    for (let round = 0; round < 300; round++) {
      for (let i = 0; i < 10_000; i++) {
        keep.push({ i, text: 'x' + i });
        if (keep.length > 200_000) keep = keep.slice(100_000);
      }
      await sleep(1); // the GC observer's turn, as between a load's chunks
      most = Math.max(most, getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size);
    }
    unbound();
    second();
    console.log(most / 1048576);
  `;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: nodeOptions },
  });
  expect(child.status, child.stderr).to.equal(0);
  return Number(child.stdout.trim());
}

describe('bin: boundYoungGeneration', function () {
  this.timeout(60_000);

  it('grows the new space to 32 MB unbounded, to at most 8 MB bounded, and again once undone', () => {
    expect(newSpaceMB(false, false)).to.equal(32);
    expect(newSpaceMB(true, false)).to.be.within(2, 8);
    expect(newSpaceMB(true, true)).to.equal(32);
    expect(newSpaceMB(true, true, '', true)).to.be.within(2, 8);
  });

  it('leaves a semi-space flag of the user’s alone', () => {
    expect(newSpaceMB(true, false, '--max-semi-space-size=32')).to.be.above(8);
  });
});
