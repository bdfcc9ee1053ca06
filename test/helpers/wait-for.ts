/**
 * Waits on explicit signals instead of fixed sleeps: a state seen through an API or a file, or a
 * line a process printed. A loaded CI machine can take seconds to start a process; these wait as long
 * as it takes (bounded by `timeoutMs`, under mocha's own timeout) and never race it.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitOptions {
  /** Between two probes; default 20 ms. */
  readonly intervalMs?: number;
  /** Give up (and fail the test with `what`) after this long; default 45 s. */
  readonly timeoutMs?: number;
}

/** Probes until `probe` returns something other than undefined or false; resolves to it. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, options: WaitOptions = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 45_000);
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(options.intervalMs ?? 20);
  }
}
