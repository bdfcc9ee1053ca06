/**
 * Reads a CSV DML result body (wire §5.1: `"Id","Success","Created","Error"`, columns found by
 * name; a record retry's results add `"Attempts"`) straight from its bytes, field by field, into ResultBlocks: no decoding of whole chunks,
 * no string but an error's text (ids stay places in the chunk). This is the client's hottest
 * reader: one row per record. Fields may be quoted (with `""` for a quote and line breaks inside)
 * or not; LF or CRLF ends a row. Memory: one chunk, and a row that spans two.
 */
import { ParseError } from '../errors.js';
import { CsvRow, ROW_BAD_QUOTE, readRow } from './csv-row.js';
import { ResultBlock } from './result-block.js';

const LF = 0x0a;
const CR = 0x0d;

interface Columns {
  readonly id: number;
  readonly success: number;
  readonly created: number;
  readonly error: number;
  readonly attempts: number;
  readonly count: number;
}

/** `true` in any case (bytes or'ed with 0x20 are lower case letters). */
const isTrue = (buf: Buffer, start: number, end: number) =>
  end - start === 4 &&
  ((buf[start] as number) | 0x20) === 0x74 &&
  ((buf[start + 1] as number) | 0x20) === 0x72 &&
  ((buf[start + 2] as number) | 0x20) === 0x75 &&
  ((buf[start + 3] as number) | 0x20) === 0x65;

/** Rows in a block: a chunk's rows are split into blocks of at most this many. */
const BLOCK = 2048;

/** Yields each chunk's whole result rows, in order. */
export async function* readCsvResults(chunks: AsyncIterable<Uint8Array | string>, source = 'results'): AsyncGenerator<ResultBlock> {
  const fields = new CsvRow();
  let columns: Columns | undefined;
  let carry: Buffer | undefined;
  let line = 1;
  const parse = (buf: Buffer, last: boolean): { rows: ResultBlock[]; rest: number } => {
    const rows: ResultBlock[] = [];
    let block: ResultBlock | undefined;
    let pos = 0;
    fields.buf = buf;
    while (pos < buf.length) {
      if (buf[pos] === LF || (buf[pos] === CR && buf[pos + 1] === LF)) {
        pos += buf[pos] === LF ? 1 : 2; // an empty line is no row
        continue;
      }
      const end = readRow(buf, pos, fields, last);
      if (end === ROW_BAD_QUOTE) throw new ParseError('a closing quote must be followed by a comma or a line end', { source, column: fields.count });
      if (end < 0) break;
      pos = end;
      if (!columns) {
        const names = Array.from({ length: fields.count }, (_, i) => fields.text(i));
        columns = {
          id: names.indexOf('Id'),
          success: names.indexOf('Success'),
          created: names.indexOf('Created'),
          error: names.indexOf('Error'),
          attempts: names.indexOf('Attempts'),
          count: names.length,
        };
        if (columns.success < 0) throw new ParseError('CSV result has no "Success" column', { source, line: 1 });
        continue;
      }
      line++;
      if (fields.count < columns.count) throw new ParseError(`a result row has ${fields.count} fields, the header ${columns.count}`, { source, record: line - 1 });
      // Sized to the chunk (a result row takes 30 bytes or more): a block per chunk, not per 2048 rows.
      if (!block || block.count === block.capacity) rows.push((block = new ResultBlock(Math.min(BLOCK, Math.ceil((buf.length - pos) / 24) + 1))));
      const success = fields.starts[columns.success] as number;
      const created = columns.created >= 0 ? (fields.starts[columns.created] as number) : -1;
      const idStart = columns.id >= 0 ? (fields.starts[columns.id] as number) : 0;
      const idEnd = columns.id >= 0 ? (fields.ends[columns.id] as number) : 0;
      block.addBytes(
        isTrue(buf, success, fields.ends[columns.success] as number),
        created >= 0 && isTrue(buf, created, fields.ends[columns.created] as number),
        buf,
        idStart,
        idEnd,
        columns.error >= 0 ? fields.text(columns.error) : '',
        columns.attempts >= 0 ? Number(fields.text(columns.attempts)) || 0 : 0,
      );
    }
    return { rows, rest: pos };
  };
  for await (const piece of chunks) {
    let bytes = typeof piece === 'string' ? Buffer.from(piece) : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    if (carry) {
      // The row cut by the chunk's edge, with as little of this chunk as ends it: copying the
      // whole chunk behind every carry would copy the whole body once more.
      let joined: Buffer | undefined;
      for (let lf = bytes.indexOf(LF); lf >= 0; lf = bytes.indexOf(LF, lf + 1)) {
        const candidate = Buffer.concat([carry, bytes.subarray(0, lf + 1)]);
        const { rows, rest } = parse(candidate, false);
        if (rest === candidate.length) {
          yield* rows;
          joined = candidate;
          bytes = bytes.subarray(lf + 1);
          break;
        }
      }
      if (!joined) {
        carry = Buffer.concat([carry, bytes]);
        if (carry.length > 16 * 1024 * 1024) throw new ParseError('a result row larger than 16 MiB', { source, record: line });
        continue;
      }
      carry = undefined;
    }
    const { rows, rest } = parse(bytes, false);
    carry = rest < bytes.length ? Buffer.from(bytes.subarray(rest)) : undefined;
    yield* rows;
  }
  if (carry) {
    const { rows, rest } = parse(carry, true);
    if (rest < carry.length) throw new ParseError('unterminated quoted field at the end of the results', { source, record: line });
    yield* rows;
  }
}
