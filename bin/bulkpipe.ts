#!/usr/bin/env node
/**
 * The bulkpipe command line. Exit codes: 0 success, 1 the run failed, 2 usage error. Errors are one
 * line (with the job id when there is one); `--debug` adds the stack.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { BulkError } from '../lib/errors.js';
import { CONNECTION_HELP, CONNECTION_OPTIONS, connect } from './connection.js';
import { JOB_HELP, runJobCommand } from './job-command.js';
import { UsageError } from './usage-error.js';

const HELP = `Usage: bulkpipe <command> [options]

Commands:
  job      inspect, close or abort a job started elsewhere (bulkpipe job --help)

Options:
  --help       show help
  --version    show the version
  --debug      show stack traces on errors

${CONNECTION_HELP}`;

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

export interface CliIo {
  readonly stdout: NodeJS.WritableStream & import('node:stream').Writable;
  readonly stderr: NodeJS.WritableStream;
  readonly env: NodeJS.ProcessEnv;
  readonly signal: AbortSignal;
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let debug = argv.includes('--debug');
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: { help: { type: 'boolean' }, version: { type: 'boolean' }, debug: { type: 'boolean' }, ...CONNECTION_OPTIONS },
    });
    debug = values.debug ?? false;
    const [command, ...rest] = positionals;
    if (values.version) {
      io.stdout.write(`${version()}\n`);
      return 0;
    }
    if (command === 'job' && values.help) {
      io.stdout.write(`${JOB_HELP}\n\n${CONNECTION_HELP}\n`);
      return 0;
    }
    if (values.help || !command) {
      io.stdout.write(`${HELP}\n`);
      return values.help ? 0 : 2;
    }
    if (command !== 'job') throw new UsageError(`unknown command ${JSON.stringify(command)} (see bulkpipe --help)`);
    const client = await connect(values, io.env, io.signal);
    try {
      await runJobCommand(client, rest, io.stdout, io.signal);
    } finally {
      await client.close();
    }
    return 0;
  } catch (err) {
    const usage = err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    const jobId = err instanceof BulkError && 'jobId' in err && err.jobId ? ` [job ${String(err.jobId)}]` : '';
    io.stderr.write(`bulkpipe: ${(err as Error).message}${jobId}\n`);
    if (debug && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
    return usage || (err as { code?: string }).code === 'BULK_INVALID_OPTION' ? 2 : 1;
  }
}

// Run only when executed, not when imported by tests.
// npm links bin/bulkpipe to this file, so compare real paths.
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort(new Error('interrupted')));
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
