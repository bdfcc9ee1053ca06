/**
 * Reads a CSV DML result body (wire §5.1: `"Id","Success","Created","Error"`, columns found by
 * name) straight from its bytes, field by field, into ResultBlocks: no decoding of whole chunks,
 * no string but an error's text (ids stay places in the chunk). This is the client's hottest
 * reader: one row per record. Fields may be quoted (with `""` for a quote and line breaks inside)
 * or not; LF or CRLF ends a row. Memory: one chunk, and a row that spans two.
 */
import { ParseError } from '../errors.js';
import { ResultBlock } from './result-block.js';

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

interface Columns {
  readonly id: number;
  readonly success: number;
  readonly created: number;
  readonly error: number;
  readonly count: number;
}

/** Field bounds of the row being read: start, end, and whether it holds doubled quotes. */
class RowFields {
  starts: number[] = [];
  ends: number[] = [];
  escaped: boolean[] = [];
  count = 0;

  add(start: number, end: number, escaped: boolean): void {
    this.starts[this.count] = start;
    this.ends[this.count] = end;
    this.escaped[this.count] = escaped;
    this.count++;
  }
}

/**
 * Reads one row from `pos`; returns the position after its line end, or -1 when the chunk ends
 * first (the row continues in the next chunk). A final row without a line end is read when `last`.
 */
function readRow(buf: Buffer, pos: number, fields: RowFields, last: boolean, source: string): number {
  fields.count = 0;
  let i = pos;
  const n = buf.length;
  for (;;) {
    if (buf[i] === QUOTE) {
      let q = buf.indexOf(QUOTE, i + 1);
      let escaped = false;
      while (q >= 0 && buf[q + 1] === QUOTE) {
        escaped = true;
        q = buf.indexOf(QUOTE, q + 2);
      }
      if (q < 0 || (q + 1 >= n && !last)) return -1;
      fields.add(i + 1, q, escaped);
      i = q + 1;
    } else {
      let j = i;
      while (j < n && buf[j] !== COMMA && buf[j] !== LF && buf[j] !== CR) j++;
      if (j >= n && !last) return -1;
      fields.add(i, j, false);
      i = j;
    }
    const c = buf[i];
    if (c === COMMA) {
      i++;
      continue;
    }
    if (c === LF) return i + 1;
    if (c === CR) {
      if (i + 1 >= n && !last) return -1;
      return buf[i + 1] === LF ? i + 2 : i + 1;
    }
    if (i >= n) return last ? n : -1;
    throw new ParseError('a closing quote must be followed by a comma or a line end', { source, column: fields.count });
  }
}

/** `true` in any case (bytes or'ed with 0x20 are lower case letters). */
const isTrue = (buf: Buffer, start: number, end: number) =>
  end - start === 4 &&
  ((buf[start] as number) | 0x20) === 0x74 &&
  ((buf[start + 1] as number) | 0x20) === 0x72 &&
  ((buf[start + 2] as number) | 0x20) === 0x75 &&
  ((buf[start + 3] as number) | 0x20) === 0x65;

function text(buf: Buffer, fields: RowFields, index: number): string {
  const start = fields.starts[index] as number;
  const end = fields.ends[index] as number;
  if (start >= end) return '';
  const value = buf.toString('utf8', start, end);
  return fields.escaped[index] ? value.replaceAll('""', '"') : value;
}

/** Rows in a block: a chunk's rows are split into blocks of at most this many. */
const BLOCK = 2048;

/** Yields each chunk's whole result rows, in order. */
export async function* readCsvResults(chunks: AsyncIterable<Uint8Array | string>, source = 'results'): AsyncGenerator<ResultBlock> {
  const fields = new RowFields();
  let columns: Columns | undefined;
  let carry: Buffer | undefined;
  let line = 1;
  const parse = (buf: Buffer, last: boolean): { rows: ResultBlock[]; rest: number } => {
    const rows: ResultBlock[] = [];
    let block: ResultBlock | undefined;
    let pos = 0;
    while (pos < buf.length) {
      if (buf[pos] === LF || (buf[pos] === CR && buf[pos + 1] === LF)) {
        pos += buf[pos] === LF ? 1 : 2; // an empty line is no row
        continue;
      }
      const end = readRow(buf, pos, fields, last, source);
      if (end < 0) break;
      pos = end;
      if (!columns) {
        const names = Array.from({ length: fields.count }, (_, i) => text(buf, fields, i));
        columns = { id: names.indexOf('Id'), success: names.indexOf('Success'), created: names.indexOf('Created'), error: names.indexOf('Error'), count: names.length };
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
        columns.error >= 0 ? text(buf, fields, columns.error) : '',
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
