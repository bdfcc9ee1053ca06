/**
 * The head of a load's pipeline: where its segments come from. A new run reads its input (a file
 * from a resume's byte offset, a byte stream gunzipped when it is gzip, or records from code) into
 * the chunking stages, then past the ledger's recorder; a resume puts the segments its ledger holds
 * first. A resume with nothing left to read passes on its ledger's segments alone.
 */
import { createReadStream } from 'node:fs';
import { Readable, type Transform } from 'node:stream';
import { InvalidOptionError } from '../lib/errors.js';
import type { LoadLedger } from '../lib/load/load-ledger.js';
import { ungzipped } from '../lib/streams/gunzip.js';
import { CsvBatchSplitter } from '../transforms/csv-batch-splitter.js';
import { LedgerRecorder } from '../transforms/ledger-recorder.js';
import type { RecordParser } from '../transforms/record-parser.js';
import { stoppableInput } from '../transforms/stoppable-input.js';
import type { RecordInput } from './load-options.js';
import { OBJECTS_GO_IN_RECORDS, type LoadPlan } from './load-plan.js';
import { PrependSegments, type ResumePlan } from './load-resume.js';
import type { LoadStages } from './load-stages.js';
import type { LoadTracker } from './load-tracker.js';

export interface InputContext {
  readonly ledger: LoadLedger | undefined;
  /** A resume's segments not yet in the outputs, put ahead of what the input goes on to give. */
  readonly resumed: Pick<ResumePlan, 'segments'> | undefined;
  readonly tracker: LoadTracker;
  /** Malformed input (a gzip stream cut off too) ends the reading; the run fails with it at the end. */
  readonly onError: (err: Error) => void;
  /** Whether the input was read to its end (no stop, no input error): then the ledger records where it ended. */
  readonly readToEnd: () => boolean;
}

/** The streams before the submitter. */
export function inputHead(plan: LoadPlan, stages: LoadStages, context: InputContext): Array<Readable | Transform> {
  const { ledger, resumed } = context;
  const { reading, chunking, chunker, spool } = stages;
  if (!reading.readInput) {
    plan.stream?.resume(); // not read: let it go
    return [Readable.from(resumed?.segments ?? [], { objectMode: true })];
  }
  const head: Array<Readable | Transform> = [source(plan, stages, context), ...chunking];
  if (ledger) {
    const header = () => (chunker instanceof CsvBatchSplitter ? chunker.inputHeader : undefined);
    head.push(new LedgerRecorder({ ledger, spool, header, readToEnd: context.readToEnd, fromRow: reading.fromRow }));
  }
  if (resumed) head.push(new PrependSegments(resumed.segments));
  return head;
}

/** The input as a stream: records as objects, a file or stream as bytes (gunzipped when gzip); read until a stop. */
function source(plan: LoadPlan, stages: LoadStages, context: InputContext): Readable {
  const { records, shape, run } = plan;
  const { stopSignal } = run;
  if (records !== undefined) return Readable.from(untilStopped(records, stopSignal), { objectMode: true, highWaterMark: 16 });
  const { fromOffset } = stages.reading;
  const file = shape.input === null ? undefined : createReadStream(shape.input, { highWaterMark: 256 * 1024, start: fromOffset });
  if (file) context.tracker.readsFile(file, fromOffset);
  const opened = file ?? (plan.stream as Readable);
  // A stream's chunks are checked (Readable.from(['text']) is an object-mode byte stream; objects are not bytes), and gunzipped when they are gzip.
  // gzip data cut off keeps what came before the cut, as a cut-off JSON array does: the reader drops the partial record at the cut, and the run ends with the cut's error.
  const onCut = (err: Error) => {
    context.onError(err);
    (stages.chunking[0] as RecordParser | CsvBatchSplitter).endsCut();
  };
  const bytes = file && !plan.gzipFile ? file : Readable.from(ungzipped(byteChunks(opened), { source: shape.source, onCut }), { objectMode: false });
  return stopSignal ? stoppableInput(bytes, stopSignal) : bytes;
}

/** A stream's chunks as bytes (text too); any other chunk fails the load with BULK_INVALID_OPTION instead of crashing the parser. */
async function* byteChunks(stream: Readable): AsyncGenerator<Buffer> {
  for await (const chunk of stream as AsyncIterable<unknown>) {
    if (typeof chunk === 'string') yield Buffer.from(chunk);
    else if (chunk instanceof Uint8Array) yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    else throw new InvalidOptionError('input', `a stream of bytes or text: ${OBJECTS_GO_IN_RECORDS}`, chunk);
  }
}

/** The records until a stop: the source is left (its return() called) at the next record after it. */
async function* untilStopped(records: RecordInput, stop: AbortSignal | undefined): AsyncGenerator<unknown> {
  for await (const record of records as AsyncIterable<unknown>) {
    if (stop?.aborted) return;
    yield record;
  }
}
