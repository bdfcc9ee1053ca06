/**
 * A batch's per-row results as the join takes them: in request order, in ResultBlocks, each row's
 * error in the CSV result form, read incrementally from the response body in whatever format the
 * server sent (CSV straight from its bytes; XML and JSON through the wire readers).
 */
import type { DataFormat } from '../wire/content-types.js';
import { formatResultErrors, readDmlResults } from '../wire/dml-results.js';
import { readCsvResults } from './csv-results.js';
import { ResultBlock } from './result-block.js';

const BLOCK = 512;

/** The rows of a result body, in blocks. */
export async function* readResultBlocks(body: AsyncIterable<Uint8Array | string>, format: DataFormat, source: string): AsyncGenerator<ResultBlock> {
  if (format === 'csv') {
    yield* readCsvResults(body, source);
    return;
  }
  let block = new ResultBlock(BLOCK);
  for await (const r of readDmlResults(body, format)) {
    block.addText(r.success, r.created, r.id, formatResultErrors(r.errors));
    if (block.count === BLOCK) {
      yield block;
      block = new ResultBlock(BLOCK);
    }
  }
  if (block.count > 0) yield block;
}
