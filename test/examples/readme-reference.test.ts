/**
 * The README's reference cannot drift from the code (issue 27): each command's table lists exactly
 * the flags its parser takes (with their short forms), the connection and common flags have one table
 * each, every command has a table, and no --help names a flag the parser refuses; the library's table
 * names every runtime export of each entry, and nothing that is not one.
 */
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { BENCH_OPTIONS } from '../../bin/bench-command.js';
import { main } from '../../bin/bulkpipe.js';
import { CONNECTION_OPTIONS } from '../../bin/connection.js';
import { COMMON_OPTIONS } from '../../bin/flags.js';
import { JOB_OPTIONS } from '../../bin/job-command.js';
import { LIMITS_OPTIONS } from '../../bin/limits-command.js';
import { LOAD_OPTIONS } from '../../bin/load-command.js';
import { QUERY_OPTIONS } from '../../bin/query-command.js';
import { SERVER_OPTIONS } from '../../bin/server-command.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

type Spec = Readonly<Record<string, { readonly type: string; readonly short?: string }>>;
const COMMANDS: Readonly<Record<string, Spec>> = {
  load: LOAD_OPTIONS,
  query: QUERY_OPTIONS,
  job: JOB_OPTIONS,
  server: SERVER_OPTIONS,
  limits: LIMITS_OPTIONS,
  bench: BENCH_OPTIONS,
};
/** What every command takes (parseCommand adds -h/--help), and the root's -v/--version. */
const EVERY_COMMAND: Spec = { help: { type: 'boolean', short: 'h' }, ...COMMON_OPTIONS, version: { type: 'boolean', short: 'v' } };

/** The README's reference: for each `### ...` heading, the table rows' first cells and the section's text. */
async function referenceSections(): Promise<Map<string, { cells: string[]; text: string }>> {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const sections = new Map<string, { cells: string[]; text: string }>();
  let current: { cells: string[]; text: string } | undefined;
  let fenced = false;
  for (const line of readme.split('\n')) {
    if (/^```/.test(line)) fenced = !fenced;
    const heading = fenced ? null : /^#{1,3} (.*)$/.exec(line);
    if (heading) {
      current = { cells: [], text: '' };
      sections.set((heading[1] as string).replaceAll('`', ''), current);
    } else if (current) {
      current.text += `${line}\n`;
      const cell = /^\|([^|]*)\|/.exec(line)?.[1];
      if (cell !== undefined && !/^\s*-+\s*$/.test(cell)) current.cells.push(cell);
    }
  }
  return sections;
}

/** The long flags a table's first column names, each with the short forms on its row. */
function tableFlags(cells: readonly string[]): Map<string, string[]> {
  const flags = new Map<string, string[]>();
  for (const cell of cells) {
    const longs = [...cell.matchAll(/(?<![\w-])--([a-z][a-z0-9-]*)/g)].map((m) => m[1] as string);
    const shorts = [...cell.matchAll(/(?<![\w-])-([a-zA-Z])\b/g)].map((m) => m[1] as string);
    for (const long of longs) flags.set(long, shorts);
  }
  return flags;
}

/** `bulkpipe ARGS` in this process, its stdout. */
async function run(args: readonly string[]): Promise<string> {
  const stdout = new PassThrough();
  let text = '';
  stdout.on('data', (c: Buffer) => (text += c.toString()));
  const code = await main(args, { stdin: Readable.from([]), stdout, stderr: new PassThrough(), env: {}, signal: new AbortController().signal });
  expect(code, args.join(' ')).to.equal(0);
  return text;
}

describe('README: the command-line reference lists every flag of the parser, and none besides', () => {
  const connection = Object.keys(CONNECTION_OPTIONS);
  const common = Object.keys(EVERY_COMMAND);
  let sections: Map<string, { cells: string[]; text: string }>;
  before(async () => {
    sections = await referenceSections();
  });

  const section = (name: string) => {
    const found = sections.get(name);
    expect(found, `README section "${name}"`).not.to.equal(undefined);
    return found as { cells: string[]; text: string };
  };

  it('has a table for each command bulkpipe --help lists, and for no other', async () => {
    const help = await run(['--help']);
    const listed = [...(help.split('\nCommands')[1]?.split('\n\n')[0] ?? '').matchAll(/^ {2}([a-z]+) /gm)].map((m) => m[1] as string);
    expect(listed.sort()).to.deep.equal(Object.keys(COMMANDS).sort());
    const documented = [...sections.keys()].filter((h) => /^bulkpipe [a-z]+$/.test(h)).map((h) => h.slice('bulkpipe '.length));
    expect(documented.sort()).to.deep.equal(Object.keys(COMMANDS).sort());
  });

  it('the connection table and the every-command table: exactly their flags, short forms too', () => {
    expect([...tableFlags(section('Connection').cells).keys()].sort()).to.deep.equal([...connection].sort());
    const every = tableFlags(section('Every command').cells);
    expect([...every.keys()].sort()).to.deep.equal([...common].sort());
    for (const [name, spec] of Object.entries(EVERY_COMMAND)) if (spec.short) expect(every.get(name), `--${name}`).to.include(spec.short);
  });

  for (const [command, spec] of Object.entries(COMMANDS)) {
    it(`bulkpipe ${command}: its table has each of its own flags once (with its short form), its section links the shared tables it takes`, () => {
      const { cells, text } = section(`bulkpipe ${command}`);
      const names = Object.keys(spec);
      const takesConnection = connection.every((c) => names.includes(c));
      const own = names.filter((n) => !(takesConnection && connection.includes(n)) && !common.includes(n));
      const documented = tableFlags(cells);
      expect([...documented.keys()].sort(), `bulkpipe ${command}`).to.deep.equal([...own].sort());
      expect(cells.flatMap((c) => [...c.matchAll(/(?<![\w-])--([a-z][a-z0-9-]*)/g)]).length, 'each flag once').to.equal(own.length);
      for (const name of own) {
        const short = spec[name]?.short;
        expect(documented.get(name), `--${name}`).to.deep.equal(short ? [short] : []);
      }
      expect(text.includes('(#every-command)'), 'links the every-command table').to.equal(true);
      expect(text.includes('(#connection)'), 'links the connection table').to.equal(takesConnection);
    });

    it(`bulkpipe ${command} --help names no flag the parser refuses`, async () => {
      const help = await run([command, '--help']);
      const named = new Set([...help.matchAll(/(?<![\w-])--([a-z][a-z0-9-]*)/g)].map((m) => m[1] as string));
      // A help may name another command's flag where it names that command (`bulkpipe load --resume`).
      const others = Object.entries(COMMANDS).filter(([other]) => other !== command && help.includes(`bulkpipe ${other}`));
      const known = (n: string) => n in spec || n === 'help' || others.some(([, o]) => n in o);
      expect([...named].filter((n) => !known(n))).to.deep.equal([]);
    });
  }
});

describe('README: the library reference names every export of each entry, and only exports', () => {
  const entries: Record<string, () => Promise<Record<string, unknown>>> = {
    bulkpipe: () => import('../../index.js'),
    'bulkpipe/wire': () => import('../../lib/wire/index.js'),
    'bulkpipe/bench': () => import('../../bench/index.js'),
    'bulkpipe/server': () => import('../../server/index.js'),
  };

  it('the entries table and the errors table', async () => {
    const sections = await referenceSections();
    const api = sections.get('Library API');
    const errors = sections.get('Errors');
    expect(api, 'README section "Library API"').not.to.equal(undefined);
    expect(errors, 'README section "Errors"').not.to.equal(undefined);
    const named = new Map<string, Set<string>>();
    for (const line of (api?.text ?? '').split('\n')) {
      const [, entry, names] = /^\| `(bulkpipe[\w/]*)`[^|]*\|([^|]*)\|/.exec(line) ?? [];
      if (entry === undefined || names === undefined) continue;
      const set = named.get(entry) ?? new Set<string>();
      for (const [, name] of names.matchAll(/`(\w+)`/g)) set.add(name as string);
      named.set(entry, set);
    }
    // The error classes are the root's, in their own table.
    for (const line of (errors?.text ?? '').split('\n')) {
      const classes = /^\|[^|]*\|([^|]*)\|/.exec(line)?.[1] ?? '';
      for (const [, name] of classes.matchAll(/`(\w+)`/g)) named.get('bulkpipe')?.add(name as string);
    }
    expect([...named.keys()].sort()).to.deep.equal(Object.keys(entries).sort());
    for (const [entry, load] of Object.entries(entries)) {
      const exported = Object.keys(await load());
      const documented = named.get(entry) ?? new Set<string>();
      expect(
        exported.filter((name) => !documented.has(name)),
        `${entry}: exports the README does not name`,
      ).to.deep.equal([]);
      expect(
        [...documented].filter((name) => !exported.includes(name)),
        `${entry}: names the README gives that it does not export`,
      ).to.deep.equal([]);
    }
  });
});
