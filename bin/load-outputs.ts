/**
 * The success, error and results files of `bulkpipe load`: their working and final names, checked
 * before any connection, settled (renamed, or copied to stdout) once the load completes. What a
 * resume needs to name them as the run began is kept in the run's folder (`outputs.json`), never
 * decoded from a file name.
 */
import { constants, createReadStream } from 'node:fs';
import { access, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { OutputCopyError } from '../lib/errors.js';
import { toStdout } from './cli-io.js';
import { UsageError } from './usage-error.js';

/** A usage error unless `path` names a file that can be created or overwritten. */
export async function checkWritable(flag: string, path: string): Promise<void> {
  const fail = (why: string) => new UsageError(`load: cannot write ${flag} ${path}: ${why}`);
  const existing = await stat(path).catch(() => undefined);
  if (existing?.isDirectory()) throw fail('it is a folder');
  const folder = dirname(resolve(path));
  const parent = await stat(folder).catch(() => undefined);
  if (!parent?.isDirectory()) throw fail(`no folder ${folder}`);
  await access(existing ? path : folder, constants.W_OK).catch(() => {
    throw fail('permission denied');
  });
}

/**
 * The success, error and results files: written under working names, renamed once the load
 * completes (the default names carry the job id). Given names are used as they are. `-` is stdout:
 * the file is written under a working name like the others (so that whole segments only are kept,
 * and a resume can append to it) and copied to stdout once the load completes. A load that fails
 * keeps the working names, which its ledger records, so that its resume appends to the same files.
 */
export class Outputs {
  readonly success: OutputName;
  readonly errors: OutputName;
  readonly results: OutputName | undefined;
  readonly #base: string;

  private constructor(base: string, names: OutputNames) {
    this.#base = base;
    this.success = names.success;
    this.errors = names.errors;
    this.results = names.results;
  }

  /** The outputs the flags give (`-` is stdout, none a default name); `base`: the absolute path the default names start with. */
  static given(base: string, given: { success: string | undefined; errors: string | undefined; results?: string | undefined }): Outputs {
    return new Outputs(base, {
      success: outputName(base, 'success', 'csv', given.success, true) as OutputName,
      errors: outputName(base, 'errors', 'csv', given.errors, true) as OutputName,
      results: outputName(base, 'results', 'ndjson', given.results, false),
    });
  }

  /** Kept in the run's folder before the load starts, so that its resume names the outputs as it began. */
  async save(runDir: string): Promise<void> {
    const saved: SavedOutputs = { version: 1, base: this.#base, success: this.success, errors: this.errors, results: this.results ?? null };
    const path = join(runDir, OUTPUTS_FILE);
    await writeFile(`${path}.tmp`, `${JSON.stringify(saved)}\n`);
    await rename(`${path}.tmp`, path);
  }

  /**
   * The outputs of the run in `runDir`, as it saved them. A run from before they were saved (or whose
   * file is damaged) has only its ledger's paths: they are read as that bulkpipe wrote them (below).
   */
  static async saved(runDir: string, paths: LedgerPaths): Promise<Outputs> {
    const text = await readFile(join(runDir, OUTPUTS_FILE), 'utf8').catch(() => undefined);
    const saved = parseSaved(text);
    if (saved) return new Outputs(saved.base, { success: saved.success, errors: saved.errors, results: saved.results ?? undefined });
    return Outputs.#fromLedger(paths);
  }

  /**
   * The outputs of a run that an earlier bulkpipe began, before `outputs.json`: it wrote a default or
   * stdout output under the working name `<base>.bulkpipe-<pid>.<kind>[.stdout].<ext>.partial`, and
   * its ledger holds no other trace of which it was. Read once, for such runs only; any other path was
   * given, and is kept as it is.
   */
  static #fromLedger(paths: LedgerPaths): Outputs {
    const legacy = /\.bulkpipe-\d+\.(?:success|errors|results)(\.stdout)?\.(?:csv|ndjson)\.partial$/;
    const base = [paths.success, paths.errors, paths.results].find((p) => p !== undefined && legacy.test(p))?.replace(legacy, '') ?? resolve('stdin');
    const named = (kind: string, extension: string, path: string | undefined, byDefault: boolean): OutputName | undefined => {
      const working = path === undefined ? undefined : legacy.exec(path);
      if (!working) return outputName(base, kind, extension, path, byDefault);
      return { partial: path as string, final: '', named: false, stdout: working[1] !== undefined };
    };
    return new Outputs(base, {
      success: named('success', 'csv', paths.success, true) as OutputName,
      errors: named('errors', 'csv', paths.errors, true) as OutputName,
      results: named('results', 'ndjson', paths.results, false),
    });
  }

  /** "success: FILE, errors: stdout", for the files written. */
  describe(): string {
    return (['success', 'errors', 'results'] as const)
      .flatMap((kind) => {
        const output = this[kind];
        return output?.final ? [`${kind}: ${output.final}`] : [];
      })
      .join(', ');
  }

  /** The same, under the working names a failed load keeps. */
  describeWorking(): string {
    return `success: ${this.success.partial}, errors: ${this.errors.partial}${this.results ? `, results: ${this.results.partial}` : ''}`;
  }

  /**
   * Gives the default files their names and copies a stdout output to stdout; a file the run never
   * opened is skipped. The default names carry the job id. With no job nothing is in the org: the
   * success file holds nothing and is removed, and an error file that holds records (every one
   * rejected before upload) is named for the run instead (`<input>.<run id>.errors.csv`).
   */
  async settle(run: { readonly jobId: string | undefined; readonly runId: string; readonly failed: number }, stdout: Writable): Promise<void> {
    const { jobId } = run;
    for (const kind of ['success', 'errors', 'results'] as const) {
      const output = this[kind];
      if (!output || output.named) continue;
      if (jobId === undefined && !output.stdout && !(kind === 'errors' && run.failed > 0)) {
        await rm(output.partial, { force: true });
        continue;
      }
      if (output.stdout) {
        // A copy that fails (not a reader that went away) keeps the file, and says so.
        await toStdout(pipeline(createReadStream(output.partial), stdout, { end: false })).catch((err: Error) => {
          throw new OutputCopyError(
            `the ${kind} could not be copied to stdout (${err.message}); they are in ${output.partial}`,
            { output: kind, path: output.partial },
            { cause: err },
          );
        });
        await rm(output.partial, { force: true });
        output.final = 'stdout';
        continue;
      }
      output.final = `${this.#base}.${jobId ?? run.runId}.${kind}.csv`;
      await rename(output.partial, output.final).catch(() => {
        output.final = '';
      });
    }
  }

  /** Whether one of the outputs goes to stdout (then the JSON summary goes to stderr). */
  get anyToStdout(): boolean {
    return this.success.stdout || this.errors.stdout || this.results?.stdout === true;
  }
}

/** Where an output is written (`partial`) and ends up (`final`: '' until the load completes, or for a default name it did not get). */
export interface OutputName {
  partial: string;
  final: string;
  /** Given by the user: written in place, kept as it is. */
  readonly named: boolean;
  /** `-`: copied to stdout once the load completes. */
  readonly stdout: boolean;
}

/** The output paths a run's ledger holds. */
interface LedgerPaths {
  readonly success: string | undefined;
  readonly errors: string | undefined;
  readonly results: string | undefined;
}

/** `outputs.json`'s content, or undefined when it is missing or not what a version 1 file holds. */
function parseSaved(text: string | undefined): SavedOutputs | undefined {
  if (text === undefined) return undefined;
  try {
    const saved = JSON.parse(text) as Partial<SavedOutputs> | null;
    return saved?.version === 1 && typeof saved.base === 'string' && saved.success && saved.errors ? (saved as SavedOutputs) : undefined;
  } catch {
    return undefined;
  }
}

/** The outputs as `outputs.json` holds them. */
interface SavedOutputs {
  readonly version: 1;
  readonly base: string;
  readonly success: OutputName;
  readonly errors: OutputName;
  readonly results: OutputName | null;
}

interface OutputNames {
  readonly success: OutputName;
  readonly errors: OutputName;
  readonly results: OutputName | undefined;
}

const OUTPUTS_FILE = 'outputs.json';

/** A default or stdout output is written under a working name (`<base>.bulkpipe-<pid>.<kind>[.stdout].<ext>.partial`) until the load completes. */
function outputName(base: string, kind: string, extension: string, given: string | undefined, byDefault: boolean): OutputName | undefined {
  const working = (stdout: boolean) => `${base}.bulkpipe-${process.pid}.${kind}${stdout ? '.stdout' : ''}.${extension}.partial`;
  if (given === '-') return { partial: working(true), final: '', named: false, stdout: true };
  if (given !== undefined) return { partial: resolve(given), final: resolve(given), named: true, stdout: false };
  return byDefault ? { partial: working(false), final: '', named: false, stdout: false } : undefined;
}
