/** JSON strings: whether a quote ends one or is part of it. */
import { BACKSLASH } from './json-chars.js';

/** Whether the quote at `q` is escaped: preceded by an odd number of backslashes. */
export function escapedQuote(text: string, q: number): boolean {
  let k = q - 1;
  while (k >= 0 && text.charCodeAt(k) === BACKSLASH) k--;
  return (q - 1 - k) % 2 === 1;
}
