/**
 * A grouped load's segment file of input rows (`SpooledBatch.sources`): the input row of each record
 * of the payload, in payload order, 32-bit little-endian. At most a batch's 10,000 records: 40 KB,
 * read whole by the joiner.
 */
import { readFile } from 'node:fs/promises';

export function encodeSourceRows(rows: readonly number[]): Buffer {
  const out = Buffer.allocUnsafe(rows.length * 4);
  for (let i = 0; i < rows.length; i++) out.writeUInt32LE(rows[i] as number, i * 4);
  return out;
}

/** The rows of a sources file (a trailing part of a row is left out: the joiner checks the count against the segment's records). */
export async function readSourceRows(path: string): Promise<Uint32Array> {
  const bytes = await readFile(path);
  const rows = new Uint32Array(Math.floor(bytes.length / 4));
  for (let i = 0; i < rows.length; i++) rows[i] = bytes.readUInt32LE(i * 4);
  return rows;
}
