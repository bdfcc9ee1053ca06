/**
 * Runs the local org as `bulkpipe server` in a child process, so that a benchmark's own RSS is the
 * client side's alone. Compiled (dist-bench/) the CLI is JavaScript too; from source, tsx runs it.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface OrgProcess {
  readonly loginUrl: string;
  readonly username: string;
  readonly password: string;
  stop(): Promise<void>;
}

export async function startOrgProcess(db: string): Promise<OrgProcess> {
  const compiled = fileURLToPath(new URL('../../bin/bulkpipe.js', import.meta.url));
  const cliArgs = existsSync(compiled) ? [compiled] : ['--import', 'tsx', fileURLToPath(new URL('../../bin/bulkpipe.ts', import.meta.url))];
  const server = spawn(process.execPath, [...cliArgs, 'server', '--port', '0', '--db', db, '--quiet'], { stdio: ['ignore', 'pipe', 'inherit'] });
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
    stop: async () => {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    },
  };
}
