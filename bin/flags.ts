/** Checks for flag values, each failing with a one-line UsageError that names the flag. */
import { UsageError } from './usage-error.js';

/** A whole number within [min, max], or the fallback when the flag is absent. */
export function wholeNumber(name: string, text: string | undefined, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UsageError(`--${name} expects a whole number from ${min} to ${max}, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

/** One of the given choices. */
export function choice<T extends string>(name: string, text: string | undefined, choices: readonly T[], fallback: T): T;
export function choice<T extends string>(name: string, text: string | undefined, choices: readonly T[]): T | undefined;
export function choice<T extends string>(name: string, text: string | undefined, choices: readonly T[], fallback?: T): T | undefined {
  if (text === undefined) return fallback;
  const found = choices.find((c) => c.toLowerCase() === text.toLowerCase());
  if (!found) throw new UsageError(`--${name} expects one of ${choices.join(', ')}, got ${JSON.stringify(text)}`);
  return found;
}
