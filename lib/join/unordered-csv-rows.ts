/**
 * The rows of a CSV file on disk as field places in a chunk, handed one at a time to a synchronous
 * callback: the unordered join hashes values straight from the bytes, so that no string or object
 * is made per row. Fields may be quoted (`""` for a quote, line breaks inside) or not; a quote
 * inside an unquoted field is literal (as CsvRecordScanner reads it); LF, CRLF or CR ends a row;
 * an empty line is no row; a UTF-8 BOM at the start is skipped.
 * Memory: one chunk (256 KiB, shared by the reads of one join), grown only for a row longer than it,
 * up to MAX_ROW_BYTES.
 */
import { open } from 'node:fs/promises';
import { AbortedError, ParseError, SpoolError } from '../errors.js';
import { errorCodeOf } from '../errors/bulk-error.js';
import { CsvRow, ROW_BAD_QUOTE, ROW_CUT, readRow } from './csv-row.js';
import { ReusedBuffer } from './unordered-buffer.js';

export { CsvRow };

const LF = 0x0a;
const CR = 0x0d;
const CHUNK_BYTES = 256 * 1024;
/** The longest row read: a Bulk API record is at most 10 MB (v1 batch limit), so this is far past any real one. */
const MAX_ROW_BYTES = 64 * 1024 * 1024;

export interface CsvRowsOptions {
  /** What the file is, for errors: `payload of segment 3`, `failedResults`. */
  readonly source: string;
  readonly signal?: AbortSignal | undefined;
  /** Called after each chunk's rows, awaited: where the callback's writes are flushed. */
  readonly afterChunk?: () => Promise<void>;
  /** The read buffer, when the caller reads several files in turn (default: one of its own). */
  readonly buffer?: ReusedBuffer;
}

/** A read buffer of the usual chunk size. */
export const readBuffer = () => new ReusedBuffer(CHUNK_BYTES);

/** Calls `onRow(row, index)` for each row of the file (index 0 is the header, if it has one); returns the number of rows. */
export async function forEachCsvRow(path: string, onRow: (row: CsvRow, index: number) => void, options: CsvRowsOptions): Promise<number> {
  const { source, signal, afterChunk } = options;
  const holder = options.buffer ?? readBuffer();
  const row = new CsvRow();
  let file: Awaited<ReturnType<typeof open>>;
  try {
    file = await open(path, 'r');
  } catch (err) {
    throw ioError(path, 'open', err);
  }
  let buf = holder.buf;
  let len = 0;
  let index = 0;
  let first = true;
  try {
    for (let eof = false; !eof; ) {
      if (signal?.aborted) throw new AbortedError(`reading ${source}`, signal.reason);
      if (len === buf.length) {
        if (buf.length >= MAX_ROW_BYTES) throw new ParseError(`a row longer than ${MAX_ROW_BYTES} bytes`, { source, record: index + 1 });
        buf = holder.atLeast(buf.length * 2, len);
      }
      let bytesRead: number;
      try {
        ({ bytesRead } = await file.read(buf, len, buf.length - len, null));
      } catch (err) {
        throw ioError(path, 'read', err);
      }
      eof = bytesRead === 0;
      len += bytesRead;
      const data = buf.subarray(0, len);
      row.buf = data;
      let pos = 0;
      if (first && len >= 3) {
        first = false;
        if (data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf) pos = 3;
      }
      while (pos < len) {
        const c = data[pos];
        if (c === LF || c === CR) {
          if (c === CR && pos + 1 >= len && !eof) break; // a CRLF cut by the chunk edge
          pos += c === CR && data[pos + 1] === LF ? 2 : 1; // an empty line is no row
          continue;
        }
        const end = readRow(data, pos, row, eof);
        if (end === ROW_BAD_QUOTE) throw new ParseError('a closing quote must be followed by a comma or a line end', { source, record: index + 1, column: row.count + 1 });
        if (end === ROW_CUT && eof) throw new ParseError('unterminated quoted field at the end of the file', { source, record: index + 1 });
        if (end < 0) break;
        pos = end;
        onRow(row, index++);
      }
      // The cut row moves to the front; the chunk is reused (rows were valid only during onRow).
      buf.copy(buf, 0, pos, len);
      len -= pos;
      if (afterChunk) await afterChunk();
    }
  } finally {
    await file.close();
  }
  return index;
}

/** A spool, result or spill file that cannot be read: the file system's error, typed. */
export function ioError(path: string, what: string, cause: unknown): SpoolError {
  const code = errorCodeOf(cause);
  return new SpoolError(`cannot ${what} ${path}${code ? ` (${code})` : ''}`, { path, causeCode: code }, { cause });
}
