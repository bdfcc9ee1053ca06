import type { Readable, Writable } from 'node:stream';

/** What a command reads and writes, so that tests can run commands in-process too. */
export interface CliIo {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly env: NodeJS.ProcessEnv;
  /** Aborted at the first SIGINT / SIGTERM: a graceful stop. */
  readonly signal: AbortSignal;
  /** Told the job a command runs, so that a second Ctrl-C, which exits at once, can still name it. */
  readonly onJob?: (jobId: string) => void;
  /** Called by a load with the command that resumes it (asked when needed: the job id may come later). */
  readonly onResume?: (command: () => string) => void;
}

/** Whether a stream is a terminal (progress is drawn only there). */
export const isTerminal = (stream: Readable | Writable) => (stream as { isTTY?: boolean }).isTTY === true;
