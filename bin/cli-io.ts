import type { Writable } from 'node:stream';

/** What a command reads and writes, so that tests can run commands in-process too. */
export interface CliIo {
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly env: NodeJS.ProcessEnv;
  /** Aborted on SIGINT / SIGTERM. */
  readonly signal: AbortSignal;
}
