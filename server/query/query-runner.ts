/**
 * Runs a query batch: compiles its SOQL, reads matching records page by page (yielding to the event
 * loop between pages, so HTTP stays responsive), and stores result files of at most
 * `resultFileBytes` each. With PK chunking, the original batch instead creates one chunk batch per
 * id range and becomes NotProcessed (wire §7.2). Every write is made under the batch's claim
 * (JobsStore.underClaim): a processor that lost it adds no result file.
 */
import { performance } from 'node:perf_hooks';
import { dataFormatOf } from '../../lib/wire/content-types.js';
import type { IdGenerator } from '../org/id-generator.js';
import type { JobSchemas } from '../org/job-schemas.js';
import type { Db } from '../store/database.js';
import type { BatchRow, JobRow, JobsStore } from '../store/jobs-store.js';
import type { QueryResultsStore } from '../store/query-results-store.js';
import type { V2QueryStore } from '../store/v2-query-store.js';
import type { PkChunking } from './pk-chunking.js';
import { prefixRange, queryRows } from './query-rows.js';
import { resultWriter } from './result-writers.js';
import { compileSoql, type CompiledQuery } from './soql.js';
import { writeV2Results } from './v2-result-writer.js';

export interface QueryRunnerOptions {
  readonly db: Db;
  readonly jobs: JobsStore;
  readonly results: QueryResultsStore;
  /** Bulk API 2.0 query jobs' results (rows in chunks, paged by the REST API). */
  readonly v2Results: V2QueryStore;
  readonly schemas: JobSchemas;
  readonly ids: IdGenerator;
  /** Most bytes in one result file before a new one starts; default 64 MiB. */
  readonly resultFileBytes?: number;
  /** Called when chunk batches were queued. */
  readonly onQueued: () => void;
  readonly now?: () => number;
}

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
    const soql = jobs
      .request(batch.pk_parent ?? batch.id)
      .toString('utf8')
      .trim();
    const compiled = compileSoql(soql, this.#o.schemas.of(job), job.object);
    if (job.job_type === 'V2Query') return this.#runV2(job, batch, compiled);
    if (job.pk_chunking && !batch.pk_parent) return this.#chunk(job, batch, soql, JSON.parse(job.pk_chunking) as PkChunking);
    const started = performance.now();
    jobs.underClaim(batch, () => this.#o.results.clear(batch.id));
    const rows = await this.#write(job, batch, compiled);
    jobs.underClaim(batch, () => jobs.setProcessed(batch.id, rows, performance.now() - started));
  };

  /** A Bulk API 2.0 query job's one batch: its rows stored for paging; numberRecordsProcessed counts them. */
  async #runV2(job: JobRow, batch: BatchRow, compiled: CompiledQuery): Promise<void> {
    const { db, jobs } = this.#o;
    const started = performance.now();
    const rows = await writeV2Results({ db, jobs, store: this.#o.v2Results }, job, batch, compiled);
    jobs.underClaim(batch, () => jobs.setProcessed(batch.id, rows, performance.now() - started));
  }

  async #write(job: JobRow, batch: BatchRow, q: CompiledQuery): Promise<number> {
    const writer = resultWriter(dataFormatOf(job.content_type), q.object.name, q.fields, job.api_version);
    let parts: string[] = [];
    let bytes = 0;
    let seq = 0;
    let total = 0;
    const add = (data: string) => this.#o.jobs.underClaim(batch, () => this.#o.results.add(this.#o.ids.next15('752'), batch.id, seq++, Buffer.from(data, 'utf8')));
    const flush = () => {
      parts.push(writer.tail());
      add(parts.join(''));
      parts = [];
      bytes = 0;
    };
    for await (const row of queryRows(this.#o.db, q, { all: job.operation === 'queryAll', from: batch.pk_from, to: batch.pk_to })) {
      if (parts.length === 0) parts.push(writer.head());
      const text = writer.row(row);
      parts.push(text);
      bytes += text.length;
      total++;
      if (bytes >= this.#fileBytes) flush();
    }
    if (parts.length > 0) flush();
    if (total === 0) add(writer.empty());
    return total;
  }

  /** Splits the query into chunk batches by id range; the original batch becomes NotProcessed. */
  #chunk(job: JobRow, batch: BatchRow, soql: string, pk: PkChunking): void {
    const { db, jobs } = this.#o;
    const deleted = job.operation === 'queryAll' ? '' : ' AND deleted = 0';
    const prefix = (this.#o.schemas.of(job).object(job.object) as { keyPrefix: string }).keyPrefix;
    const [low, high] = prefixRange(prefix);
    const nth = db.prepare(`SELECT id FROM records WHERE id >= ? AND id < ?${deleted} ORDER BY id LIMIT 1 OFFSET ?`);
    const first = nth.get(pk.startRow && pk.startRow > low ? pk.startRow : low, high, 0) as { id: string } | undefined;
    const hasWhere = /\swhere\s/i.test(soql);
    jobs.underClaim(batch, () => {
      // With no records, one chunk over every id still answers the query (with no rows).
      let from: string | undefined = first?.id ?? low;
      while (from) {
        const next = nth.get(from, high, pk.chunkSize) as { id: string } | undefined;
        const range = `Id >= '${from}'${next ? ` AND Id < '${next.id}'` : ''}`;
        const text = `${soql}${hasWhere ? ' AND ' : ' WHERE '}${range}`;
        jobs.addBatch(this.#o.ids.next('751'), job.id, Buffer.from(text, 'utf8'), this.#now(), { parent: batch.id, from, to: next?.id ?? null });
        from = next?.id;
      }
      jobs.finish(batch, 'NotProcessed', this.#now());
    });
    this.#o.onQueued();
  }
}
