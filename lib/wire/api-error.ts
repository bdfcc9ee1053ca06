/**
 * The error body (wire §6.1): `exceptionCode` then `exceptionMessage`, XML in the server layout or
 * compact JSON. The XML form keeps `<exceptionCode>InvalidSessionId</exceptionCode>` on one line
 * with no inner whitespace, which jsforce matches with a regular expression.
 */
import type { ApiErrorBody, WireFormat } from '../types.js';
import { jsonCompact } from './json-writer.js';
import { FieldReader, jsonLookup, jsonObject, parseJsonDocument, xmlLookup } from './values.js';
import { parseXmlDocument } from './xml-reader.js';
import { xmlDocument, xmlFieldLines } from './xml-writer.js';

export function serializeApiError(error: ApiErrorBody, format: WireFormat): string {
  if (format === 'json') {
    return jsonCompact([
      ['exceptionCode', JSON.stringify(error.exceptionCode)],
      ['exceptionMessage', JSON.stringify(error.exceptionMessage)],
    ]);
  }
  return xmlDocument(
    'error',
    xmlFieldLines(
      [
        ['exceptionCode', error.exceptionCode],
        ['exceptionMessage', error.exceptionMessage],
      ],
      1,
    ),
  );
}

/**
 * Reads an error body. JSON errors come as an object or, from some endpoints, as a one-element
 * array of objects; both are accepted.
 */
export function parseApiError(body: string | Uint8Array, format: WireFormat): ApiErrorBody {
  const source = 'error';
  let fields: FieldReader;
  if (format === 'json') {
    const parsed = parseJsonDocument(body, source);
    fields = new FieldReader(jsonLookup(jsonObject(Array.isArray(parsed) ? parsed[0] : parsed, source)), source);
  } else {
    fields = new FieldReader(xmlLookup(parseXmlDocument(body, { source, rootNames: ['error'] })), source);
  }
  return { exceptionCode: fields.required('exceptionCode'), exceptionMessage: fields.optional('exceptionMessage') ?? '' };
}
