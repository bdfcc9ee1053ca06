/**
 * Joins one segment of a load: its uploaded records, read back from the spooled payload, zipped
 * with the batch's results in request order (the Bulk API returns them so), and its records
 * rejected before upload merged in by row number, so that the rows come out in input order, in
 * JoinedRows blocks. A batch without results to join (Failed, NotProcessed, or a count that does not
 * match its records) gives every uploaded row the segment's `failure` text. Results that turn out to
 * be more or fewer than the records end the join with a JoinMismatchError (the caller then takes
 * the segment back); a spooled payload that holds more or fewer records than the segment was cut
 * with ends it with a SpoolRowsMismatchError.
 * Memory: a chunk of the payload and of the results, and the block joined from them.
 */
import { JoinMismatchError, SpoolRowsMismatchError } from '../errors.js';
import type { ContentType } from '../types.js';
import { dataFormatOf } from '../wire/content-types.js';
import type { RowRun } from '../load-types.js';
import { readRejects, type RejectEntry } from '../load/reject-file.js';
import { readCsvLines, type CsvLineBlock } from './csv-lines.js';
import { JoinedRows } from './joined-rows.js';
import { readPayloadRecords, type PayloadRecord } from './payload-records.js';
import type { ResultBlock } from './result-block.js';

export interface SegmentSources {
  readonly seq: number;
  readonly jobId: string | null;
  readonly batchId: string | null;
  readonly contentType: ContentType;
  readonly columns: readonly string[];
  /** Input rows of the uploaded records (a grouped load's: their grouped rows, in the order the records are merged with the rejected ones). */
  readonly rows: readonly RowRun[];
  /** A grouped load: the input row of each uploaded record, in payload order (the rows the outputs give). */
  readonly sources?: Uint32Array | undefined;
  readonly records: number;
  readonly payloadPath: string | null;
  readonly rejectsPath: string | null;
  /** The batch's results as they stream in, when they are to be joined. */
  readonly results: AsyncIterable<ResultBlock> | undefined;
  /** The error of every uploaded row when there are no results to join. */
  readonly failure: string;
  /**
   * Give the uploaded rows no columns, from `rows` alone, without reading the payload: for a batch
   * the org failed whose payload could not be read back (the rows are accounted for all the same).
   */
  readonly rowsOnly?: boolean;
}

/** Result blocks, taken row by row. */
class ResultCursor {
  readonly #source: AsyncIterator<ResultBlock>;
  readonly #blocks: ResultBlock[] = [];
  /** Next row of the first block. */
  #at = 0;
  #available = 0;
  #done = false;

  constructor(source: AsyncIterable<ResultBlock>) {
    this.#source = source[Symbol.asyncIterator]();
  }

  /** Reads blocks until `n` rows are at hand or the results end; returns how many are. */
  async fill(n: number): Promise<number> {
    while (this.#available < n && !this.#done) {
      const next = await this.#source.next();
      if (next.done) this.#done = true;
      else if (next.value.count > 0) {
        this.#blocks.push(next.value);
        this.#available += next.value.count;
      }
    }
    return this.#available;
  }

  /** Gives the next row (one made available by fill) to row i of `out`. */
  take(out: JoinedRows, i: number): void {
    let block = this.#blocks[0] as ResultBlock;
    if (this.#at === block.count) {
      this.#blocks.shift();
      this.#at = 0;
      block = this.#blocks[0] as ResultBlock;
    }
    out.takeResult(i, block, this.#at++);
    this.#available--;
  }

  async close(): Promise<void> {
    await this.#source.return?.();
  }
}

/** Most results read past the records to tell how many a runaway result body has. */
const COUNT_PAST = 10_000;
/** Rows of a block of rejected records only. */
const BLOCK = 1024;

/** Where the join stands in a segment's rows: run `run` of its RowRuns, `offset` into it, `joined` records so far. */
interface RowPlace {
  run: number;
  offset: number;
  joined: number;
}

/**
 * Joins CSV records `k` on of a block into `out`, each with its result (or `failure`), while the
 * next one's input row comes before `rejectRow` (the next rejected record's) and `out` has room;
 * moves `at` on past them and returns the first record left (`size` when none). What it leaves
 * (a rejected record to merge first, a full block, rows that run out) is joinSegment's to do.
 */
function joinLines(
  input: CsvLineBlock,
  from: number,
  size: number,
  out: JoinedRows,
  rows: readonly RowRun[],
  at: RowPlace,
  sources: Uint32Array | undefined,
  rejectRow: number,
  results: ResultCursor | undefined,
  failure: string,
): number {
  let { run, offset, joined } = at;
  let k = from;
  for (; k < size; k++) {
    const current = rows[run];
    if (!current || out.full) break;
    const row = current[0] + offset;
    if (rejectRow < row) break;
    if (++offset === current[1]) {
      run++;
      offset = 0;
    }
    const i = out.add(sources ? (sources[joined] as number) : row, true, input.chunkOf(k), input.starts[k], input.ends[k]);
    if (results) results.take(out, i);
    else out.fail(i, failure);
    joined++;
  }
  at.run = run;
  at.offset = offset;
  at.joined = joined;
  return k;
}

export async function* joinSegment(s: SegmentSources): AsyncGenerator<JoinedRows> {
  const results = s.results ? new ResultCursor(s.results) : undefined;
  const rejects = s.rejectsPath ? readRejects(s.rejectsPath)[Symbol.asyncIterator]() : undefined;
  let reject: RejectEntry | undefined = rejects ? (await rejects.next()).value : undefined;
  const nextReject = async () => {
    reject = (await (rejects as AsyncIterator<RejectEntry>).next()).value;
  };
  const addRejected = (out: JoinedRows, entry: RejectEntry) => {
    const line = entry.line !== undefined ? Buffer.from(entry.line) : undefined;
    out.fail(out.add(entry.sourceRow ?? entry.row, false, line ?? entry.fields ?? {}, 0, line?.length ?? 0), entry.error);
  };
  const sources = s.sources;
  // The input row the outputs give uploaded record k (grouped row `row`).
  const inputRow = (k: number, row: number) => (sources ? (sources[k] as number) : row);
  const mismatch = (actual: number) => new JoinMismatchError(s.jobId ?? '', s.batchId ?? '', s.records, actual);
  const spoolMismatch = (found: 'more' | 'fewer') =>
    new SpoolRowsMismatchError(`the spooled payload of batch ${s.batchId ?? '(not uploaded)'} holds ${found} records than the ${s.records} it was cut with`, {
      batchId: s.batchId ?? undefined,
      records: s.records,
      found,
    });
  let run = 0;
  let offset = 0;
  let joined = 0;
  try {
    if (sources && sources.length !== s.records) throw spoolMismatch(sources.length > s.records ? 'more' : 'fewer');
    if (s.rowsOnly && s.records > 0) {
      let k = 0;
      let out = new JoinedRows(s, BLOCK);
      for (const [first, count] of s.rows) {
        for (let row = first; row < first + count; row++) {
          while (reject && reject.row < row) {
            if (out.full) {
              yield out;
              out = new JoinedRows(s, BLOCK);
            }
            addRejected(out, reject);
            await nextReject();
          }
          if (out.full) {
            yield out;
            out = new JoinedRows(s, BLOCK);
          }
          out.fail(out.add(inputRow(k++, row), true, {}), s.failure);
        }
      }
      if (out.count > 0) yield out;
    } else if (s.payloadPath !== null && s.records > 0) {
      // The payload is the records as uploaded (a zip batch's manifest), in the job's record format.
      const format = dataFormatOf(s.contentType);
      const csv = format === 'csv';
      const inputs: AsyncIterable<CsvLineBlock | PayloadRecord[]> = csv ? readCsvLines(s.payloadPath) : readPayloadRecords(s.payloadPath, format);
      for await (const input of inputs) {
        const size = csv ? (input as CsvLineBlock).count : (input as PayloadRecord[]).length;
        if (results) {
          const available = await results.fill(size);
          if (available < size) throw mismatch(joined + available);
        }
        // Room for the block's records and a few rejected ones; more rejected ones start a new block.
        let out = new JoinedRows(s, size + 16);
        for (let k = 0; k < size; k++) {
          if (csv) {
            // The records up to the next rejected one, or to a full block, in a plain loop (joinLines).
            const at = { run, offset, joined };
            k = joinLines(input as CsvLineBlock, k, size, out, s.rows, at, sources, reject ? reject.row : Number.POSITIVE_INFINITY, results, s.failure);
            ({ run, offset, joined } = at);
            if (k === size) break;
          }
          const current = s.rows[run];
          if (!current) throw spoolMismatch('more');
          const row = current[0] + offset;
          if (++offset === current[1]) [run, offset] = [run + 1, 0];
          while (reject && reject.row < row) {
            if (out.full) {
              yield out;
              out = new JoinedRows(s, size + 16);
            }
            addRejected(out, reject);
            await nextReject();
          }
          if (out.full) {
            yield out;
            out = new JoinedRows(s, size + 16);
          }
          const at = inputRow(joined, row);
          const i = csv
            ? out.add(at, true, (input as CsvLineBlock).chunkOf(k), (input as CsvLineBlock).starts[k], (input as CsvLineBlock).ends[k])
            : out.add(at, true, (input as PayloadRecord[])[k] as PayloadRecord);
          if (results) results.take(out, i);
          else out.fail(i, s.failure);
          joined++;
        }
        yield out;
      }
      if (joined !== s.records) throw spoolMismatch('fewer');
      // No result may be left over: a longer result body is a mismatch too.
      if (results && (await results.fill(1)) > 0) throw mismatch(s.records + (await results.fill(COUNT_PAST)));
    }
    let out = new JoinedRows(s, BLOCK);
    while (reject) {
      if (out.full) {
        yield out;
        out = new JoinedRows(s, BLOCK);
      }
      addRejected(out, reject);
      await nextReject();
    }
    if (out.count > 0) yield out;
  } finally {
    await results?.close();
    await rejects?.return?.(undefined);
  }
}
