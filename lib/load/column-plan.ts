/**
 * Which input columns are uploaded, under which names. bulkpipe's own result columns (`sf__Id`,
 * `sf__Created`, `sf__Error`, `sf__Row`, `sf__Attempts`) are never fields: they are left out, so that a user can fix
 * an error file and load it as it is. For update, delete and hardDelete, a file with `sf__Id` and no
 * `Id` (a success file) uses `sf__Id` as the Id; a delete then sends the Id alone, as the Bulk API
 * expects of a delete. A column the header leaves without a name ('') is no field either: dropped
 * (lib/load/unnamed-columns.ts).
 */
import type { LoadOperation } from '../load-types.js';
import { unnamedNotice, unnamedColumns } from './unnamed-columns.js';

/** The columns bulkpipe adds to its outputs. */
const RESULT_COLUMNS = ['sf__Id', 'sf__Created', 'sf__Error', 'sf__Row', 'sf__Attempts'] as const;

const RESULT_NAMES = new Set(RESULT_COLUMNS.map((c) => c.toLowerCase()));

/** Whether a column is one of bulkpipe's result columns (matched regardless of case). */
export const isResultColumn = (name: string): boolean => RESULT_NAMES.has(name.toLowerCase());

export interface ColumnPlan {
  /** The input's columns, in order. */
  readonly input: readonly string[];
  /** The columns uploaded, in order. */
  readonly upload: readonly string[];
  /** For each uploaded column, the input column its value comes from. */
  readonly sources: readonly string[];
  /** Input columns not uploaded. */
  readonly dropped: readonly string[];
  /** The 1-based numbers of the input columns without a name (dropped, as '' in `dropped`). */
  readonly unnamed: readonly number[];
  /** The input column used as `Id`, when it is `sf__Id`. */
  readonly idFrom: string | undefined;
  /** True when every input column is uploaded under its own name, in order. */
  readonly identity: boolean;
  /** What the input looks like: a bulkpipe error file, a success file, or neither. */
  readonly reload: 'errors' | 'success' | undefined;
}

export function planColumns(input: readonly string[], operation: LoadOperation): ColumnPlan {
  const find = (name: string) => input.find((c) => c.toLowerCase() === name.toLowerCase());
  const resultId = find('sf__Id');
  const takesId = operation === 'update' || operation === 'delete' || operation === 'hardDelete';
  const idFrom = takesId && resultId !== undefined && !input.some((c) => c.toLowerCase() === 'id') ? resultId : undefined;
  let upload: string[];
  let sources: string[];
  if (idFrom !== undefined && operation !== 'update') {
    upload = ['Id'];
    sources = [idFrom];
  } else {
    sources = input.filter((c) => c !== '' && (!isResultColumn(c) || c === idFrom));
    upload = sources.map((c) => (c === idFrom ? 'Id' : c));
  }
  const kept = new Set(sources);
  const dropped = input.filter((c) => !kept.has(c));
  const reload = find('sf__Error') !== undefined ? 'errors' : resultId !== undefined && find('sf__Created') !== undefined ? 'success' : undefined;
  return { input, upload, sources, dropped, unnamed: unnamedColumns(input), idFrom, identity: dropped.length === 0 && idFrom === undefined, reload };
}

/** The one notice line a plan deserves (`source`: the input, named when columns have no name), or undefined when every column is uploaded as it is. */
export function describeColumnPlan(plan: ColumnPlan, source = 'input'): string | undefined {
  if (plan.identity) return undefined;
  const parts: string[] = [];
  if (plan.idFrom !== undefined) parts.push(`${plan.idFrom} is uploaded as Id`);
  const results = plan.dropped.filter(isResultColumn);
  const others = plan.dropped.filter((c) => c !== '' && !isResultColumn(c));
  if (plan.unnamed.length > 0) parts.push(unnamedNotice(source, plan.unnamed));
  if (results.length > 0) parts.push(`${results.join(', ')} ${results.length === 1 ? 'is a result column' : 'are result columns'}, not uploaded`);
  if (others.length > 0) parts.push(`a delete sends the Id alone: ${others.join(', ')} not uploaded`);
  return `${plan.reload === 'errors' ? 'a bulkpipe error file: ' : plan.reload === 'success' ? 'a bulkpipe success file: ' : ''}${parts.join('; ')}`;
}
