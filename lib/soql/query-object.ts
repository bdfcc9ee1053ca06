/**
 * The object a SOQL query reads: the identifier after its top-level FROM. A scan, not a parser, so
 * that a query's client never loads a SOQL grammar (the full parser took about a second of start-up):
 * string literals are passed over (with their escapes), and a FROM inside parentheses (a
 * relationship subquery, `(SELECT Id FROM Contacts)`) is not the query's. Whether the rest of the
 * query is valid SOQL is the org's to say, in its own words.
 */
import { InvalidOptionError } from '../errors.js';

/** The object a SOQL query reads (its FROM). */
export function queryObject(soql: string): string {
  const object = soqlFromObject(soql);
  if (object) return object;
  throw new InvalidOptionError('soql', 'a SOQL query with a FROM clause (or give `object`)', soql);
}

/** The FROM object, or undefined when the query has no top-level FROM followed by a name. */
export function soqlFromObject(soql: string): string | undefined {
  const from = topLevelFrom(soql);
  if (from < 0) return undefined;
  return /^\s+([A-Za-z][A-Za-z0-9_]*)/.exec(soql.slice(from + 4))?.[1];
}

/** The index of the query's top-level FROM keyword, or -1. */
export function topLevelFrom(soql: string): number {
  let depth = 0;
  for (let i = 0; i < soql.length; i++) {
    const c = soql[i] as string;
    if (c === "'") {
      i = endOfString(soql, i);
      continue;
    }
    if (c === '(') depth++;
    else if (c === ')') depth = Math.max(0, depth - 1);
    else if (depth === 0 && (c === 'f' || c === 'F') && isKeywordAt(soql, i, 'from')) return i;
  }
  return -1;
}

/** The index of the quote that closes the string literal opened at `start` (or the last index). */
export function endOfString(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === "'") return i;
  }
  return text.length - 1;
}

const WORD = /[A-Za-z0-9_]/;

/** Whether `keyword` stands at `i` as a whole word, regardless of case. */
export function isKeywordAt(text: string, i: number, keyword: string): boolean {
  if (text.slice(i, i + keyword.length).toLowerCase() !== keyword) return false;
  const before = text[i - 1];
  const after = text[i + keyword.length];
  return (before === undefined || !WORD.test(before)) && (after === undefined || !WORD.test(after));
}
