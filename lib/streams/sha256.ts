/** The SHA-256 (hex) of bytes held in pieces, hashed as one. */
export function sha256Hex(pieces: readonly Uint8Array[]): string {
  const hash = createHash('sha256');
  for (const piece of pieces) hash.update(piece);
  return hash.digest('hex');
}

/** The SHA-256 (hex) and length of bytes that come in chunks (a file, a response body), read as they come. */
import { createHash } from 'node:crypto';

export async function sha256Of(chunks: AsyncIterable<Uint8Array>): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of chunks) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: hash.digest('hex'), bytes };
}
