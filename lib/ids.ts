/**
 * Salesforce record ids: 15 case-sensitive base-62 characters, or 18 with a case-safe suffix
 * (wire §9, item 8): for each 5-character block, bit i is set when character i is A to Z,
 * and the 5-bit value indexes `ABCDEFGHIJKLMNOPQRSTUVWXYZ012345`.
 */
import { InvalidIdError } from './errors.js';

const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const BASE62 = /^[0-9A-Za-z]+$/;

/** The 3-character case-safe suffix of a 15-character id. */
export function caseSafeSuffix(id15: string): string {
  let suffix = '';
  for (let block = 0; block < 3; block++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charCodeAt(block * 5 + i);
      if (c >= 65 && c <= 90) bits |= 1 << i;
    }
    suffix += SUFFIX_ALPHABET[bits];
  }
  return suffix;
}

/** Why `value` is not a valid id, or undefined when it is one. */
function invalidReason(value: string): string | undefined {
  if (value.length !== 15 && value.length !== 18) return 'expected 15 or 18 characters';
  if (!BASE62.test(value)) return 'expected only letters and digits';
  if (value.length === 18) {
    const expected = caseSafeSuffix(value.slice(0, 15));
    // The suffix itself is case-insensitive: it exists so that ids survive case-folding tools.
    if (value.slice(15).toUpperCase() !== expected) return `case-safe suffix should be ${expected}`;
  }
  return undefined;
}

export function isValidId(value: string): boolean {
  return invalidReason(value) === undefined;
}

/** The 18-character form of a 15- or 18-character id; throws InvalidIdError for anything else. */
export function toId18(value: string): string {
  const reason = invalidReason(value);
  if (reason) throw new InvalidIdError(value, reason);
  return value.length === 18 ? value.slice(0, 15) + value.slice(15).toUpperCase() : value + caseSafeSuffix(value);
}

/** The 15-character (case-sensitive) form of a valid id. */
export function toId15(value: string): string {
  return toId18(value).slice(0, 15);
}

/** True when two ids name the same record, whatever their lengths. */
export function sameId(a: string, b: string): boolean {
  return isValidId(a) && isValidId(b) && a.slice(0, 15) === b.slice(0, 15);
}
