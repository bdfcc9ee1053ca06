/**
 * The run line of a load ledger: the first line of `ledger.ndjson`, saying what the run is. Since
 * version 2 it holds the load's shape whole (load-shape.ts), so that a resume reads its plan back
 * as it was made instead of rebuilding it field by field. A version 1 line (written before, with
 * the shape's fields spread beside the run's) is converted as it is read: it holds every field of
 * the shape. A line of another version is refused, saying what to do.
 */
import { LedgerError } from '../errors.js';
import { MAX_BATCH_RECORDS } from '../limits.js';
import type { LoadOperation } from '../load-types.js';
import type { PayloadType } from '../records/serialize-record.js';
import type { InputFile, LoadShape, ShapeFormat } from './load-shape.js';

/** The version a ledger is written in. */
export const LEDGER_VERSION = 2;

/** What a run is: its id, its org, and its shape (everything a resumed run must repeat to cut the same batches and write the same outputs). */
export interface LedgerRun {
  readonly runId: string;
  /** The org: its instance URL (or `local:<db>`). */
  readonly org: string;
  readonly shape: LoadShape;
  /** The input file as the run began with it; null for a stream or records. */
  readonly inputFile: InputFile | null;
}

/** The run line as written: the run, and which process began it when. */
export type RunLine = { readonly type: 'run'; readonly version: number; readonly pid: number; readonly host: string; readonly startedAt: string } & LedgerRun;

/** The run line of a version 1 ledger: the shape's fields beside the run's, the input with its size. */
interface RunLineV1 {
  readonly runId: string;
  readonly org: string;
  readonly input: { readonly path: string; readonly size: number; readonly mtimeMs: number } | null;
  readonly source: string;
  readonly format: string;
  readonly contentType: string;
  readonly object: string;
  readonly operation: string;
  readonly batchSize?: number;
  readonly serial: boolean;
  readonly columnMap?: Readonly<Record<string, string>>;
  readonly [field: string]: unknown;
}

/** Keys of a version 1 line that are the shape's as they are (the others are converted). */
const V1_AS_IS = ['externalIdField', 'columns', 'delimiter', 'replaceInvalidUtf8', 'columnMap', 'dateFormat', 'timeZone', 'attachments', 'successPath', 'errorPath', 'resultsPath'];

/** The run of a ledger's run line, of this version or converted from version 1; refuses any other. */
export function runOfLine(line: Record<string, unknown>, dir: string): LedgerRun {
  const version = line.version;
  if (version === LEDGER_VERSION) {
    const { runId, org, shape, inputFile } = line as unknown as RunLine;
    return { runId, org, shape, inputFile };
  }
  if (version === 1) return fromVersion1(line as unknown as RunLineV1);
  throw new LedgerError(
    `the ledger in ${dir} cannot be resumed by this bulkpipe (which converts version 1): resume the load with the bulkpipe that began it, or check its jobs in the org (bulkpipe job list), remove the folder (bulkpipe job clean) and load the rest with a new run. It is of version ${JSON.stringify(version ?? null)}; this bulkpipe reads version ${LEDGER_VERSION}`,
    { problem: 'version', version: typeof version === 'number' ? version : Number.NaN, reads: LEDGER_VERSION, dir },
  );
}

function fromVersion1(line: RunLineV1): LedgerRun {
  const kept = Object.fromEntries(V1_AS_IS.filter((key) => line[key] !== undefined && line[key] !== null).map((key) => [key, line[key]]));
  const shape: LoadShape = {
    object: line.object,
    operation: line.operation as LoadOperation,
    input: line.input?.path ?? null,
    source: line.source,
    format: line.format as ShapeFormat,
    contentType: line.contentType as PayloadType,
    // Version 1 kept the batch size as given: none (or 0) was the default.
    batchSize: line.batchSize || MAX_BATCH_RECORDS,
    serial: line.serial,
    ...kept,
  };
  return { runId: line.runId, org: line.org, shape, inputFile: line.input ? { size: line.input.size, mtimeMs: line.input.mtimeMs } : null };
}
