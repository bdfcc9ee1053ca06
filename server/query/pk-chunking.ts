/**
 * The `Sforce-Enable-PKChunking` header (wire §7.2): `TRUE`, `FALSE`, or `chunkSize=N; startRow=ID;
 * parent=Object` (any order, `;`-separated, a trailing `;` allowed).
 */
import { isValidId, toId18 } from '../../lib/ids.js';
import { DEFAULT_PK_CHUNK_SIZE, MAX_PK_CHUNK_SIZE } from '../../lib/limits.js';
import { ApiError } from '../http/api-error.js';

export interface PkChunking {
  readonly chunkSize: number;
  readonly startRow?: string;
}

export function parsePkChunking(header: string): PkChunking | null {
  const value = header.trim();
  if (/^false$/i.test(value) || value === '') return null;
  if (/^true$/i.test(value)) return { chunkSize: DEFAULT_PK_CHUNK_SIZE };
  let chunkSize = DEFAULT_PK_CHUNK_SIZE;
  let startRow: string | undefined;
  for (const part of value
    .split(';')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [key, raw = ''] = part.split('=').map((s) => s.trim());
    if (key?.toLowerCase() === 'chunksize') {
      chunkSize = Number(raw);
      if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > MAX_PK_CHUNK_SIZE) {
        throw new ApiError(400, 'InvalidJob', `Invalid chunkSize ${raw}: expected 1 to ${MAX_PK_CHUNK_SIZE}`);
      }
    } else if (key?.toLowerCase() === 'startrow') {
      if (!isValidId(raw)) throw new ApiError(400, 'InvalidJob', `Invalid startRow ${raw}`);
      startRow = toId18(raw);
    } else if (key?.toLowerCase() !== 'parent') {
      throw new ApiError(400, 'InvalidJob', `Invalid Sforce-Enable-PKChunking parameter: ${part}`);
    }
  }
  return { chunkSize, ...(startRow ? { startRow } : {}) };
}
