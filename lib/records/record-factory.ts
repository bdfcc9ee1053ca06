/**
 * Builds records that share one key sequence (a CSV header, the keys repeated by JSON records)
 * through a generated object literal: about ten times cheaper than adding the keys one by one, and
 * every record gets the same hidden class. Keys are embedded as JSON string literals; `__proto__`
 * is written as a computed key, which defines an own property rather than setting the prototype.
 */
import type { InputValue } from '../load-types.js';

export type RecordFactory = (values: readonly InputValue[]) => Record<string, InputValue>;

export function recordFactory(keys: readonly string[]): RecordFactory {
  const properties = keys.map((key, i) => `${key === '__proto__' ? `[${JSON.stringify(key)}]` : JSON.stringify(key)}: v[${i}]`);
  return new Function('v', `return {${properties.join(', ')}};`) as RecordFactory;
}
