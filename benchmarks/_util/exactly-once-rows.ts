/**
 * The exactly-once soak's records: the input it writes (a round's rows, each named by a unique
 * prefix and its row number, so that any output row or org record names the input row it stands
 * for) and the tallies it takes of the success and error files and of the org. Every count comes
 * from the files and the org, never from the CLI's summary. Memory: three counters per input row.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';

export interface InputShape {
  readonly prefix: string;
  readonly rows: number;
  /** The line end between records (and inside the quoted multi-line fields). */
  readonly eol: '\n' | '\r\n';
  readonly bom: boolean;
}

const INPUT_COLUMNS = ['Name', 'NumberOfEmployees', 'Description', 'Phone'] as const;

/** Rows the org fails: NumberOfEmployees is not a number. */
const failsInOrg = (row: number) => row % 97 === 0;

/** Row `row`'s field values (1-based), as an output file that copies the input must hold them. */
function inputFields(shape: InputShape, row: number): readonly string[] {
  // Quoted commas and quotes, a line end inside a field, and multi-byte characters: a resume that reads
  // on from a byte offset inside a record, or miscounts bytes, is seen in the rows' values.
  const description = row % 7 === 0 ? `first line ${row},${shape.eol}second "line", ${row}` : row % 11 === 0 ? `Zürich café ${row}` : row % 13 === 0 ? '' : `plain ${row}`;
  return [`${shape.prefix}${row}`, failsInOrg(row) ? `x${row}` : String(row % 5000), description, `555-${String(row % 10_000).padStart(4, '0')}`];
}

const quoted = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);

/** Writes the round's CSV input (header, `rows` records, a line end after the last). */
export async function writeInput(path: string, shape: InputShape): Promise<number> {
  let bytes = 0;
  async function* lines(): AsyncGenerator<string> {
    const header = `${shape.bom ? '\ufeff' : ''}${INPUT_COLUMNS.join(',')}${shape.eol}`;
    bytes += Buffer.byteLength(header);
    yield header;
    let chunk = '';
    for (let row = 1; row <= shape.rows; row++) {
      chunk += `${inputFields(shape, row).map(quoted).join(',')}${shape.eol}`;
      if (chunk.length > 64 * 1024 || row === shape.rows) {
        bytes += Buffer.byteLength(chunk);
        yield chunk;
        chunk = '';
      }
    }
  }
  await pipeline(Readable.from(lines()), createWriteStream(path));
  return bytes;
}

/** How often each input row was seen in one place (an output file or the org), and what matched none. */
export class RowTally {
  readonly counts: Uint8Array;
  /** Rows whose Name names no input row (a damaged row, or one of another load). */
  stray = 0;
  /** Rows that name an input row but whose other values differ from it. */
  altered = 0;
  /** Rows in all. */
  total = 0;
  readonly #shape: InputShape;

  constructor(shape: InputShape) {
    this.#shape = shape;
    this.counts = new Uint8Array(shape.rows + 1);
  }

  /** Counts one row by its Name; `values`, when given, are compared with the input row's. */
  add(name: unknown, values?: Readonly<Record<string, unknown>>): number | undefined {
    this.total++;
    const row = typeof name === 'string' && name.startsWith(this.#shape.prefix) ? Number(name.slice(this.#shape.prefix.length)) : Number.NaN;
    if (!Number.isInteger(row) || row < 1 || row > this.#shape.rows || name !== `${this.#shape.prefix}${row}`) {
      this.stray++;
      return undefined;
    }
    this.counts[row] = Math.min(255, (this.counts[row] ?? 0) + 1);
    if (values) {
      const expected = inputFields(this.#shape, row);
      if (INPUT_COLUMNS.some((column, i) => (values[column] ?? '') !== expected[i])) this.altered++;
    }
    return row;
  }
}

/**
 * Tallies a bulkpipe success or error file by Name. A file that is missing counts nothing; a
 * record the CSV reader cannot read counts as stray (it names no input row).
 */
export async function tallyOutput(path: string, shape: InputShape): Promise<RowTally & { readonly missing: boolean }> {
  const tally = new RowTally(shape);
  const parser = parse({
    bom: true,
    columns: true,
    relax_column_count: true,
    skip_records_with_error: true,
    on_skip: () => {
      tally.total++;
      tally.stray++;
      return undefined;
    },
  });
  let missing = false;
  try {
    await pipeline(createReadStream(path), parser, async (records: AsyncIterable<Record<string, string>>) => {
      for await (const record of records) tally.add(record.Name, record);
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    missing = true;
  }
  return Object.assign(tally, { missing });
}

/** What a round came to: each input row once in success + errors, the org = the successes. */
export interface RoundCounts {
  readonly input: number;
  readonly success: number;
  readonly errors: number;
  readonly org: number;
  /** Input rows in no output, plus org records that no success row accounts for. */
  readonly lost: number;
  /** Rows seen more than once in the outputs (counted past the first), plus org records past the first of a Name. */
  readonly duplicated: number;
  /** Output rows and org records that name no input row. */
  readonly stray: number;
  /** Success rows whose record the org does not hold. */
  readonly phantom: number;
  /** Output rows whose values differ from their input row's. */
  readonly altered: number;
  /** Rows the org takes (a number in NumberOfEmployees) that ended in the error file: not lost, but said. */
  readonly goodInErrors: number;
}

export function compare(shape: InputShape, success: RowTally, errors: RowTally, org: RowTally): RoundCounts {
  let lost = 0;
  let duplicated = 0;
  let phantom = 0;
  let goodInErrors = 0;
  for (let row = 1; row <= shape.rows; row++) {
    const s = success.counts[row] ?? 0;
    const e = errors.counts[row] ?? 0;
    const o = org.counts[row] ?? 0;
    if (s + e === 0) lost++;
    if (o > 0 && s === 0) lost++;
    duplicated += Math.max(0, s + e - 1) + Math.max(0, o - 1);
    if (s > 0 && o === 0) phantom++;
    if (e > 0 && !failsInOrg(row)) goodInErrors++;
  }
  return {
    input: shape.rows,
    success: success.total,
    errors: errors.total,
    org: org.total,
    lost,
    duplicated,
    stray: success.stray + errors.stray + org.stray,
    phantom,
    altered: success.altered + errors.altered,
    goodInErrors,
  };
}
