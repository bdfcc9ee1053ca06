/**
 * Streams the elements of a JSON array out of byte chunks (a JSON query result file): the array
 * scanner cuts elements, JSON.parse reads each. Yields the elements of each chunk together.
 * Memory: one chunk plus one element, bounded by `maxElementChars`.
 */
import { ParseError } from '../errors.js';
import { Utf8ChunkDecoder } from '../text/utf8-chunk-decoder.js';
import { JsonArrayScanner } from './json-array-scanner.js';

export async function* readJsonArray(chunks: AsyncIterable<Uint8Array>, options: { readonly source: string; readonly maxElementChars?: number }): AsyncGenerator<unknown[]> {
  const text = new Utf8ChunkDecoder({ stripBom: true });
  const scanner = new JsonArrayScanner(options.source, options.maxElementChars);
  let out: unknown[] = [];
  const onElement = (element: unknown, line: number) => {
    try {
      out.push(JSON.parse(element as string));
    } catch (err) {
      throw new ParseError(`malformed JSON: ${(err as Error).message}`, { source: options.source, line }, { cause: err });
    }
  };
  for await (const chunk of chunks) {
    scanner.write(text.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)), onElement);
    if (out.length > 0) {
      yield out;
      out = [];
    }
  }
  scanner.write(text.end(), onElement);
  scanner.end();
  if (out.length > 0) yield out;
}
