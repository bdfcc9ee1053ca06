/**
 * The headers of a create-job request: PK chunking (wire §7.2), batch retry and line endings
 * (wire §7.3), checked as they are written.
 */
import { toId18 } from '../ids.js';
import { MAX_PK_CHUNK_SIZE } from '../limits.js';
import { nonEmptyString, positiveInteger } from '../options.js';
import type { CreateJobOptions, PkChunkingOptions } from './client-options.js';

export function createJobHeaders(options: CreateJobOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  if (options.pkChunking) headers['sforce-enable-pkchunking'] = pkChunkingHeader(options.pkChunking);
  if (options.disableBatchRetry) headers['sforce-disable-batch-retry'] = 'TRUE';
  if (options.lineEnding) headers['sforce-line-ending'] = options.lineEnding;
  return headers;
}

function pkChunkingHeader(option: true | PkChunkingOptions): string {
  if (option === true) return 'TRUE';
  const parts: string[] = [];
  if (option.chunkSize !== undefined) parts.push(`chunkSize=${positiveInteger('pkChunking.chunkSize', option.chunkSize, MAX_PK_CHUNK_SIZE)}`);
  if (option.parent !== undefined) parts.push(`parent=${nonEmptyString('pkChunking.parent', option.parent)}`);
  if (option.startRow !== undefined) parts.push(`startRow=${toId18(option.startRow) && option.startRow}`);
  return parts.length ? parts.join('; ') : 'TRUE';
}
