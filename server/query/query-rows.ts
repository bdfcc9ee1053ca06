/**
 * The rows a compiled SOQL query matches, read a page at a time (yielding to the event loop between
 * pages, so HTTP stays responsive): keyset pages by id, or offset pages under ORDER BY. Shared by
 * query batches and the REST query.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Db } from '../store/database.js';
import { recordData, type RecordData, type StoredRow } from '../store/records-store.js';
import type { ResultRow } from './result-writers.js';
import type { CompiledQuery } from './soql.js';

const PAGE_ROWS = 2000;

/** Every id of an object lies in [prefix, prefix + '~'): '~' sorts after every base-62 character. */
export const prefixRange = (keyPrefix: string): [string, string] => [keyPrefix, `${keyPrefix}~`];

export interface QueryRange {
  /** queryAll: deleted records too. */
  readonly all?: boolean;
  /** A PK chunk's id range, [from, to). */
  readonly from?: string | null;
  readonly to?: string | null;
}

/** The joins, id range and filters of a query: what its rows and its count share. */
function scope(q: CompiledQuery, range: QueryRange) {
  const aliases = [...q.joins.keys()];
  const joins = aliases.map((a) => `LEFT JOIN records ${a} ON ${a}.id = json_extract(r.data, '$.${(q.joins.get(a) as { reference: { name: string } }).reference.name}')`).join(' ');
  const [prefixLow, prefixHigh] = prefixRange(q.object.keyPrefix);
  const low = range.from && range.from > prefixLow ? range.from : prefixLow;
  const high = range.to && range.to < prefixHigh ? range.to : prefixHigh;
  const filters = range.all ? [] : ['r.deleted = 0'];
  const params: unknown[] = [];
  if (q.where) {
    filters.push(`(${q.where})`);
    params.push(...q.whereParams);
  }
  return { aliases, joins, low, high, filters, params };
}

/**
 * A REST `COUNT()` / `COUNT(field)` in one SQL count: the matches (with a non-null field), at most
 * LIMIT of them for `COUNT()`, without reading a record.
 */
export function countRows(db: Db, q: CompiledQuery, range: QueryRange = {}): number {
  const { joins, low, high, filters, params } = scope(q, range);
  const expression = q.count?.expression;
  const where = ['r.id >= ?', 'r.id < ?', ...filters, ...(expression ? [`${expression} IS NOT NULL`] : [])].join(' AND ');
  const { n } = db.prepare(`SELECT count(*) AS n FROM records r ${joins} WHERE ${where}`).get(low, high, ...params) as { n: number };
  return expression || q.limit === undefined ? n : Math.min(n, q.limit);
}

/** Matching rows, a page at a time. */
export async function* queryRows(db: Db, q: CompiledQuery, range: QueryRange = {}): AsyncGenerator<ResultRow> {
  // One id range per query, [low, high): the object's key prefix, narrowed to a PK chunk. A page
  // moves `low` past its last id, so SQLite seeks in the primary key instead of rescanning (with
  // two lower bounds it may pick the constant one, which made each page cost more than the last).
  const { aliases, joins, high, filters, params, ...first } = scope(q, range);
  let low = first.low;
  const select = `SELECT r.*${aliases.map((a) => `, ${a}.id AS ${a}_id, ${a}.deleted AS ${a}_deleted, ${a}.created_date AS ${a}_created_date, ${a}.modstamp AS ${a}_modstamp, ${a}.owner_id AS ${a}_owner_id, ${a}.created_by AS ${a}_created_by, ${a}.data AS ${a}_data`).join('')} FROM records r ${joins}`;
  const keyset = q.orderBy === undefined;
  const where = ['r.id >= ?', 'r.id < ?', ...filters].join(' AND ');
  const sql = keyset ? `${select} WHERE ${where} ORDER BY r.id LIMIT ?` : `${select} WHERE ${where} ORDER BY ${q.orderBy} LIMIT ? OFFSET ?`;
  const stmt = db.prepare(sql);
  let remaining = q.limit ?? Number.POSITIVE_INFINITY;
  let offset = 0;
  while (remaining > 0) {
    const size = Math.min(PAGE_ROWS, remaining);
    const page = (keyset ? stmt.all(low, high, ...params, size) : stmt.all(low, high, ...params, size, offset)) as Array<Record<string, string | number | null>>;
    for (const r of page) {
      const parents = new Map<string, { id: string; data: RecordData } | undefined>();
      for (const a of aliases) {
        const pid = r[`${a}_id`] as string | null;
        parents.set(a, pid ? { id: pid, data: recordData(r as unknown as StoredRow, `${a}_`) } : undefined);
      }
      yield { id: r.id as string, data: recordData(r as unknown as StoredRow), parents };
    }
    if (page.length < size) return;
    remaining -= page.length;
    offset += page.length;
    // The smallest string after the last id: ids are ASCII, so appending NUL gives exactly that.
    if (keyset) low = `${page[page.length - 1]?.id as string}\u0000`;
    await yieldToLoop();
  }
}
