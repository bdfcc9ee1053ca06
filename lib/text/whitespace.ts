/** JSON's and XML's white space (space, tab, LF, CR), by char code, and skipping over it. */
export const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/** The first position at or after `from`, before `end`, that is not white space (`end` when none). */
export function skipSpace(text: string, from: number, end: number): number {
  let i = from;
  while (i < end && isSpace(text.charCodeAt(i))) i++;
  return i;
}
