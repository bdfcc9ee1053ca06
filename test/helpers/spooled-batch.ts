/** A spooled CSV batch of one Name column, written to `dir`, for the stage tests. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SpooledBatch } from '../../lib/load-types.js';

export async function spooledBatch(dir: string, seq: number, names: string[], firstRow = 1): Promise<SpooledBatch> {
  const path = join(dir, `b${seq}.csv`);
  const body = `Name\n${names.join('\n')}\n`;
  await writeFile(path, body);
  return { kind: 'batch', seq, path, contentType: 'CSV', records: names.length, rejected: 0, bytes: body.length, rows: [[firstRow, names.length]], columns: ['Name'] };
}
