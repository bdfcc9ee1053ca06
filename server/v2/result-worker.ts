/**
 * The org's Bulk API 2.0 result files, written on a worker thread (issue 28). A result file echoes
 * every uploaded value: writing a 40 MB job's took about 1.2 CPU-seconds on the thread the org runs
 * its batches on, so a load's later batches ran slower while its earlier jobs' results were
 * fetched. Salesforce serves downloads apart from the servers that process batches; here a worker
 * thread with a read-only connection of its own to the org's file writes them (ingestResultChunks,
 * the same bytes), and the main thread only passes its Buffers to the socket. WAL lets the worker
 * read while the processor commits, and each of its reads sees committed chunks only, as a read on
 * the main connection does. An org in memory has no file another connection could open: it writes
 * its result files itself (startServer).
 * Flow: a download asks for AHEAD Buffers (about 64 KiB each) and one more for each it passes on,
 * so the worker writes at most that far ahead of the socket, whatever the client's speed; a download
 * the client leaves is cancelled. A worker that fails ends the downloads in flight with its error;
 * the next download starts another.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { Sqlite } from '../store/database.js';
import { type JobRow, JobsStore } from '../store/jobs-store.js';
import { type IngestResultKind, ingestResultChunks } from './ingest-results.js';

/** Buffers (about 64 KiB each) a download may have written and not yet sent: enough that a main thread busy with batches between two messages does not hold the download back. */
const AHEAD = 16;
/** The worker's SQLite page cache, MiB: it reads each batch once, in order, so a small one does. */
const WORKER_CACHE_MIB = 8;
/** What marks a worker thread started for this module (the module is its own entry: see `#start`). */
const ROLE = 'bulkpipe-result-files';

type ToWorker =
  | { readonly type: 'open'; readonly id: number; readonly job: JobRow; readonly kind: IngestResultKind; readonly withFailedId: boolean }
  | { readonly type: 'more'; readonly id: number; readonly n: number }
  | { readonly type: 'cancel'; readonly id: number };

type FromWorker =
  | { readonly type: 'chunk'; readonly id: number; readonly chunk: Uint8Array }
  | { readonly type: 'end'; readonly id: number }
  | { readonly type: 'error'; readonly id: number; readonly message: string };

/** Where an org's 2.0 ingest result files come from (RestContext.ingestResults). */
export interface IngestResultFiles {
  /** A result file's Buffers, as ingestResultChunks writes them. */
  chunks(job: JobRow, kind: IngestResultKind, withFailedId: boolean): Iterable<Buffer> | AsyncIterable<Buffer>;
  /** Says that result files will be asked for soon (a 2.0 ingest job was created): a worker is started now, not at the first download. */
  warm(): void;
}

/** The result files of an org in memory: written on the org's thread (no other connection can open it). */
export const resultFilesInThread = (jobs: JobsStore): IngestResultFiles => ({
  chunks: (job, kind, withFailedId) => ingestResultChunks(jobs, job, kind, withFailedId),
  warm: () => undefined,
});

/**
 * The result files of an org's database file, written on a worker thread started at the first 2.0
 * ingest job (its modules load in a few hundred milliseconds on a busy machine: not while the first
 * job's client waits for its results).
 */
export class ResultWorker implements IngestResultFiles {
  readonly #file: string;
  #worker: Worker | undefined;
  readonly #downloads = new Map<number, Download>();
  #next = 0;
  #closed = false;

  /** `file`: the org's database file (an absolute path). */
  constructor(file: string) {
    this.#file = file;
  }

  warm(): void {
    if (!this.#closed) this.#start();
  }

  chunks(job: JobRow, kind: IngestResultKind, withFailedId: boolean): AsyncIterable<Buffer> {
    return {
      [Symbol.asyncIterator]: () => {
        if (this.#closed) throw new Error('the org is closed');
        const worker = this.#start();
        const id = this.#next++;
        const download = new Download(
          (message) => worker.postMessage(message),
          id,
          () => this.#downloads.delete(id),
        );
        this.#downloads.set(id, download);
        worker.postMessage({ type: 'open', id, job, kind, withFailedId } satisfies ToWorker);
        download.ask(AHEAD);
        return download;
      },
    };
  }

  /** Ends the downloads in flight and the worker. */
  async close(): Promise<void> {
    this.#closed = true;
    const worker = this.#worker;
    this.#worker = undefined;
    this.#fail(new Error('the org is closed'));
    await worker?.terminate();
  }

  #start(): Worker {
    if (this.#worker) return this.#worker;
    const url = import.meta.url;
    // This module is the worker's entry, whatever file holds it (tsc's output, a bundle's chunk). Run
    // from the TypeScript sources (the tests), the worker first registers the loader that reads them:
    // Node 20 does not pass `--import` on to a worker.
    const worker = url.endsWith('.ts')
      ? new Worker(`import('tsx/esm/api').then((tsx) => tsx.register()).then(() => import(${JSON.stringify(url)}))`, {
          eval: true,
          workerData: { role: ROLE, file: this.#file },
        })
      : new Worker(new URL(url), { workerData: { role: ROLE, file: this.#file } });
    // The org's HTTP server keeps the process alive while a download is in flight: an idle worker must not.
    worker.unref();
    worker.on('message', (message: FromWorker) => this.#downloads.get(message.id)?.receive(message));
    const failed = (err: Error) => {
      if (this.#worker !== worker) return;
      this.#worker = undefined;
      this.#fail(err);
    };
    worker.on('error', failed);
    worker.on('exit', (code) => failed(new Error(`the result files' worker stopped (exit code ${code})`)));
    this.#worker = worker;
    return worker;
  }

  #fail(err: Error): void {
    for (const download of this.#downloads.values()) download.receive({ type: 'error', id: -1, message: err.message });
    this.#downloads.clear();
  }
}

/** One download on the main thread: the Buffers the worker sent, handed out in order. */
class Download implements AsyncIterator<Buffer> {
  readonly #post: (message: ToWorker) => void;
  readonly #id: number;
  readonly #done: () => void;
  readonly #queue: Buffer[] = [];
  #ended = false;
  #error: Error | undefined;
  #waiting: (() => void) | undefined;

  constructor(post: (message: ToWorker) => void, id: number, done: () => void) {
    this.#post = post;
    this.#id = id;
    this.#done = done;
  }

  ask(n: number): void {
    this.#post({ type: 'more', id: this.#id, n });
  }

  receive(message: FromWorker): void {
    if (message.type === 'chunk') this.#queue.push(Buffer.from(message.chunk.buffer, message.chunk.byteOffset, message.chunk.byteLength));
    else if (message.type === 'end') this.#ended = true;
    else this.#error = new Error(`the result file could not be written: ${message.message}`);
    if (message.type !== 'chunk') this.#done();
    this.#waiting?.();
  }

  async next(): Promise<IteratorResult<Buffer>> {
    for (;;) {
      const chunk = this.#queue.shift();
      if (chunk) {
        if (!this.#ended && !this.#error) this.ask(1);
        return { value: chunk, done: false };
      }
      if (this.#error) throw this.#error;
      if (this.#ended) return { value: undefined, done: true };
      await new Promise<void>((resolve) => (this.#waiting = resolve));
      this.#waiting = undefined;
    }
  }

  /** The client left (or the answer failed): the worker writes no more of it. */
  async return(): Promise<IteratorResult<Buffer>> {
    if (!this.#ended && !this.#error) {
      this.#ended = true;
      this.#done();
      this.#post({ type: 'cancel', id: this.#id });
    }
    this.#queue.length = 0;
    return { value: undefined, done: true };
  }
}

/** The worker's side: its own read-only connection, and each download's file written as asked. */
function serveResultFiles(file: string): void {
  const port = parentPort as NonNullable<typeof parentPort>;
  const db = new Sqlite(file, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 30000');
  db.pragma(`cache_size = ${-WORKER_CACHE_MIB * 1024}`);
  const jobs = new JobsStore(db);
  const open = new Map<number, { chunks: Iterator<Buffer>; credit: number }>();
  const pump = (id: number) => {
    const download = open.get(id);
    if (!download) return;
    try {
      while (download.credit > 0) {
        const next = download.chunks.next();
        if (next.done) {
          open.delete(id);
          return port.postMessage({ type: 'end', id } satisfies FromWorker);
        }
        download.credit--;
        const chunk = next.value;
        // A chunk is a Buffer of its own (never Node's shared pool, which is Buffer.poolSize long): its memory moves to the main thread, uncopied.
        const own = chunk.buffer.byteLength > Buffer.poolSize;
        port.postMessage({ type: 'chunk', id, chunk } satisfies FromWorker, own ? [chunk.buffer as ArrayBuffer] : []);
      }
    } catch (err) {
      open.delete(id);
      port.postMessage({ type: 'error', id, message: (err as Error).message } satisfies FromWorker);
    }
  };
  port.on('message', (message: ToWorker) => {
    if (message.type === 'open') {
      open.set(message.id, { chunks: ingestResultChunks(jobs, message.job, message.kind, message.withFailedId)[Symbol.iterator](), credit: 0 });
    } else if (message.type === 'more') {
      const download = open.get(message.id);
      if (download) download.credit += message.n;
      pump(message.id);
    } else {
      open.get(message.id)?.chunks.return?.();
      open.delete(message.id);
    }
  });
}

if (!isMainThread && (workerData as { role?: string } | null)?.role === ROLE) serveResultFiles((workerData as { file: string }).file);
