/**
 * LoadTracker: a load's progress, which its stages report into. It counts records and batches as
 * they go through (cut, submitted, polled, finished, joined), derives the bytes read, the records
 * pending and the records the org processed (the poller's count), says each batch's way to
 * `onBatch`, and reports to `onProgress` on every change.
 * A few counters; nothing per record is kept.
 */
import type { SpooledBatch } from '../lib/load-types.js';
import { CsvBatchSplitter } from '../transforms/csv-batch-splitter.js';
import type { BatchCounts } from '../transforms/status-poller.js';
import type { LoadBatchEvent, LoadProgress } from './load-options.js';
import type { LoadStages } from './load-stages.js';

type Counts = { -readonly [K in Exclude<keyof LoadProgress, 'bytesRead' | 'inputEnded' | 'recordsPending' | 'recordsProcessedByOrg'>]: number };

export class LoadTracker {
  readonly #counts: Counts = {
    recordsRead: 0,
    batchesSubmitted: 0,
    batchesQueued: 0,
    batchesInProgress: 0,
    batchesCompleted: 0,
    batchesFailed: 0,
    recordsProcessed: 0,
    recordsSucceeded: 0,
    recordsFailed: 0,
    recordsRejectedBeforeUpload: 0,
  };
  readonly #onProgress: ((progress: LoadProgress) => void) | undefined;
  readonly #sink: LoadStages['sink'];
  readonly #poller: LoadStages['poller'];
  #file: { readonly stream: { readonly bytesRead: number }; readonly start: number } | undefined;
  /** Payload bytes cut (and so uploaded, or to be). */
  #bytes = 0;
  /** The CSV fast path: where the records cut so far end in the file (the records counted, not the bytes the file stream read ahead). */
  #cutAt: number | undefined;
  readonly #fastPath: boolean;
  #inputEnded: boolean;
  /** The rows a resumed run's outputs held as it began: the org processed them under the run it resumes, and this run's poller never sees their batches. */
  readonly #processedBefore: number;

  /** `recordsRead`: the rows a resumed run's ledger has read already. */
  constructor(stages: LoadStages, onProgress: ((progress: LoadProgress) => void) | undefined, onBatch: ((event: LoadBatchEvent) => void) | undefined, recordsRead = 0) {
    this.#onProgress = onProgress;
    this.#sink = stages.sink;
    this.#poller = stages.poller;
    this.#fastPath = stages.chunker instanceof CsvBatchSplitter;
    // A resume with nothing left to read has no chunker in its pipeline: its records are all read.
    this.#inputEnded = !stages.reading.readInput;
    this.#counts.recordsRead = recordsRead;
    this.#listen(stages, onBatch);
    this.written();
    this.#processedBefore = this.#counts.recordsProcessed;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Progress counts the file's own bytes (compressed ones, for a gzip file), from where the run opened it. */
  readsFile(stream: { readonly bytesRead: number }, start: number): void {
    this.#file = { stream, start };
  }

  /** The counts, with what derives from them: the bytes read, the records not in the outputs yet, and those the org processed (as the poller last polled). */
  snapshot(): LoadProgress {
    const c = this.#counts;
    return {
      ...c,
      recordsProcessedByOrg: this.#processedBefore + this.#poller.recordsProcessed,
      bytesRead: this.#file ? (this.#fastPath ? (this.#cutAt ?? this.#file.start) : this.#file.start + this.#file.stream.bytesRead) : undefined,
      inputEnded: this.#inputEnded,
      recordsPending: c.recordsRead - c.recordsSucceeded - c.recordsFailed,
    };
  }

  report(): void {
    this.#onProgress?.(this.snapshot());
  }

  /** Takes the rows in the outputs from the sink. */
  written(): void {
    this.#counts.recordsSucceeded = this.#sink.succeeded;
    this.#counts.recordsFailed = this.#sink.failed;
    this.#counts.recordsProcessed = this.#sink.succeeded + this.#sink.failed;
  }

  /** Listeners run in the order they are added: each batch event comes where it always did, before the count it changes is reported (but a cut's). */
  #listen({ chunker, submitter, poller, joiner }: LoadStages, onBatch: ((event: LoadBatchEvent) => void) | undefined): void {
    const c = this.#counts;
    chunker.on('batch', (b: SpooledBatch) => {
      c.recordsRead += b.records;
      this.#bytes += b.bytes;
      if (b.end?.offset != null) this.#cutAt = b.end.offset;
      this.report();
    });
    // The chunker finishes after its last cut: every record read is counted.
    chunker.once('finish', () => {
      this.#inputEnded = true;
      this.report();
    });
    chunker.on('rejected', () => {
      c.recordsRead++;
      c.recordsRejectedBeforeUpload++;
    });
    if (onBatch) {
      chunker.on('batch', (batch: SpooledBatch) => onBatch({ stage: 'cut', batch }));
      submitter.on('batchUploading', (batch) => onBatch({ stage: 'uploading', batch }));
      submitter.on('batchSubmitted', (batch) => onBatch({ stage: 'submitted', batch }));
    }
    submitter.on('batchSubmitted', () => {
      c.batchesSubmitted++;
      this.report();
    });
    poller.on('poll', (counts: BatchCounts) => {
      c.batchesQueued = counts.queued;
      c.batchesInProgress = counts.inProgress;
      this.report();
    });
    if (onBatch) poller.on('batchFinished', (batch, info) => onBatch({ stage: 'finished', batch, info }));
    poller.on('batchFinished', (b) => {
      if (b.state === 'Completed') c.batchesCompleted++;
      else c.batchesFailed++;
      this.report();
    });
    if (onBatch) joiner.on('batchJoined', (batch) => onBatch({ stage: 'joined', seq: batch.seq }));
    joiner.on('batchJoined', () => {
      this.written();
      this.report();
    });
  }
}
