/**
 * A header mapping: input column names to the object's API field names, in Data Loader's `.sdl`
 * form (one `Column=ApiField` per line, `#` comments) or inline (`Column=ApiField,Other=Field__c`).
 * Columns the map does not name keep their names (the Bulk API matches field names regardless of case).
 */
import { InvalidOptionError } from '../errors.js';

export type ColumnMap = ReadonlyMap<string, string>;

/** Reads a mapping's text: lines (an .sdl file) or comma-separated pairs. */
export function parseColumnMap(text: string): ColumnMap {
  const map = new Map<string, string>();
  const entries = text.includes('\n') ? text.split(/\r?\n/) : text.split(',');
  for (const raw of entries) {
    const entry = raw.trim();
    if (entry === '' || entry.startsWith('#')) continue;
    const eq = entry.indexOf('=');
    // Data Loader escapes some characters in .sdl keys with a backslash.
    const from = entry.slice(0, eq).trim().replace(/\\(.)/g, '$1');
    const to = entry.slice(eq + 1).trim();
    if (eq <= 0 || from === '' || to === '') throw new InvalidOptionError('map', 'Column=ApiField pairs', entry);
    if (map.has(from)) throw new InvalidOptionError('map', 'each column mapped once', from);
    map.set(from, to);
  }
  if (map.size === 0) throw new InvalidOptionError('map', 'at least one Column=ApiField pair', text.slice(0, 80));
  return map;
}

/** The columns as the map names them; two that end up with one name (regardless of case) are an error unless `check` is false. */
export function mapColumns(columns: readonly string[], map: ColumnMap | undefined, check = true): string[] {
  if (!map) return [...columns];
  const mapped = columns.map((c) => map.get(c) ?? c);
  const twice = check ? repeatedField(mapped) : undefined;
  if (twice) throw new InvalidOptionError('map', 'columns that keep distinct names once mapped', `${columns[twice[1]]} -> ${mapped[twice[1]]}`);
  return mapped;
}

/** The 0-based positions of the first two names that are one field name regardless of case (as Salesforce compares them), if any. */
export function repeatedField(names: readonly string[]): [number, number] | undefined {
  const seen = new Map<string, number>();
  for (const [i, name] of names.entries()) {
    const key = name.toLowerCase();
    const first = seen.get(key);
    if (first !== undefined) return [first, i];
    seen.set(key, i);
  }
  return undefined;
}
