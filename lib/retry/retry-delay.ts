/**
 * The wait before a record retry's attempt (issue 26): exponential from `baseMs` (attempt 2 waits
 * about baseMs, attempt 3 twice that, ...), bounded by `maxMs`, with jitter (half of it drawn at
 * random: "equal jitter"), so that segments that failed on the same lock do not come back together.
 */
export function retryDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const full = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 2));
  return Math.round(full / 2 + (full / 2) * random());
}
