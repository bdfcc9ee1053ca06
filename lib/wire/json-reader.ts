/**
 * Incremental JSON array reading: yields the array's elements one by one, so a query result, a DML
 * result list or a batchInfoList of any length is read in memory bounded by its largest element.
 * A top-level array is cut into elements by JsonArrayScanner and each is read by JSON.parse (several
 * times faster); stream-json reads an array under a key, which needs a real streaming parser.
 */
import { ParseError } from '../errors.js';
import { streamJson } from '../packages.js';
import { JsonArrayScanner } from '../records/json-array-scanner.js';
import { Utf8ChunkDecoder } from '../text/utf8-chunk-decoder.js';
import { iterateThrough } from './stream-iterate.js';
import { parseJsonDocument } from './values.js';

export interface JsonArrayReadOptions {
  /** Named in errors. */
  readonly source: string;
  /** When the array sits under a key of the top-level object (`{"batchInfo":[...]}`), that key. */
  readonly key?: string;
}

/** Largest element of a top-level array read by the scanner. */
const MAX_ELEMENT_CHARS = 64 * 1024 * 1024;

/** Yields each element of a top-level JSON array (or of the array under `key`). */
export async function* readJsonArray(chunks: AsyncIterable<Uint8Array | string>, options: JsonArrayReadOptions): AsyncGenerator<unknown> {
  if (options.key === undefined) {
    yield* readTopLevelArray(chunks, options.source);
    return;
  }
  const { parser, pick, streamArray } = streamJson();
  const stages = [parser.parser(), ...(options.key !== undefined ? [pick.pick({ filter: options.key })] : []), streamArray.streamArray()] as const;
  const wrap = (err: unknown) => (err instanceof ParseError ? err : new ParseError(`malformed JSON: ${(err as Error).message}`, { source: options.source }, { cause: err }));
  for await (const item of iterateThrough<{ value: unknown }>(chunks, stages, wrap)) yield item.value;
}

async function* readTopLevelArray(chunks: AsyncIterable<Uint8Array | string>, source: string): AsyncGenerator<unknown> {
  const text = new Utf8ChunkDecoder({ stripBom: true });
  const scanner = new JsonArrayScanner(source, MAX_ELEMENT_CHARS);
  let parsed: unknown[] = [];
  const onElement = (element: unknown, line: number) => {
    parsed.push(parseJsonDocument(element as string, { source, line }));
  };
  for await (const chunk of chunks) {
    scanner.write(typeof chunk === 'string' ? chunk : text.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)), onElement);
    const ready = parsed;
    parsed = [];
    yield* ready;
  }
  scanner.write(text.end(), onElement);
  scanner.end();
  yield* parsed;
}
