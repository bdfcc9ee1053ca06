/**
 * Every command's flags, parsed one way: node's parseArgs, strict, with `-h/--help` on every
 * command, `--flag value` and `--flag=value` alike (a flag whose value may be left out, such as
 * `--pk-chunking`, takes the next word when it looks like its value), and one style of usage error
 * for what it refuses: `query: unknown option --fromat (did you mean --format?)`.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './usage-error.js';

type Options = NonNullable<ParseArgsConfig['options']>;

const HELP = { help: { type: 'boolean', short: 'h' } } as const;

export interface OptionalValue {
  /** What the flag means without a value, e.g. `default`. */
  readonly bare: string;
  /** Whether the next word is the flag's value (`--pk-chunking 50000`) rather than a positional. */
  readonly takes: (word: string) => boolean;
}

/** What parseArgs gives for these options (with `help`). */
export type ParsedCommand<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: O & typeof HELP; strict: true; allowPositionals: true }>>;

export function parseCommand<const O extends Options>(
  command: string,
  argv: readonly string[],
  options: O,
  optionalValues: Readonly<Record<string, OptionalValue>> = {},
): ParsedCommand<O> {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] as string;
    const flag = word.startsWith('--') ? optionalValues[word.slice(2)] : undefined;
    if (!flag) args.push(word);
    else if (i + 1 < argv.length && flag.takes(argv[i + 1] as string)) args.push(`${word}=${argv[++i]}`);
    else args.push(`${word}=${flag.bare}`);
  }
  const all = { ...options, ...HELP };
  try {
    return parseArgs({ args, options: all, strict: true, allowPositionals: true }) as ParsedCommand<O>;
  } catch (err) {
    throw usageErrorOf(command, err, Object.keys(all), all);
  }
}

/** parseArgs' own errors, in the CLI's words. */
function usageErrorOf(command: string, err: unknown, names: readonly string[], options: Options): Error {
  const { code, message } = err as { code?: string; message: string };
  const see = `(see bulkpipe ${command} --help)`;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const given = /'([^']+)'/.exec(message)?.[1] ?? '';
    const guess = closest(given.replace(/^-+/, '').split('=')[0] as string, names);
    return new UsageError(`${command}: unknown option ${given}${guess ? ` (did you mean --${guess}?)` : ''} ${see}`);
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const name = /'-(?:-)?([^' ]+)/.exec(message)?.[1] ?? '';
    const long = options[name] ? name : (Object.entries(options).find(([, o]) => o.short === name)?.[0] ?? name);
    return new UsageError(options[long]?.type === 'boolean' ? `${command}: --${long} takes no value ${see}` : `${command}: --${long} needs a value ${see}`);
  }
  return err as Error;
}

/** The option name nearest a misspelt one (within two edits, or one it starts), if any. */
export function closest(given: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const name of names) {
    const d = name.startsWith(given) && given.length >= 3 ? 0.5 : distance(given, name);
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  return bestDistance <= Math.min(2, Math.max(1, Math.floor(given.length / 3))) ? best : undefined;
}

/** Edits (insert, delete, substitute, swap two neighbours) from a to b. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i] as number[];
      const up = d[i - 1] as number[];
      row[j] = Math.min((up[j] as number) + 1, (row[j - 1] as number) + 1, (up[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j] as number, ((d[i - 2] as number[])[j - 2] as number) + 1);
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}
