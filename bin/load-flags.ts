/**
 * The `bulkpipe load` flags that name files or patterns (`--map`, `--attachments`, `--date-format`,
 * `--time-zone`), checked when the command starts: a usage error now rather than every record
 * rejected later.
 */
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseColumnMap, type ColumnMap } from '../lib/load/column-map.js';
import type { LoadOperation } from '../lib/load-types.js';
import { datePattern, timeZoneOption } from '../lib/text/date-format.js';
import { UsageError } from './usage-error.js';
import { fileErrorWords } from '../lib/text/file-error-words.js';

/** `--map FILE` (an .sdl file) or `--map 'Column=ApiField,...'`. */
export async function columnMapOf(value: string): Promise<ColumnMap> {
  let text = value;
  if (!value.includes('=')) {
    try {
      text = await readFile(value, 'utf8');
    } catch (err) {
      throw new UsageError(`load: cannot read the --map file ${value}: ${fileErrorWords(err)}`);
    }
  }
  try {
    return parseColumnMap(text);
  } catch (err) {
    throw new UsageError(`load: --map: ${(err as Error).message}`);
  }
}

/** `--attachments DIR`: an existing folder (a usage error now, rather than every record rejected later), for a load that uploads records. */
export async function attachmentsFolder(dir: string, operation: LoadOperation): Promise<string> {
  if (operation === 'delete' || operation === 'hardDelete') throw new UsageError(`load: --attachments is for insert, update and upsert, not ${operation}`);
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new UsageError(`load: --attachments ${dir}: not a folder`);
  return resolve(dir);
}

/** `--date-format` and `--time-zone`, checked now (a usage error) rather than at the first record. */
export function dateOptions(dateFormat: string | undefined, timeZone: string | undefined): { dateFormat?: string; timeZone?: string } {
  try {
    if (dateFormat !== undefined) datePattern(dateFormat.replace(/\s*H.*$/, ''));
    if (timeZone !== undefined) timeZoneOption(timeZone);
  } catch (err) {
    throw new UsageError(`load: ${(err as Error).message}`);
  }
  return { ...(dateFormat !== undefined ? { dateFormat } : {}), ...(timeZone !== undefined ? { timeZone } : {}) };
}
