/**
 * Incremental JSON array reading on stream-json: yields the array's elements one by one, so a DML
 * result list or a batchInfoList of any length is read in memory bounded by its largest element.
 */
import StreamJson from 'stream-json';
import Pick from 'stream-json/filters/Pick.js';
import StreamArray from 'stream-json/streamers/StreamArray.js';
import { ParseError } from '../errors.js';
import { iterateThrough } from './stream-iterate.js';

export interface JsonArrayReadOptions {
  /** Named in errors. */
  readonly source: string;
  /** When the array sits under a key of the top-level object (`{"batchInfo":[...]}`), that key. */
  readonly key?: string;
}

/** Yields each element of a top-level JSON array (or of the array under `key`). */
export async function* readJsonArray(
  chunks: AsyncIterable<Uint8Array | string>,
  options: JsonArrayReadOptions,
): AsyncGenerator<unknown> {
  const stages = [
    StreamJson.parser(),
    ...(options.key !== undefined ? [Pick.pick({ filter: options.key })] : []),
    StreamArray.streamArray(),
  ] as const;
  const wrap = (err: unknown) =>
    err instanceof ParseError
      ? err
      : new ParseError(`malformed JSON: ${(err as Error).message}`, { source: options.source }, { cause: err });
  for await (const item of iterateThrough<{ value: unknown }>(chunks, stages, wrap)) yield item.value;
}
