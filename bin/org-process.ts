/**
 * Runs the local org as `bulkpipe server` in a child process, so that a benchmark's own CPU time and
 * RSS are the client side's alone (`bulkpipe bench`, benchmarks/). Compiled, the CLI is JavaScript;
 * from source, tsx runs it.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface OrgProcess {
  readonly loginUrl: string;
  readonly username: string;
  readonly password: string;
  /** The server's process id: a benchmark reads its CPU time and peak RSS from /proc. */
  readonly pid: number;
  /** SIGTERM by default (a graceful stop); SIGKILL for a crash. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * `port` 0 for any free one; a fixed port lets a fault soak start it again where its clients look.
 * `stderr`: the server's log lines and stop notices go to ours, or nowhere (`bulkpipe bench`).
 * `args`: more flags of `bulkpipe server` (`--faults`, `--user`).
 */
export async function startOrgProcess(db: string, port = 0, stderr: 'inherit' | 'ignore' = 'inherit', args: readonly string[] = []): Promise<OrgProcess> {
  // Beside this file in tsc's output (dist-bench/bin/), one folder up from the CLI bundle's chunks (dist/bin/chunks/).
  const compiled = ['./bulkpipe.js', '../bulkpipe.js'].map((path) => fileURLToPath(new URL(path, import.meta.url))).find((path) => existsSync(path));
  const cliArgs = compiled ? [compiled] : ['--import', 'tsx', fileURLToPath(new URL('./bulkpipe.ts', import.meta.url))];
  const server = spawn(process.execPath, [...cliArgs, 'server', '--port', String(port), '--db', db, '--quiet', ...args], { stdio: ['ignore', 'pipe', stderr] });
  const pid = server.pid;
  if (pid === undefined) throw new Error(`could not start ${process.execPath}`);
  const info = await new Promise<{ loginUrl: string; username: string; password: string }>((resolve, reject) => {
    let out = '';
    server.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0] as string));
    });
    server.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return {
    ...info,
    pid,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (server.exitCode !== null || server.signalCode !== null) return;
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill(signal);
      await exited;
    },
  };
}
