/**
 * Tiny option validators. Each returns the value when it is good and throws InvalidOptionError
 * otherwise, so constructors fail fast and never on the first chunk.
 */
import { InvalidOptionError } from './errors.js';

export function positiveInteger(name: string, value: unknown, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new InvalidOptionError(name, `an integer from 1 to ${max}`, value);
  }
  return value;
}

export function nonNegativeInteger(name: string, value: unknown, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    throw new InvalidOptionError(name, `an integer from 0 to ${max}`, value);
  }
  return value;
}

/** A duration in milliseconds: a finite number from 0 up to `max` (default 24 h). */
export function duration(name: string, value: unknown, max = 86_400_000): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > max) {
    throw new InvalidOptionError(name, `a duration in milliseconds from 0 to ${max}`, value);
  }
  return value;
}

export function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new InvalidOptionError(name, `one of ${allowed.join(', ')}`, value);
  }
  return value as T;
}

export function nonEmptyString(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw new InvalidOptionError(name, 'a non-empty string', value);
  return value;
}

export function boolean(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new InvalidOptionError(name, 'true or false', value);
  return value;
}

/** An http(s) URL without credentials; returned as a URL object. */
export function httpUrl(name: string, value: unknown): URL {
  let url: URL | undefined;
  try {
    url = typeof value === 'string' || value instanceof URL ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password) {
    throw new InvalidOptionError(name, 'an http(s) URL without credentials', value instanceof URL ? value.href : value);
  }
  return url;
}

/** A Bulk API version such as `35.0`: digits, a dot, one digit; 20.0 or later (wire §0). */
export function apiVersion(name: string, value: unknown): string {
  if (typeof value !== 'string' || !/^\d{2,3}\.\d$/.test(value) || Number(value) < 20) {
    throw new InvalidOptionError(name, 'an API version such as "35.0" (20.0 or later)', value);
  }
  return value;
}
