/**
 * The input of `bulkpipe load`: the FILE argument or stdin, its format, and the CSV field separator
 * sniffed from its first bytes (a file's head is read; stdin's first chunk is read and put back).
 */
import { open, stat } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { delimiterOption, detectDelimiter } from '../lib/csv/delimiter.js';
import { gunzippedHead, withoutGz } from '../lib/streams/gunzip.js';
import { formatOfPath, type InputFormat } from '../lib/records/input-format.js';
import { isTerminal, type CliIo } from './cli-io.js';
import { UsageError } from './usage-error.js';
import { fileErrorWords } from '../lib/text/file-error-words.js';

export interface LoadInput {
  /** A file's absolute path, or stdin. */
  readonly input: string | Readable;
  readonly source: string;
  readonly format: InputFormat;
  /** Bytes, for a regular file: percent and ETA. */
  readonly size: number | undefined;
  /** Default output names start with this (an absolute path without extension). */
  readonly base: string;
}

/** The FILE argument (or stdin): its path, format (from the extension unless given) and size; a usage error when it cannot be read. */
export async function openInput(file: string | undefined, format: InputFormat | undefined, io: CliIo): Promise<LoadInput> {
  if (file === undefined || file === '-') {
    if (file === undefined && isTerminal(io.stdin)) throw new UsageError('load: give a FILE, or pipe the records into stdin (use - to read stdin explicitly)');
    return { input: io.stdin, source: 'stdin', format: format ?? 'csv', size: undefined, base: resolve('stdin') };
  }
  const path = resolve(file);
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new UsageError(`load: ${file} is not a file`);
    size = info.size;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`load: cannot read ${file}: ${fileErrorWords(err)}`);
  }
  // accounts.csv.gz is a CSV file, gzipped: read as it is decompressed.
  const named = withoutGz(file);
  const guessed = format ?? formatOfPath(named);
  if (!guessed) throw new UsageError(`load: cannot tell the format of ${file} from its extension: give --format csv|ndjson|json|xml`);
  return { input: path, source: file, format: guessed, size, base: resolve(basename(named, extname(named))) };
}

/**
 * The CSV field separator: the one given, or the one the header line uses (read from the file's
 * first bytes, or from the first chunk of stdin, which is put back); a comma is the default.
 */
export async function delimiterFor(flag: string | undefined, input: LoadInput, io: CliIo, quiet: boolean): Promise<{ delimiter?: string }> {
  if (input.format !== 'csv') {
    if (flag !== undefined) throw new UsageError('load: --delimiter is for CSV input');
    return {};
  }
  if (flag !== undefined) {
    try {
      return { delimiter: String.fromCharCode(delimiterOption(flag)) };
    } catch (err) {
      throw new UsageError(`load: ${(err as Error).message}`);
    }
  }
  const head = gunzippedHead(typeof input.input === 'string' ? await readHead(input.input) : await peekChunk(input.input));
  const found = String.fromCharCode(detectDelimiter(head));
  if (found === ',') return {};
  if (!quiet) io.stderr.write(`bulkpipe: the header line is separated by ${found === '\t' ? 'tabs' : `"${found}"`}: reading the records so (--delimiter says otherwise)\n`);
  return { delimiter: found };
}

async function readHead(path: string): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const { bytesRead } = await file.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

/** The stream's first chunk, put back to be read again. */
function peekChunk(stream: Readable): Promise<Buffer> {
  return new Promise((resolvePeek, reject) => {
    const done = (chunk: Buffer) => {
      stream.off('readable', onReadable).off('end', onEnd).off('error', reject);
      resolvePeek(chunk);
    };
    const onReadable = () => {
      const chunk = stream.read() as Buffer | null;
      if (chunk === null) return;
      stream.unshift(chunk);
      done(chunk);
    };
    const onEnd = () => done(Buffer.alloc(0));
    stream.on('readable', onReadable).on('end', onEnd).on('error', reject);
  });
}
