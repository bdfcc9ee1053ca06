/**
 * The first key that one JSON object of a document holds twice, if any. JSON.parse keeps the last
 * value silently; a record with a repeated key is rejected instead, since either value may be the
 * one meant. Run only on records that went to JSON.parse (the flat-object fast path checks its own
 * keys), over text JSON.parse has accepted.
 */
import { isSpace } from '../text/whitespace.js';
import { escapedQuote } from '../text/escaped-quote.js';
import { CLOSE_BRACE, CLOSE_BRACKET, COLON, OPEN_BRACE, OPEN_BRACKET, QUOTE } from '../text/json-chars.js';

export function duplicateJsonKey(text: string): string | undefined {
  // One key set per open object; null for an open array.
  const open: Array<Set<string> | null> = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      let j = text.indexOf('"', i + 1);
      while (j >= 0 && escapedQuote(text, j)) j = text.indexOf('"', j + 1);
      if (j < 0) return undefined;
      const keys = open[open.length - 1];
      if (keys) {
        let k = j + 1;
        while (k < n && isSpace(text.charCodeAt(k))) k++;
        if (text.charCodeAt(k) === COLON) {
          const raw = text.slice(i + 1, j);
          const key = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
          if (keys.has(key)) return key;
          keys.add(key);
        }
      }
      i = j + 1;
      continue;
    }
    if (c === OPEN_BRACE) open.push(new Set());
    else if (c === OPEN_BRACKET) open.push(null);
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) open.pop();
    i++;
  }
  return undefined;
}

/** Whether the first `count` keys hold one twice: the fast path's check when a record's keys change. */
export function repeatsAKey(keys: readonly string[], count: number): boolean {
  if (count > 16) return new Set(keys.slice(0, count)).size !== count;
  for (let a = 1; a < count; a++) for (let b = 0; b < a; b++) if (keys[a] === keys[b]) return true;
  return false;
}
