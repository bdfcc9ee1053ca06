/**
 * A load's shape: every choice that decides how its input is cut into batches, uploaded and written
 * to the outputs. It is the part of a load's plan that its ledger stores whole and that a resume
 * must repeat exactly, so that it cuts the same segments with the same bytes and appends to the same
 * files. What only decides how fast or how the run is watched (concurrency, polling, callbacks) is
 * not in it: a resume may change that. Plain JSON values, so that what is stored reads back equal.
 */
import type { LoadOperation } from '../load-types.js';
import type { PayloadType } from '../records/serialize-record.js';

/** A load's input format: a file or stream's (csv, ndjson, json, xml), or records from code. */
export type ShapeFormat = 'csv' | 'ndjson' | 'json' | 'xml' | 'records';

export interface LoadShape {
  readonly object: string;
  readonly operation: LoadOperation;
  /** For upsert: the External ID field (or Id). */
  readonly externalIdField?: string;
  /** The input file's absolute path; null for a stream (stdin) or records, which cannot be read again. */
  readonly input: string | null;
  /** What errors name the input by. */
  readonly source: string;
  readonly format: ShapeFormat;
  readonly contentType: PayloadType;
  /** Records per batch, resolved (the default is 10,000). */
  readonly batchSize: number;
  readonly columns?: readonly string[];
  readonly serial: boolean;
  /** CSV input read with another field separator than a comma. */
  readonly delimiter?: string;
  readonly replaceInvalidUtf8?: boolean;
  readonly columnMap?: Readonly<Record<string, string>>;
  readonly dateFormat?: string;
  readonly timeZone?: string;
  /** A binary-attachment load: the folder its files are read from (absolute). */
  readonly attachments?: string;
  /** Bulk API 2.0: present (2) only for a 2.0 load, so that a v1 ledger's shape reads back equal. */
  readonly bulkApi?: 2;
  /** A 2.0 load: most bytes of CSV uploaded in one job (the segments of a job add up to at most this, or one segment). */
  readonly jobSize?: number;
  /**
   * A grouped load: records are ordered into batches by this field's value, within windows of
   * `groupWindow` consecutive input records (and about 64 MiB); the windows are part of the shape, as a
   * resume must form the same ones to pass over the same records.
   */
  readonly groupBy?: string;
  readonly groupWindow?: number;
  /**
   * Further attempts of a record whose result proves it was not written (issue 26); absent in the
   * ledgers of runs made before record retry, which had none (and no attempts column). A shape
   * field: it decides the outputs' columns.
   */
  readonly retryRecords?: number;
  /** The outputs' absolute paths. */
  readonly successPath?: string;
  readonly errorPath?: string;
  readonly resultsPath?: string;
}

/** The input file as a run first saw it: a resume that reads it again checks that it did not change. */
export interface InputFile {
  readonly size: number;
  readonly mtimeMs: number;
}

/**
 * The fields of `given` whose value differs from `stored`'s, each as "name (then, now)". One
 * comparison over whatever fields the shape has: a field added to LoadShape is compared with no
 * list to keep. Objects compare by their entries whatever their order.
 */
export function shapeDifferences(stored: LoadShape, given: Partial<LoadShape>): string[] {
  const differs: string[] = [];
  for (const [key, now] of Object.entries(given)) {
    const then = (stored as unknown as Record<string, unknown>)[key];
    if (canonical(then) !== canonical(now)) differs.push(`${key} (${describe(key, then)} then, ${describe(key, now)} now)`);
  }
  return differs;
}

/** A value's JSON with object keys sorted, so that two maps with the same entries are equal. */
function canonical(value: unknown): string {
  return JSON.stringify(value ?? null, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as object).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}

function describe(key: string, value: unknown): string {
  if (key === 'input') return value === null || value === undefined ? 'a stream' : String(value);
  return value === undefined ? 'none' : JSON.stringify(value);
}
