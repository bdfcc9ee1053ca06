/**
 * A batch's per-row results, downloaded to the load's spool before they are joined: the rows are
 * counted on the way in, so that a result count that does not match the batch's records is known
 * before a single row is written (its rows then go to the errors, never shifted onto the wrong
 * results), and the join then reads the file beside the batch's payload, a chunk of each at a time.
 * Memory: one response chunk while downloading, one parsed chunk while reading.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { BulkClient } from '../http/client.js';
import { CsvRecordScanner } from '../csv/record-scanner.js';
import { readCsvRecords } from '../csv/read-csv-records.js';
import { ParseError } from '../errors.js';
import { formatOfMime, type DataFormat } from '../wire/content-types.js';
import { formatResultErrors, readDmlResults } from '../wire/dml-results.js';

/** One row's result, its error kept in the CSV result form (`CODE:message:fields --`, '' on success). */
export interface RowOutcome {
  readonly id: string | null;
  readonly success: boolean;
  readonly created: boolean;
  readonly error: string;
}

export interface ResultFile {
  readonly path: string;
  readonly format: DataFormat;
  /** Result rows in the file. */
  readonly count: number;
}

/** Counts CSV records in the bytes going by (the header included). */
function csvCounter(): { count: () => number; pass: (source: AsyncIterable<Buffer>) => AsyncGenerator<Buffer> } {
  const scanner = new CsvRecordScanner();
  let records = 0;
  let partial = false;
  return {
    count: () => Math.max(0, records + (partial ? 1 : 0) - 1),
    async *pass(source) {
      for await (const chunk of source) {
        let pos = 0;
        for (let end = scanner.next(chunk, 0); end >= 0; end = scanner.next(chunk, end)) {
          if (end - pos > 1 || partial) records++; // an empty line is no record
          partial = false;
          pos = end;
        }
        if (pos < chunk.length) partial = true;
        yield chunk;
      }
    },
  };
}

/** Downloads a completed batch's results to `path` and counts its rows. */
export async function downloadResults(client: BulkClient, jobId: string, batchId: string, path: string, signal: AbortSignal): Promise<ResultFile> {
  const { body, contentType } = await client.getBatchResult(jobId, batchId, { signal });
  const format = formatOfMime(contentType) ?? 'csv';
  if (format === 'csv') {
    const counter = csvCounter();
    await pipeline(body, counter.pass, createWriteStream(path), { signal });
    return { path, format, count: counter.count() };
  }
  await pipeline(body, createWriteStream(path), { signal });
  let count = 0;
  for await (const _ of readDmlResults(createReadStream(path), format)) count++;
  return { path, format, count };
}

const bool = (text: string | undefined) => text === 'true' || text?.trim().toLowerCase() === 'true';

/** The results of a downloaded file, in blocks, in request order. */
export async function* readResultFile(file: ResultFile): AsyncGenerator<RowOutcome[]> {
  const source = `results ${file.path}`;
  if (file.format !== 'csv') {
    let block: RowOutcome[] = [];
    for await (const r of readDmlResults(createReadStream(file.path, { highWaterMark: 256 * 1024 }), file.format)) {
      block.push({ id: r.id, success: r.success, created: r.created, error: formatResultErrors(r.errors) });
      if (block.length === 512) {
        yield block;
        block = [];
      }
    }
    if (block.length > 0) yield block;
    return;
  }
  // By header name, as jsforce and Data Loader read it; the column order is not relied on.
  let index: { id: number; success: number; created: number; error: number } | undefined;
  for await (const records of readCsvRecords(createReadStream(file.path, { highWaterMark: 256 * 1024 }), { source })) {
    const block: RowOutcome[] = [];
    for (const record of records) {
      if (!index) {
        index = { id: record.indexOf('Id'), success: record.indexOf('Success'), created: record.indexOf('Created'), error: record.indexOf('Error') };
        if (index.success < 0) throw new ParseError('CSV result has no "Success" column', { source, line: 1 });
        continue;
      }
      const id = index.id >= 0 ? record[index.id] : undefined;
      block.push({
        id: id ? id : null,
        success: bool(record[index.success]),
        created: index.created >= 0 && bool(record[index.created]),
        error: index.error >= 0 ? (record[index.error] ?? '') : '',
      });
    }
    if (block.length > 0) yield block;
  }
}
