/**
 * Which format each document takes for a job content type (wire §2.1, 2.2): CSV jobs speak XML for
 * everything but results; XML and JSON jobs speak their own format throughout.
 */
import type { ContentType, WireFormat } from '../types.js';

/** The format of record payloads and results. */
export type DataFormat = 'csv' | 'xml' | 'json';

export const MIME = {
  xml: 'application/xml',
  json: 'application/json',
  csv: 'text/csv',
} as const;

/** Batch request Content-Type per job content type (wire §2.2). */
const BATCH_MIME: Record<ContentType, string> = {
  CSV: 'text/csv',
  XML: 'application/xml',
  JSON: 'application/json',
  ZIP_CSV: 'zip/csv',
  ZIP_XML: 'zip/xml',
  ZIP_JSON: 'zip/json',
};

export function batchMimeType(contentType: ContentType): string {
  return BATCH_MIME[contentType];
}

/** Format of jobInfo, batchInfo, lists and errors for a job. */
export function wireFormatOf(contentType: ContentType): WireFormat {
  return contentType === 'JSON' || contentType === 'ZIP_JSON' ? 'json' : 'xml';
}

/** Format of records and results for a job. */
export function dataFormatOf(contentType: ContentType): DataFormat {
  if (contentType === 'CSV' || contentType === 'ZIP_CSV') return 'csv';
  return wireFormatOf(contentType);
}

/** The format a Content-Type header names; undefined when it is none of ours. */
export function formatOfMime(header: string | undefined): DataFormat | undefined {
  const type = header?.split(';')[0]?.trim().toLowerCase();
  if (type === 'application/json') return 'json';
  if (type === 'application/xml' || type === 'text/xml') return 'xml';
  if (type === 'text/csv') return 'csv';
  return undefined;
}
