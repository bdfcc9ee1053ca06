/**
 * The result pages of a JobComplete Bulk API 2.0 query job, in result order, each a CSV stream with
 * its header. With `ahead` > 0 and an org that lists its pages (`resultPages`), up to `ahead` pages
 * after the one being read download at once, to spool files on disk (never memory); otherwise, and
 * when the org does not offer the list, the locator loop reads one page after another with
 * `maxRecords`. The page being read streams straight from the org, resumed where a cut left it
 * (ApiCaller.download). A spooled page whose download fails even so is fetched again whole by its
 * locator, up to PAGE_ATTEMPTS times. Buffers: one chunk per download; spool files are deleted once read.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { BulkApiError, HttpStatusError } from '../lib/errors.js';
import type { QueryJobs } from '../lib/http/query-jobs.js';

/** One page to read: its bytes and its row count (`Sforce-NumberOfRecords`). */
export interface ResultPageBody {
  readonly body: AsyncIterable<Uint8Array>;
  readonly numberOfRecords: number;
}

export interface ResultPagesOptions {
  /** Rows per page in the locator loop. */
  readonly maxRecords: number;
  /** Most pages downloaded ahead of the one being read (0: none, the locator loop). */
  readonly ahead: number;
  readonly signal?: AbortSignal | undefined;
  /** Called with the number of pages known so far (listed, or read plus the next one). */
  readonly onPages?: (known: number) => void;
}

/** Whole downloads of one spooled page, each by its locator, before the failure is the run's. */
const PAGE_ATTEMPTS = 3;

export async function* resultPageBodies(jobs: QueryJobs, jobId: string, options: ResultPagesOptions): AsyncGenerator<ResultPageBody> {
  const listed = options.ahead > 0 ? await jobs.resultPages(jobId, { signal: options.signal }) : undefined;
  if (!listed) {
    yield* locatorLoop(jobs, jobId, options);
    return;
  }
  const spool = new PageSpool(jobs, jobId, options.signal);
  try {
    yield* spool.pages(listedPaths(jobs, jobId, listed.pages, listed.next, options), options.ahead);
  } finally {
    await spool.close();
  }
}

async function* locatorLoop(jobs: QueryJobs, jobId: string, options: ResultPagesOptions): AsyncGenerator<ResultPageBody> {
  let locator: string | null = null;
  let read = 0;
  do {
    const page = await jobs.results(jobId, { locator, maxRecords: options.maxRecords, signal: options.signal });
    options.onPages?.(++read + (page.locator === null ? 0 : 1));
    yield { body: page.body, numberOfRecords: page.numberOfRecords };
    locator = page.locator;
  } while (locator !== null);
}

/** Every listed page's path, the next list fetched once the current one is used up. */
async function* listedPaths(jobs: QueryJobs, jobId: string, first: readonly string[], firstNext: string | null, options: ResultPagesOptions): AsyncGenerator<string> {
  let [pages, next, known] = [first, firstNext, first.length];
  for (;;) {
    options.onPages?.(known);
    yield* pages;
    if (next === null) return;
    const list = await jobs.resultPages(jobId, { next, signal: options.signal });
    if (!list) return;
    [pages, next, known] = [list.pages, list.next, known + list.pages.length];
  }
}

interface Spooled {
  readonly path: string;
  readonly numberOfRecords: number;
}

/** Pages ahead of the reader, each downloaded whole to its own spool file. */
class PageSpool {
  readonly #jobs: QueryJobs;
  readonly #jobId: string;
  readonly #abort = new AbortController();
  readonly #signal: AbortSignal;
  readonly #pending = new Set<Promise<Spooled>>();
  #dir: Promise<string> | undefined;
  #files = 0;

  constructor(jobs: QueryJobs, jobId: string, signal: AbortSignal | undefined) {
    this.#jobs = jobs;
    this.#jobId = jobId;
    this.#signal = signal ? AbortSignal.any([signal, this.#abort.signal]) : this.#abort.signal;
  }

  /** The pages of `paths` in order: the first streamed, the `ahead` after the one being read spooled meanwhile. */
  async *pages(paths: AsyncIterable<string>, ahead: number): AsyncGenerator<ResultPageBody> {
    const it = paths[Symbol.asyncIterator]();
    const window: Array<{ path: string; spooled?: Promise<Spooled> }> = [];
    let more = true;
    // The window: the page being read (streamed when it is the first, else from its spool file) and up to `ahead` after it, spooling.
    const fill = async () => {
      while (more && window.length < ahead + 1) {
        const next = await it.next();
        if (next.done) more = false;
        else window.push({ path: next.value });
      }
      for (const entry of window.slice(1)) entry.spooled ??= this.#spool(entry.path);
    };
    for (await fill(); window.length > 0; window.shift(), await fill()) {
      const head = window[0] as { path: string; spooled?: Promise<Spooled> };
      if (!head.spooled) {
        const page = await this.#jobs.resultPage(this.#jobId, head.path, { signal: this.#signal });
        yield { body: page.body, numberOfRecords: page.numberOfRecords };
        continue;
      }
      const file = await head.spooled;
      try {
        yield { body: createReadStream(file.path, { highWaterMark: 256 * 1024 }), numberOfRecords: file.numberOfRecords };
      } finally {
        await rm(file.path, { force: true });
      }
    }
  }

  /** Stops the downloads and deletes the spool. */
  async close(): Promise<void> {
    this.#abort.abort();
    await Promise.allSettled(this.#pending);
    if (this.#dir) {
      const dir = await this.#dir.catch(() => undefined);
      if (dir) await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
    }
  }

  #spool(pagePath: string): Promise<Spooled> {
    const task = this.#download(pagePath);
    task.catch(() => undefined); // reported when the page is read, not as an unhandled rejection
    this.#pending.add(task);
    void task.finally(() => this.#pending.delete(task)).catch(() => undefined);
    return task;
  }

  async #download(pagePath: string): Promise<Spooled> {
    if (!this.#dir) {
      this.#dir = mkdtemp(join(tmpdir(), 'bulkpipe-query2-'));
      this.#dir.catch(() => undefined); // awaited below once a page has answered (and by close)
    }
    const dir = this.#dir;
    let path: string | undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        // The request goes out before the spool folder is awaited: the pages ahead are asked for
        // before the page being read answers, not after a thread-pool round trip (a loaded machine).
        const page = await this.#jobs.resultPage(this.#jobId, pagePath, { signal: this.#signal });
        try {
          path ??= join(await dir, `page-${++this.#files}`);
        } catch (err) {
          page.body.destroy();
          throw err;
        }
        await pipeline(page.body, createWriteStream(path), { signal: this.#signal });
        return { path, numberOfRecords: page.numberOfRecords };
      } catch (err) {
        if (path) await rm(path, { force: true });
        // A spool folder that cannot be made is no fault of the page's: asking again would not help.
        const noFolder = await dir.then(
          () => false,
          () => true,
        );
        if (attempt >= PAGE_ATTEMPTS || this.#signal.aborted || refused(err) || noFolder) throw err;
      }
    }
  }
}

/** An answer of the org that another request would only repeat (a 4xx: a bad locator, a deleted job). */
function refused(err: unknown): boolean {
  return (err instanceof BulkApiError || err instanceof HttpStatusError) && err.statusCode < 500;
}
