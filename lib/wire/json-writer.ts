/**
 * JSON documents with a fixed key order and the two layouts seen from Salesforce: the documented
 * pretty form (3-space indent, `" : "`, wire §3.4) and the compact form recorded for batchInfo (4.3).
 * Values are pre-rendered JSON text so that doubles such as `"apiVersion" : 36.0` keep their decimal.
 */

/** A key with its JSON text; undefined values are left out. */
export type JsonEntry = readonly [key: string, json: string | undefined];

export function jsonPretty(entries: readonly JsonEntry[]): string {
  const lines = entries.filter(([, v]) => v !== undefined).map(([k, v]) => `   ${JSON.stringify(k)} : ${v}`);
  return `{\n${lines.join(',\n')}\n}`;
}

export function jsonCompact(entries: readonly JsonEntry[]): string {
  return `{${entries
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${JSON.stringify(k)}:${v}`)
    .join(',')}}`;
}

/** Sorts entries by key, as Salesforce's JSON serializer does for jobInfo and batchInfo. */
export function alphabetical(entries: readonly JsonEntry[]): JsonEntry[] {
  return [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
