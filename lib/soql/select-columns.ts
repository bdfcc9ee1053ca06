/**
 * The columns of a query's CSV result, named from its SELECT list as the org names them: each field
 * as written in the SOQL, a parent's field by its path (`Account.Name`) (spec bulk-api-v1.md §5.4;
 * the local org does the same for v1 and 2.0). A query that matches no row gets no header from the
 * org (v1's result is "Records not found for this query", and bulkQuery reads no result of an empty
 * batch), so this is its header (issue 27). A scan like query-object.ts, no SOQL grammar.
 */
import { endOfString, isKeywordAt, topLevelFrom } from './query-object.js';

const PATH = /^[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)*$/;
/** `toLabel(Status)`, `convertCurrency(Amount) amount`: a function of one field (what the Bulk API allows). */
const CALL = /^([A-Za-z][A-Za-z0-9_]*)\s*\(\s*([A-Za-z][A-Za-z0-9_.]*)\s*\)(?:\s+([A-Za-z][A-Za-z0-9_]*))?$/;
/**
 * The functions whose column Salesforce names after their field (SOQL reference: toLabel, convertCurrency,
 * FORMAT in the SELECT list). Any other (`FIELDS(STANDARD)`, an aggregate's `expr0`) is not named so.
 */
const FIELD_NAMED = new Set(['tolabel', 'convertcurrency', 'format']);

/**
 * The result's column names, in select order; undefined when an item is one this scan cannot name as
 * the org would (TYPEOF, a subquery, an expression), or the query has no SELECT ... FROM.
 */
export function soqlSelectColumns(soql: string): string[] | undefined {
  const start = soql.length - soql.trimStart().length;
  const from = topLevelFrom(soql);
  if (!isKeywordAt(soql, start, 'select') || from < 0) return undefined;
  const columns: string[] = [];
  for (const item of topLevelItems(soql.slice(start + 'select'.length, from))) {
    if (/^typeof\b/i.test(item)) return undefined;
    if (PATH.test(item)) {
      columns.push(item);
      continue;
    }
    // A function of one field is named by its alias, else by the field (as a REST query names `toLabel(Status)`).
    const call = CALL.exec(item);
    if (!call || !FIELD_NAMED.has((call[1] as string).toLowerCase()) || !PATH.test(call[2] as string)) return undefined;
    columns.push(call[3] ?? (call[2] as string));
  }
  return columns.length > 0 ? columns : undefined;
}

/** The result's header line as the org writes it (every name quoted, commas, LF), or undefined. */
export function soqlCsvHeader(soql: string): string | undefined {
  const columns = soqlSelectColumns(soql);
  return columns && `${columns.map((c) => `"${c}"`).join(',')}\n`;
}

/** The SELECT list's items, split at the commas outside parentheses and string literals, trimmed. */
function topLevelItems(list: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let begin = 0;
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if (c === "'") i = endOfString(list, i);
    else if (c === '(') depth++;
    else if (c === ')') depth = Math.max(0, depth - 1);
    else if (c === ',' && depth === 0) {
      items.push(list.slice(begin, i).trim());
      begin = i + 1;
    }
  }
  items.push(list.slice(begin).trim());
  return items;
}
