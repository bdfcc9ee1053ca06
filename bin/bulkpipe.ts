#!/usr/bin/env node
/**
 * The bulkpipe command line. Exit codes: 0 success, 1 the run failed, 2 usage error. Errors are one
 * line (with the job id when there is one); `--debug` adds the stack.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { BulkError } from '../lib/errors.js';
import type { CliIo } from './cli-io.js';
import { CONNECTION_HELP } from './connection.js';
import { runJobCommand } from './job-command.js';
import { runServerCommand } from './server-command.js';
import { UsageError } from './usage-error.js';

const HELP = `Usage: bulkpipe <command> [options]

Commands:
  server   run the local org, a Bulk API server on SQLite (bulkpipe server --help)
  job      inspect, close or abort a job started elsewhere (bulkpipe job --help)

Options:
  --help       show help
  --version    show the version
  --debug      show stack traces on errors

${CONNECTION_HELP}`;

const COMMANDS: Record<string, (args: readonly string[], io: CliIo) => Promise<number>> = {
  job: runJobCommand,
  server: runServerCommand,
};

function version(): string {
  // The package root is one level above bin/ in the sources and two above dist/bin/.
  for (const up of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'bulkpipe' && pkg.version) return pkg.version;
    } catch {
      /* try the next candidate */
    }
  }
  return 'unknown';
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const debug = argv.includes('--debug');
  try {
    const [command, ...rest] = argv;
    if (command === '--version' || command === '-v') {
      io.stdout.write(`${version()}\n`);
      return 0;
    }
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      io.stdout.write(`${HELP}\n`);
      return command === undefined ? 2 : 0;
    }
    const run = COMMANDS[command];
    if (!run) throw new UsageError(command.startsWith('-') ? `unknown option ${command} (see bulkpipe --help)` : `unknown command ${JSON.stringify(command)} (see bulkpipe --help)`);
    return await run(rest, io);
  } catch (err) {
    const code = (err as { code?: string }).code;
    const usage = err instanceof UsageError || code?.startsWith('ERR_PARSE_ARGS') || code === 'BULK_INVALID_OPTION';
    const jobId = err instanceof BulkError && 'jobId' in err && err.jobId ? ` [job ${String(err.jobId)}]` : '';
    io.stderr.write(`bulkpipe: ${(err as Error).message}${jobId}\n`);
    if (debug && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
    return usage ? 2 : 1;
  }
}

// Run only when executed, not when imported by tests. npm links bin/bulkpipe to this file, so compare real paths.
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  const controller = new AbortController();
  let interrupted = false;
  const stop = (signal: NodeJS.Signals) => {
    // A second Ctrl-C exits at once.
    if (interrupted) process.exit(130);
    interrupted = true;
    controller.abort(new Error(`interrupted by ${signal}`));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, signal: controller.signal }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`bulkpipe: ${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
