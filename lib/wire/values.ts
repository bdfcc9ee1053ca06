/**
 * Field-level readers shared by the XML and JSON codecs: a document is first reduced to a lookup
 * `name -> text`, then each field is checked here, so both formats give the same errors.
 */
import { ParseError, type ParseErrorContext } from '../errors.js';
import { parseWireDate } from './dates.js';
import { childText, type XmlElement } from './xml-reader.js';

/** Text of a field by name; undefined when absent or null. */
export type FieldLookup = (name: string) => string | undefined;

export function xmlLookup(element: XmlElement): FieldLookup {
  return (name) => childText(element, name);
}

/** JSON numbers become text; `apiVersion`-like doubles keep one decimal (`36` -> `36.0`). */
export function jsonLookup(object: Record<string, unknown>, doubles: readonly string[] = []): FieldLookup {
  return (name) => {
    const value = object[name];
    if (value === null || value === undefined) return undefined;
    if (typeof value === 'number' && doubles.includes(name)) return value.toFixed(1);
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
    throw new ParseError(`expected a scalar, got ${Array.isArray(value) ? 'an array' : typeof value}`, { field: name });
  };
}

export class FieldReader {
  readonly #get: FieldLookup;
  readonly #source: string;
  constructor(get: FieldLookup, source: string) {
    this.#get = get;
    this.#source = source;
  }

  optional(name: string): string | undefined {
    return this.#get(name);
  }

  required(name: string): string {
    const value = this.#get(name);
    if (value === undefined) throw new ParseError(`missing ${name}`, { source: this.#source, field: name });
    return value;
  }

  /** A non-negative integer; absent counts as 0 (API 18.0 and earlier omit the counters). */
  count(name: string): number {
    const text = this.#get(name);
    if (text === undefined) return 0;
    const n = Number(text);
    if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n)) {
      throw new ParseError(`expected a non-negative integer, got ${JSON.stringify(text.slice(0, 40))}`, {
        source: this.#source,
        field: name,
      });
    }
    return n;
  }

  date(name: string): Date {
    return parseWireDate(this.required(name), this.#source, name);
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback?: T): T {
    const text = this.#get(name);
    if (text === undefined && fallback !== undefined) return fallback;
    if (text === undefined || !(allowed as readonly string[]).includes(text)) {
      throw new ParseError(`expected one of ${allowed.join(', ')}, got ${JSON.stringify(text ?? null)}`, {
        source: this.#source,
        field: name,
      });
    }
    return text as T;
  }
}

/** Parses a JSON document (a response, a record), naming the source (and line, record) on failure. */
export function parseJsonDocument(body: string | Uint8Array, where: string | ParseErrorContext): unknown {
  const text = typeof body === 'string' ? body : new TextDecoder().decode(body);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ParseError(`malformed JSON: ${(err as Error).message}`, typeof where === 'string' ? { source: where } : where, { cause: err });
  }
}

export function jsonObject(value: unknown, source: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ParseError('expected a JSON object', { source });
  }
  return value as Record<string, unknown>;
}

/** JSON text for a string, number or boolean value; doubles are written with one decimal. */
export function jsonScalar(value: string | number | boolean | null, double = false): string {
  if (double && typeof value === 'number') return value.toFixed(1);
  return JSON.stringify(value);
}
