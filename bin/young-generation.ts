/**
 * A bound on V8's young generation, set while the process runs (issue 28). V8 doubles the new space
 * (two semi-spaces) up to 32 MB while much of what it allocates survives a scavenge; its maximum is
 * fixed at start (`--max-semi-space-size`, a flag of the node command, which a `bulkpipe` launcher
 * cannot take), but the growth factor is read at each growth: once the new space has reached the
 * bound it is set to 1 (no more growth), and back to 2 should V8 shrink it below half. The size is
 * looked at after each collection (a PerformanceObserver, between tasks): a synchronous stretch that
 * outgrows the new space twice before that could double it once more. A user's own semi-space flags
 * (NODE_OPTIONS, node's arguments) win: then nothing is changed.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

/** The bound in force, shared by every caller (two connections in one process: one observer, undone by the last). */
let shared: { users: number; undo: () => void } | undefined;

/** Keeps the new space (both semi-spaces) at most `maxBytes` from its next growth on; returns the undo. */
export function boundYoungGeneration(maxBytes: number, env: NodeJS.ProcessEnv = process.env, execArgv: readonly string[] = process.execArgv): () => void {
  if ([env.NODE_OPTIONS ?? '', ...execArgv].some((arg) => /semi[-_]space/.test(arg))) return () => undefined;
  shared ??= { users: 0, undo: observe(maxBytes) };
  const bound = shared;
  bound.users++;
  let undone = false;
  return () => {
    if (undone) return;
    undone = true;
    if (--bound.users > 0) return;
    bound.undo();
    shared = undefined;
  };
}

function observe(maxBytes: number): () => void {
  let growing = true;
  const check = (): void => {
    const size = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
    const grow = size * 2 <= maxBytes;
    if (grow === growing) return;
    growing = grow;
    setFlagsFromString(`--semi-space-growth-factor=${grow ? 2 : 1}`);
  };
  // After each collection, when V8 may have grown (or shrunk) the new space.
  const observer = new PerformanceObserver(check);
  observer.observe({ entryTypes: ['gc'] });
  check();
  return () => {
    observer.disconnect();
    if (!growing) setFlagsFromString('--semi-space-growth-factor=2');
  };
}
