/**
 * Where in a SOQL text an error is, in Salesforce's words: `<the row> ^ ERROR at Row:R:Column:C
 * <what>`, with the 1-based row and column of the token at fault (outside string literals,
 * case-insensitive, on word boundaries), or of the end of the query for `<EOF>`.
 */

interface Position {
  readonly row: number;
  readonly column: number;
  /** The text of that row. */
  readonly line: string;
}

/** The offset of the first `token` outside quoted strings, or -1. */
function offsetOf(soql: string, token: string): number {
  const want = token.toLowerCase();
  const text = soql.toLowerCase();
  const word = (c: string | undefined) => c !== undefined && /[A-Za-z0-9_]/.test(c);
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'" && text[i - 1] !== '\\') quoted = !quoted;
    if (quoted || !text.startsWith(want, i)) continue;
    if (word(want[0]) && word(text[i - 1])) continue;
    if (word(want[want.length - 1]) && word(text[i + want.length])) continue;
    return i;
  }
  return -1;
}

function positionAt(soql: string, offset: number): Position {
  const before = soql.slice(0, offset);
  const row = before.split('\n').length;
  const start = before.lastIndexOf('\n') + 1;
  const end = soql.indexOf('\n', start);
  return { row, column: offset - start + 1, line: soql.slice(start, end < 0 ? undefined : end).trim() };
}

/** The error text for `token` (undefined or '' for the end of the query). */
export function soqlErrorAt(soql: string, token: string | undefined, what: string): string {
  const offset = token ? offsetOf(soql, token) : -1;
  const { row, column, line } = positionAt(soql, offset < 0 ? soql.trimEnd().length : offset);
  return `${line} ^ ERROR at Row:${row}:Column:${column} ${what}`;
}

/** The token a parser error says it found instead of what it expected; '' for the end of the input. */
export function foundToken(parserMessage: string): string | undefined {
  const all = [...parserMessage.matchAll(/but found(?::| -->) '([^']*)'/g)];
  return all.length ? (all[all.length - 1]?.[1] as string) : undefined;
}
