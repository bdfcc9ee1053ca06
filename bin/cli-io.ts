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

/** A reader that went away: EPIPE on stdout, or the pipe torn down under us. */
export function isClosedOutput(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'EPIPE' || code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ERR_STREAM_DESTROYED';
}

/** Writing to stdout until done or until its reader goes away (`| head` has what it wanted: not an error). */
export async function toStdout(writing: Promise<void>): Promise<void> {
  try {
    await writing;
  } catch (err) {
    if (!isClosedOutput(err)) throw err;
  }
}
