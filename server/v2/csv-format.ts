/**
 * The CSV dialects a Bulk API 2.0 job names (spec §3.2, §4.2, §7): six column delimiters and two
 * line endings, by their wire names. An ingest job's dialect reads its upload and writes its
 * results; a query job's writes its result pages.
 */

/** `columnDelimiter` values and the character each stands for. */
export const COLUMN_DELIMITERS = { BACKQUOTE: '`', CARET: '^', COMMA: ',', PIPE: '|', SEMICOLON: ';', TAB: '\t' } as const;
type ColumnDelimiter = keyof typeof COLUMN_DELIMITERS;

/** `lineEnding` values and the characters each stands for. */
export const LINE_ENDINGS = { LF: '\n', CRLF: '\r\n' } as const;
type LineEnding = keyof typeof LINE_ENDINGS;

export interface CsvDialect {
  readonly delimiter: string;
  readonly lineEnding: string;
}

/** The dialect of a job row (a Classic job, or a row of an earlier file, reads as COMMA and LF). */
export function dialectOf(job: { readonly column_delimiter: string | null; readonly line_ending: string | null }): CsvDialect {
  const delimiter = COLUMN_DELIMITERS[(job.column_delimiter ?? 'COMMA') as ColumnDelimiter] ?? ',';
  const lineEnding = LINE_ENDINGS[(job.line_ending ?? 'LF') as LineEnding] ?? '\n';
  return { delimiter, lineEnding };
}
