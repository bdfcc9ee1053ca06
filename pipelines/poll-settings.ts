/** How long a run waits between polls, and in all: the options bulkLoad and bulkQuery share. */
export interface PollSettings {
  /** First and shortest wait between polls, ms; default 500 (lib/limits.ts); the wait backs off while nothing changes. */
  readonly minPollIntervalMs?: number;
  /** Longest wait between polls, ms; default 10 s. */
  readonly maxPollIntervalMs?: number;
  /** Most time waiting for the batches, ms; default 6 h. */
  readonly pollTimeoutMs?: number;
}
