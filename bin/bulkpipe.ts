#!/usr/bin/env node
/**
 * The bulkpipe command line. Exit codes: 0 success, 3 some records failed (load), 1 the run failed,
 * 2 usage error (or a daily limit of the org too short for the run, before any job), 130 interrupted. Errors are one line (with the job id when there is one); `--debug`
 * adds the stack. No heap flags: a load's memory stays flat by itself (under 150 MB RSS for any
 * input size, see benchmarks/RESULTS.md).
 */
import { readFileSync, realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { AbortedError, BulkError } from '../lib/errors.js';
import type { CliIo } from './cli-io.js';
import { CONNECTION_HELP } from './connection.js';
import { closest } from './parse-command.js';
import { UsageError } from './usage-error.js';

const HELP = `Usage: bulkpipe <command> [options]

Commands (bulkpipe help <command>, or bulkpipe <command> --help, for each):
  load     load a file or stdin into Salesforce (bulkpipe load --help)
  query    run a bulk query, rows to stdout or a file (bulkpipe query --help)
  job      list, inspect, close or abort jobs (bulkpipe job --help)
  server   run the local org, a Bulk API server on SQLite (bulkpipe server --help)
  bench    measure loads over a sweep of settings (bulkpipe bench --help)
  limits   the org's daily limits: Bulk API batches, query jobs, API requests (bulkpipe limits --help)

Options:
  -h, --help     show help
  -v, --version  show the version
  --debug        show stack traces on errors

Examples:
  bulkpipe load Account accounts.csv
  cat contacts.ndjson | bulkpipe load Contact - --format ndjson --content-type JSON
  bulkpipe query "SELECT Id, Name FROM Account" > accounts.csv

${CONNECTION_HELP}`;

/** Each command is loaded when it runs: a load never pays for the query's SOQL parser or the local org. */
type Command = () => Promise<(args: readonly string[], io: CliIo) => Promise<number>>;
const COMMANDS: Record<string, Command> = {
  load: async () => (await import('./load-command.js')).runLoadCommand,
  query: async () => (await import('./query-command.js')).runQueryCommand,
  job: async () => (await import('./job-command.js')).runJobCommand,
  server: async () => (await import('./server-command.js')).runServerCommand,
  bench: async () => (await import('./bench-command.js')).runBenchCommand,
  limits: async () => (await import('./limits-command.js')).runLimitsCommand,
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
  let currentJob: string | undefined;
  const commandIo: CliIo = {
    ...io,
    onJob: (id) => {
      currentJob = id;
      io.onJob?.(id);
    },
  };
  try {
    const [command, ...rest] = argv;
    if (command === '--version' || command === '-v') {
      io.stdout.write(`${version()}\n`);
      return 0;
    }
    // `bulkpipe help load` is `bulkpipe load --help`.
    if (command === 'help' && rest[0] !== undefined && COMMANDS[rest[0]]) return await (await (COMMANDS[rest[0]] as Command)())(['--help'], commandIo);
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      io.stdout.write(`${HELP}\n`);
      return command === undefined ? 2 : 0;
    }
    const load = COMMANDS[command];
    if (!load) {
      const guess = closest(command.replace(/^-+/, ''), command.startsWith('-') ? ['help', 'version', 'debug'] : Object.keys(COMMANDS));
      const hint = guess ? ` (did you mean ${command.startsWith('-') ? '--' : ''}${guess}?)` : '';
      throw new UsageError(
        command.startsWith('-') ? `unknown option ${command}${hint} (see bulkpipe --help)` : `unknown command ${JSON.stringify(command)}${hint} (see bulkpipe --help)`,
      );
    }
    return await (await load())(rest, commandIo);
  } catch (err) {
    const code = (err as { code?: string }).code;
    // A daily limit too short for the run, or an object the org does not have, is refused before any job, as a usage error is: exit 2.
    const usage =
      err instanceof UsageError ||
      code?.startsWith('ERR_PARSE_ARGS') ||
      code === 'BULK_INVALID_OPTION' ||
      code === 'BULK_COLUMNS' ||
      code === 'BULK_DAILY_LIMIT' ||
      code === 'BULK_UNKNOWN_OBJECT';
    const interrupted = io.signal.aborted && (err instanceof AbortedError || (err as Error).name === 'AbortError');
    const errorJob = err instanceof BulkError && 'jobId' in err && err.jobId ? String(err.jobId) : undefined;
    const jobId = errorJob ?? currentJob;
    const message = interrupted ? 'interrupted' : (err as Error).message;
    io.stderr.write(`bulkpipe: ${message}${jobId ? ` [job ${jobId}]` : ''}\n`);
    if (debug && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
    return usage ? 2 : interrupted ? 130 : 1;
  }
}

// Run only when executed, not when imported by tests. npm links bin/bulkpipe to this file, so compare real paths.
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  // The CLI is a bundle (scripts/bundle.mjs): with --debug, the stack names the TypeScript sources, through the source maps of
  // the modules loaded from here on (the command's chunks; the entry's own are loaded already). Only then: reading maps costs.
  if (process.argv.includes('--debug')) process.setSourceMapsEnabled(true);
  const controller = new AbortController();
  let interrupted = false;
  let job: string | undefined;
  let resume: (() => string) | undefined;
  // On a terminal the progress line (and the ^C echoed into it) is wiped, not left above the message.
  const wipe = () => (process.stderr.isTTY ? '\r\x1b[2K' : '');
  const stop = (signal: NodeJS.Signals) => {
    // A second Ctrl-C exits at once, naming the job that may still be open.
    if (interrupted) {
      const ledger = resume ? `; the ledger is kept: finish the load with: ${resume()}` : job ? `; job ${job} may still be open: bulkpipe job close ${job}` : '';
      process.stderr.write(`${wipe()}bulkpipe: stopped at once${ledger}\n`);
      process.exit(130);
    }
    interrupted = true;
    process.stderr.write(`${wipe()}bulkpipe: ${signal === 'SIGINT' ? 'Ctrl-C' : signal}: stopping (press Ctrl-C again to exit at once)\n`);
    controller.abort(new Error(`interrupted by ${signal}`));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // A reader that goes away (`| head`) is handled by the commands; never crash on a late EPIPE.
  process.stdout.on('error', () => undefined);
  const io: CliIo = {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    signal: controller.signal,
    onJob: (id) => (job = id),
    onResume: (command) => (resume = command),
  };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`bulkpipe: ${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
