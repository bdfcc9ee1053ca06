/**
 * The query result-id list (wire §5.4): XML root `result-list` (with a hyphen) holding one `result`
 * per result file, or a JSON array of ids. Ids are 15 characters, prefix 752.
 */
import { ParseError } from '../errors.js';
import type { WireFormat } from '../types.js';
import { readJsonArray } from './json-reader.js';
import { readXmlElements } from './xml-reader.js';
import { escapeXml, xmlDocument } from './xml-writer.js';

export function serializeResultList(resultIds: readonly string[], format: WireFormat): string {
  if (format === 'json') return JSON.stringify(resultIds);
  return xmlDocument('result-list', resultIds.map((id) => ` <result>${escapeXml(id)}</result>\n`).join(''));
}

export async function* readResultList(chunks: AsyncIterable<Uint8Array | string>, format: WireFormat): AsyncGenerator<string> {
  const source = 'result-list';
  if (format === 'json') {
    for await (const value of readJsonArray(chunks, { source })) {
      if (typeof value !== 'string') throw new ParseError('expected an array of result ids', { source });
      yield value;
    }
    return;
  }
  for await (const element of readXmlElements(chunks, { source, rootNames: ['result-list'], depth: 2 })) {
    if (element.name === 'result') yield element.text.trim();
  }
}
