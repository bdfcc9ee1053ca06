/**
 * The CSV field separator: one ASCII character other than a quote or a line end, as its byte (the
 * scanners work on bytes), and the delimiter of a header line when none is given.
 */
import { InvalidOptionError } from '../errors.js';

/** The names the CLI takes beside the characters themselves. */
const NAMED: Record<string, string> = { comma: ',', semicolon: ';', tab: '\t', pipe: '|' };

/** The delimiter's byte; `value` is one character or a name (comma, semicolon, tab, pipe). */
export function delimiterOption(value: string): number {
  const char = NAMED[value.toLowerCase()] ?? (value === '\\t' ? '\t' : value);
  const code = char.length === 1 ? char.charCodeAt(0) : -1;
  if (code < 0 || code > 0x7e || char === '"' || char === '\n' || char === '\r' || /[A-Za-z0-9]/.test(char)) {
    throw new InvalidOptionError('delimiter', 'one character such as , ; | or tab (not a quote, letter, digit or line end)', value);
  }
  return code;
}

/** Candidates for detection, in order of preference when a header line holds several equally. */
const CANDIDATES = [',', ';', '\t', '|'];

/**
 * The delimiter a header line uses: the candidate found most often outside quotes (a header of one
 * column has none: a comma then). The line's bytes up to its end.
 */
export function detectDelimiter(header: Buffer): number {
  let best = ',';
  let bestCount = 0;
  for (const candidate of CANDIDATES) {
    const code = candidate.charCodeAt(0);
    let count = 0;
    let quoted = false;
    for (const byte of header) {
      if (byte === 0x22) quoted = !quoted;
      else if (byte === code && !quoted) count++;
      else if ((byte === 0x0a || byte === 0x0d) && !quoted) break;
    }
    if (count > bestCount) [best, bestCount] = [candidate, count];
  }
  return best.charCodeAt(0);
}
