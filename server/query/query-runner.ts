/**
 * Runs a query batch: compiles its SOQL, reads matching records page by page (yielding to the event
 * loop between pages, so HTTP stays responsive), and stores result files of at most
 * `resultFileBytes` each. With PK chunking, the original batch instead creates one chunk batch per
 * id range and becomes NotProcessed (spec 7.2).
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { dataFormatOf } from '../../lib/wire/content-types.js';
import type { IdGenerator } from '../org/id-generator.js';
import type { OrgSchema } from '../org/schema.js';
import type { Db } from '../store/database.js';
import type { BatchRow, JobRow, JobsStore } from '../store/jobs-store.js';
import type { QueryResultsStore } from '../store/query-results-store.js';
import { recordData, type RecordData, type StoredRow } from '../store/records-store.js';
import type { PkChunking } from './pk-chunking.js';
import { resultWriter, type ResultRow } from './result-writers.js';
import { compileSoql, type CompiledQuery } from './soql.js';

export interface QueryRunnerOptions {
  readonly db: Db;
  readonly jobs: JobsStore;
  readonly results: QueryResultsStore;
  readonly schema: OrgSchema;
  readonly ids: IdGenerator;
  /** Most bytes in one result file before a new one starts; default 64 MiB. */
  readonly resultFileBytes?: number;
  /** Called when chunk batches were queued. */
  readonly onQueued: () => void;
  readonly now?: () => number;
}

const PAGE_ROWS = 2000;

/** Every id of an object lies in [prefix, prefix + '~'): '~' sorts after every base-62 character. */
const prefixRange = (keyPrefix: string): [string, string] => [keyPrefix, `${keyPrefix}~`];

export class QueryRunner {
  readonly #o: QueryRunnerOptions;
  readonly #fileBytes: number;
  readonly #now: () => number;

  constructor(options: QueryRunnerOptions) {
    this.#o = options;
    this.#fileBytes = options.resultFileBytes ?? 64 * 1024 * 1024;
    this.#now = options.now ?? Date.now;
  }

  readonly run = async (job: JobRow, batch: BatchRow): Promise<void> => {
    const { jobs } = this.#o;
    const soql = jobs.request(batch.pk_parent ?? batch.id).toString('utf8').trim();
    const compiled = compileSoql(soql, this.#o.schema, job.object);
    if (job.pk_chunking && !batch.pk_parent) return this.#chunk(job, batch, soql, JSON.parse(job.pk_chunking) as PkChunking);
    const started = performance.now();
    this.#o.results.clear(batch.id);
    const rows = await this.#write(job, batch, compiled);
    jobs.setProcessed(batch.id, rows, performance.now() - started);
  };

  async #write(job: JobRow, batch: BatchRow, q: CompiledQuery): Promise<number> {
    const writer = resultWriter(dataFormatOf(job.content_type), q.object.name, q.fields, job.api_version);
    let parts: string[] = [];
    let bytes = 0;
    let seq = 0;
    let total = 0;
    const flush = () => {
      parts.push(writer.tail());
      this.#o.results.add(this.#o.ids.next15('752'), batch.id, seq++, Buffer.from(parts.join(''), 'utf8'));
      parts = [];
      bytes = 0;
    };
    for await (const row of this.#rows(job, batch, q)) {
      if (parts.length === 0) parts.push(writer.head());
      const text = writer.row(row);
      parts.push(text);
      bytes += text.length;
      total++;
      if (bytes >= this.#fileBytes) flush();
    }
    if (parts.length > 0) flush();
    if (total === 0) this.#o.results.add(this.#o.ids.next15('752'), batch.id, 0, Buffer.from(writer.empty(), 'utf8'));
    return total;
  }

  /** Matching rows, a page at a time: keyset pages by id, or offset pages under ORDER BY. */
  async *#rows(job: JobRow, batch: BatchRow, q: CompiledQuery): AsyncGenerator<ResultRow> {
    const aliases = [...q.joins.keys()];
    const joins = aliases.map((a) => `LEFT JOIN records ${a} ON ${a}.id = json_extract(r.data, '$.${(q.joins.get(a) as { reference: { name: string } }).reference.name}')`).join(' ');
    // One id range per query, [low, high): the object's key prefix, narrowed to a PK chunk. A page
    // moves `low` past its last id, so SQLite seeks in the primary key instead of rescanning (with
    // two lower bounds it may pick the constant one, which made each page cost more than the last).
    const [prefixLow, prefixHigh] = prefixRange(q.object.keyPrefix);
    let low = batch.pk_from && batch.pk_from > prefixLow ? batch.pk_from : prefixLow;
    const high = batch.pk_to && batch.pk_to < prefixHigh ? batch.pk_to : prefixHigh;
    const filters = job.operation === 'queryAll' ? [] : ['r.deleted = 0'];
    const params: unknown[] = [];
    if (q.where) {
      filters.push(`(${q.where})`);
      params.push(...q.whereParams);
    }
    const select = `SELECT r.*${aliases.map((a) => `, ${a}.id AS ${a}_id, ${a}.deleted AS ${a}_deleted, ${a}.created_date AS ${a}_created_date, ${a}.modstamp AS ${a}_modstamp, ${a}.owner_id AS ${a}_owner_id, ${a}.created_by AS ${a}_created_by, ${a}.data AS ${a}_data`).join('')} FROM records r ${joins}`;
    const keyset = q.orderBy === undefined;
    const where = ['r.id >= ?', 'r.id < ?', ...filters].join(' AND ');
    const sql = keyset ? `${select} WHERE ${where} ORDER BY r.id LIMIT ?` : `${select} WHERE ${where} ORDER BY ${q.orderBy} LIMIT ? OFFSET ?`;
    const stmt = this.#o.db.prepare(sql);
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

  /** Splits the query into chunk batches by id range; the original batch becomes NotProcessed. */
  #chunk(job: JobRow, batch: BatchRow, soql: string, pk: PkChunking): void {
    const { db, jobs } = this.#o;
    const deleted = job.operation === 'queryAll' ? '' : ' AND deleted = 0';
    const prefix = (this.#o.schema.object(job.object) as { keyPrefix: string }).keyPrefix;
    const [low, high] = prefixRange(prefix);
    const nth = db.prepare(`SELECT id FROM records WHERE id >= ? AND id < ?${deleted} ORDER BY id LIMIT 1 OFFSET ?`);
    const first = nth.get(pk.startRow && pk.startRow > low ? pk.startRow : low, high, 0) as { id: string } | undefined;
    const hasWhere = /\swhere\s/i.test(soql);
    jobs.transaction(() => {
      // With no records, one chunk over every id still answers the query (with no rows).
      let from: string | undefined = first?.id ?? low;
      while (from) {
        const next = nth.get(from, high, pk.chunkSize) as { id: string } | undefined;
        const range = `Id >= '${from}'${next ? ` AND Id < '${next.id}'` : ''}`;
        const text = `${soql}${hasWhere ? ' AND ' : ' WHERE '}${range}`;
        jobs.addBatch(this.#o.ids.next('751'), job.id, Buffer.from(text, 'utf8'), this.#now(), { parent: batch.id, from, to: next?.id ?? null });
        from = next?.id;
      }
      jobs.setBatchState(batch.id, 'NotProcessed', this.#now());
    });
    this.#o.onQueued();
  }
}
