// Kept over csv-parse (issue 28): the CSV record path takes 5.8x less CPU on data.ts Accounts (4.2-4.4x quoted, multi-byte), csv-parse wrapped for the same faults (benchmarks/hand-written-vs-library.bench.ts).
/**
 * An RFC 4180 reader for CSV text already in memory (a batch of at most 10 MB): fields separated by
 * a delimiter (a comma unless told), optionally in double quotes with `""` for a quote, LF, CRLF or
 * bare CR line ends (mixed too; each one line for the line numbers), newlines allowed inside quotes, empty lines skipped (a line of `""` is a record). A
 * scan of char codes, several times faster than csv-parse on the same text, for the hot paths that
 * hold a whole batch anyway.
 * Strict by default: a stray or unterminated quote throws. Tolerant on request: the record is read
 * the way CsvRecordScanner cuts it (a stray quote taken literally) and its first problem is handed
 * to `onRecord` with it, so that one bad record costs itself only.
 */
import { ParseError } from '../errors.js';
import { countTextLineEnds, textLineStart } from './line-ends.js';

const COMMA = 44;
const QUOTE = 34;
const LF = 10;
const CR = 13;

/** What is wrong with a record's syntax: where (physical line and character column) and in which field. */
export interface CsvProblem {
  readonly reason: string;
  readonly line: number;
  readonly column: number;
  /** 1-based position of the field in the record. */
  readonly field: number;
}

export interface CsvTextOptions {
  /** The field separator's char code; default a comma. */
  readonly delimiter?: number;
  /** Hand problems to onRecord instead of throwing. */
  readonly tolerant?: boolean;
}

const STRAY_QUOTE = 'a stray quote inside an unquoted field (quote the field and double the quote: "O""Brien")';
const TEXT_AFTER_QUOTE = 'text after a closing quote (inside a quoted field a quote is written twice: "")';
const UNTERMINATED_QUOTE = 'an unterminated quoted field: its opening quote is never closed';

/**
 * Calls `onRecord` with each record's fields, the line it starts on (counted from `firstLine`,
 * for text that continues a stream) and the index in `text` after its line end (where the next
 * record's text begins, empty lines aside). Returns the line after the text. Throws ParseError (with
 * `line`, `column` and the field's 1-based position as `record`-less context) on an unterminated
 * quote or a stray quote, unless `tolerant`.
 */
export function parseCsvText(
  text: string,
  onRecord: (fields: string[], line: number, problem: CsvProblem | undefined, end: number) => void,
  source = 'CSV',
  firstLine = 1,
  options: CsvTextOptions = {},
): number {
  const delimiter = options.delimiter ?? COMMA;
  const tolerant = options.tolerant === true;
  const n = text.length;
  let i = 0;
  let line = firstLine;
  while (i < n) {
    const startLine = line;
    // An empty line is no record; a line of `""` is one, with an empty value.
    const empty = text.charCodeAt(i) === LF || text.charCodeAt(i) === CR;
    const fields: string[] = [];
    let problem: CsvProblem | undefined;
    for (;;) {
      let value: string;
      if (text.charCodeAt(i) === QUOTE) {
        const open = i;
        let out = '';
        let from = i + 1;
        for (;;) {
          const q = text.indexOf('"', from);
          if (q < 0) {
            problem ??= faultAt(text, UNTERMINATED_QUOTE, open, line, fields.length + 1, tolerant, source);
            out += text.slice(from);
            i = n;
            break;
          }
          out += text.slice(from, q);
          if (text.charCodeAt(q + 1) === QUOTE) {
            out += '"';
            from = q + 2;
            continue;
          }
          i = q + 1;
          break;
        }
        line += countTextLineEnds(out);
        const c = text.charCodeAt(i);
        if (i < n && c !== delimiter && c !== LF && c !== CR) {
          problem ??= faultAt(text, TEXT_AFTER_QUOTE, i, line, fields.length + 1, tolerant, source);
          // Read on as the scanner does: literally, up to the next delimiter or line end.
          const rest = unquotedEnd(text, i, delimiter);
          out += text.slice(i, rest);
          i = rest;
        }
        value = out;
      } else {
        let j = i;
        let quote = -1;
        let c = text.charCodeAt(j);
        while (j < n && c !== delimiter && c !== LF && c !== CR) {
          if (c === QUOTE && quote < 0) quote = j;
          c = text.charCodeAt(++j);
        }
        if (quote >= 0) problem ??= faultAt(text, STRAY_QUOTE, quote, line, fields.length + 1, tolerant, source);
        value = text.slice(i, j);
        i = j;
      }
      fields.push(value);
      const c = text.charCodeAt(i);
      if (c === delimiter) {
        i++;
        continue;
      }
      if (c === CR && text.charCodeAt(i + 1) === LF) i += 2;
      else if (i < n) i++; // LF, or a lone CR
      line++;
      break;
    }
    if (!empty) onRecord(fields, startLine, problem, i);
  }
  return line;
}

/** The problem at `at`, thrown unless tolerant (a plain function: no closure is made per record). */
function faultAt(text: string, reason: string, at: number, line: number, field: number, tolerant: boolean, source: string): CsvProblem {
  const found: CsvProblem = { reason, line, column: at - textLineStart(text, at) + 1, field };
  if (!tolerant) throw new ParseError(reason, { source, line: found.line, column: found.column }, { cause: found });
  return found;
}

/** The end of an unquoted field starting at i: the next delimiter or line end. */
function unquotedEnd(text: string, i: number, delimiter: number): number {
  const n = text.length;
  let j = i;
  let c = text.charCodeAt(j);
  while (j < n && c !== delimiter && c !== LF && c !== CR) c = text.charCodeAt(++j);
  return j;
}
