/**
 * Downloads the result files of completed query batches ahead of the reader, so that several
 * downloads run at once while the output keeps batch-creation order. A prefetched batch goes to
 * spool files on disk (never memory), at most `ahead` batches at a time; the batch being read is
 * streamed straight from the server when it was not prefetched. Each spool file is deleted once read.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { BulkClient } from '../lib/http/client.js';
import type { BatchInfo } from '../lib/types.js';

export class QueryResultPrefetcher {
  readonly #client: BulkClient;
  readonly #jobId: string;
  readonly #ahead: number;
  readonly #abort = new AbortController();
  readonly #signal: AbortSignal;
  /** Prefetched batches: the promise of their spool files, in result-file order. */
  readonly #spooled = new Map<string, Promise<string[]>>();
  #dir: Promise<string> | undefined;
  #files = 0;

  /** `ahead`: most batches downloaded ahead of the one being read (0: none). */
  constructor(client: BulkClient, jobId: string, ahead: number, signal?: AbortSignal) {
    this.#client = client;
    this.#jobId = jobId;
    this.#ahead = ahead;
    this.#signal = signal ? AbortSignal.any([signal, this.#abort.signal]) : this.#abort.signal;
  }

  /** Starts downloading a completed batch's results when fewer than `ahead` are being held. */
  offer(batch: BatchInfo): void {
    if (this.#spooled.has(batch.id) || this.#spooled.size >= this.#ahead || batch.numberRecordsProcessed === 0) return;
    const files = this.#download(batch);
    files.catch(() => undefined); // reported when the batch is read, not as an unhandled rejection
    this.#spooled.set(batch.id, files);
  }

  /** A completed batch's result files, each as a byte stream; "no records" bodies are skipped. */
  async *files(batch: BatchInfo): AsyncGenerator<AsyncIterable<Uint8Array>> {
    const spooled = this.#spooled.get(batch.id);
    if (!spooled) {
      if (batch.numberRecordsProcessed === 0) return;
      const call = { signal: this.#signal };
      for (const resultId of await this.#client.listQueryResultIds(this.#jobId, batch.id, call)) {
        const { body } = await this.#client.getQueryResult(this.#jobId, batch.id, resultId, call);
        yield body as AsyncIterable<Uint8Array>;
      }
      return;
    }
    const paths = await spooled;
    try {
      for (const path of paths) {
        yield createReadStream(path, { highWaterMark: 256 * 1024 });
        await rm(path, { force: true });
      }
    } finally {
      this.#spooled.delete(batch.id);
      await Promise.all(paths.map((p) => rm(p, { force: true })));
    }
  }

  /** Stops the downloads and deletes the spool. */
  async close(): Promise<void> {
    this.#abort.abort();
    await Promise.allSettled(this.#spooled.values());
    this.#spooled.clear();
    if (this.#dir) {
      const dir = await this.#dir.catch(() => undefined);
      if (dir) await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
    }
  }

  async #download(batch: BatchInfo): Promise<string[]> {
    this.#dir ??= mkdtemp(join(tmpdir(), 'bulkpipe-query-'));
    const dir = await this.#dir;
    const call = { signal: this.#signal };
    const paths: string[] = [];
    try {
      for (const resultId of await this.#client.listQueryResultIds(this.#jobId, batch.id, call)) {
        const path = join(dir, `result-${++this.#files}`);
        paths.push(path);
        const { body } = await this.#client.getQueryResult(this.#jobId, batch.id, resultId, call);
        await pipeline(body, createWriteStream(path), { signal: this.#signal });
      }
      return paths;
    } catch (err) {
      await Promise.all(paths.map((p) => rm(p, { force: true })));
      throw err;
    }
  }
}
