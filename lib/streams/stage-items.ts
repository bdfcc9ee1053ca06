/**
 * What each pipeline stage takes, checked at its door: a stage given the wrong kind of item (a
 * pipeline wired in the wrong order, a user Transform that passes on something else) fails with an
 * error that names what it got, the stage that makes that, and the stage it needs before it,
 * instead of "finishing" with rows that read `batch undefined`.
 */
import { StageOrderError } from '../errors.js';

/** The kinds of item between stages, and who makes them. */
export type StageItemKind = 'bytes' | 'object' | 'record' | 'batch' | 'submitted' | 'finished' | 'joined';

const MADE_BY: Record<StageItemKind, string> = {
  bytes: 'a file or stdin (a byte stream)',
  object: 'your code (a plain object)',
  record: 'RecordParser, RecordReader or DateConverter (an InputRecord)',
  batch: 'BatchChunker or CsvBatchSplitter (a SpooledBatch)',
  submitted: 'BulkSubmitter or IngestJobSubmitter (a SubmittedBatch)',
  finished: 'StatusPoller or IngestJobPoller (a FinishedBatch)',
  joined: 'ResultJoiner (a JoinedBlock)',
};

/** The kind of an item. */
export function itemKind(item: unknown): StageItemKind {
  if (typeof item === 'string' || item instanceof Uint8Array) return 'bytes';
  if (typeof item === 'object' && item !== null) {
    const kind = (item as { kind?: unknown }).kind;
    if (kind === 'batch' || kind === 'submitted' || kind === 'finished' || kind === 'joined') return kind;
    if (kind === undefined && typeof (item as { row?: unknown }).row === 'number' && typeof (item as { fields?: unknown }).fields === 'object') return 'record';
  }
  return 'object';
}

/** The error for an item that is not one of the kinds the stage takes; undefined when it is. Cheap on the hot path: a few property reads. */
export function wrongStageItem(stage: string, accepts: readonly StageItemKind[], item: unknown): StageOrderError | undefined {
  const kind = itemKind(item);
  if (accepts.includes(kind)) return undefined;
  return new StageOrderError(
    `${stage} takes items from ${accepts.map((k) => MADE_BY[k]).join(' or ')}, but got one from ${MADE_BY[kind]}: check the order of the stages before ${stage}`,
    { stage, accepts, got: kind },
  );
}
