/**
 * Columns that the header leaves without a name. Excel and Google Sheets write them when a sheet's
 * used range is wider than its data: every line then ends in `;;` or `,,`, and the header's last
 * names are empty. Such a column is no field: it is dropped, and it may be, because it holds no
 * value. A record that holds one there would lose it silently, so it is rejected for its input
 * (BULKPIPE_UNNAMED_COLUMN, naming the column by its number); in the first batchSize records, which
 * are read before the job is made, it stops a fresh load instead (UnnamedColumnError, a usage error: see
 * pipelines/load-stages.ts). One judge for the CSV fast path and the record path.
 */
import { inputFault, type InputPlace } from './input-fault.js';

/** The 1-based numbers of the header's columns without a name (a name of white space only is none either). */
export function unnamedColumns(names: readonly string[]): number[] {
  const unnamed: number[] = [];
  names.forEach((name, i) => {
    if (name.trim() === '') unnamed.push(i + 1);
  });
  return unnamed;
}

/** `column 6`, `columns 6 and 7`, `columns 6, 7 and 8`. */
function columnNumbers(numbers: readonly number[]): string {
  if (numbers.length === 1) return `column ${numbers[0]}`;
  return `columns ${numbers.slice(0, -1).join(', ')} and ${numbers.at(-1)}`;
}

/** The 0-based index of the first unnamed column (1-based `unnamed`) that holds a value in `values`, or -1. */
export function valueInUnnamed(values: readonly string[], unnamed: readonly number[]): number {
  for (const n of unnamed) if ((values[n - 1] ?? '') !== '') return n - 1;
  return -1;
}

/** The key of a rejected record's value in the unnamed column `n` (1-based) among its fields: the error file keeps it (sinks/outcome-sink.ts). */
export const unnamedKey = (n: number): string => `column ${n}`;

/** A rejected record's values in its unnamed columns (1-based `unnamed`), by unnamedKey: the error file keeps them whole, where the message quotes 40 characters. */
export function unnamedFields(values: readonly string[], unnamed: readonly number[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const n of unnamed) if ((values[n - 1] ?? '') !== '') fields[unnamedKey(n)] = values[n - 1] as string;
  return fields;
}

/** The error text of a record with a value (at 0-based `index`) in a column without a name. */
export function unnamedValueFault(values: readonly string[], index: number, place: InputPlace): string {
  const value = values[index] as string;
  const shown = JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  return inputFault(
    'BULKPIPE_UNNAMED_COLUMN',
    `a value (${shown}) in column ${index + 1}, which the header leaves without a name, so it goes to no field: give the column a field's name in the header, or empty it`,
    { ...place, field: `#${index + 1}` },
  );
}

/** The notice of a load whose header has columns without a name (1-based `unnamed`). */
export function unnamedNotice(source: string, unnamed: readonly number[]): string {
  const they = unnamed.length === 1 ? 'it is' : 'they are';
  return `${source}: the header's ${columnNumbers(unnamed)} ${unnamed.length === 1 ? 'has' : 'have'} no name: ${they} not uploaded (a record with a value there goes to the errors; in the first --batch-size records, it stops the load before the job)`;
}

/** Whether a rejected record's error text is a value in an unnamed column. */
export const isUnnamedValueFault = (error: string): boolean => error.startsWith('BULKPIPE_UNNAMED_COLUMN:');
