/**
 * What the two kinds of Bulk API 2.0 job share on the wire (spec §3.2, §3.3, §4.3): the CSV dialect
 * a job's data and results are written in, and its JobInfo document, a JSON object read whole before
 * its fields are (each kind reads its own: ingest-job-info.ts, lib/http/query-jobs.ts).
 */
import { ParseError } from '../errors.js';

/** The column delimiters a 2.0 job may use. */
export const COLUMN_DELIMITERS = ['BACKQUOTE', 'CARET', 'COMMA', 'PIPE', 'SEMICOLON', 'TAB'] as const;
export type ColumnDelimiter = (typeof COLUMN_DELIMITERS)[number];
export type LineEnding = 'LF' | 'CRLF';

/** A JobInfo document (a create, PATCH or GET answer) as a JSON object; `source` names it in errors. */
export function parseJobDocument(body: Buffer, source: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new ParseError(`the job info is not JSON: ${(err as Error).message}`, { source }, { cause: err });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new ParseError('the job info is not a JSON object', { source });
  return doc as Record<string, unknown>;
}
